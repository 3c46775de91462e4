/**
 * The floors of the executor benchmark: bare loops that do the work any durable
 * step must do, with none of the Executor around it. Per step they run the step
 * function, build the same Go-format document the Executor saves (the last ten
 * checkpoints, the same ids and timestamps) and turn it into JSON text once; the
 * memory floor then puts the text in a map, the file floor writes it to a
 * temporary file, flushes it and renames it over the target.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSyncRename } from '../../lib/stores/file-io.js';

/** The state the benchmark's steps pass along. */
export interface BenchState {
  count: number;
  note: string;
}

/** The step every benchmark run executes: a trivial change to a small state. */
export function benchStep(s: unknown): BenchState {
  return { count: (s as BenchState).count + 1, note: 'agent output of modest size' };
}

const KEPT = 10;
const ID = 'exec_0123456789abcdef0123456789abcdef';

/** Yields the JSON text of each step's snapshot, after running that step. */
async function* snapshots(steps: number): AsyncGenerator<string> {
  const startTime = new Date().toISOString();
  const checkpoints: { id: string; step: number; state: unknown; timestamp: string; seq: number }[] = [];
  let state: unknown = { count: 0, note: '' };
  for (let step = 0; step < steps; step++) {
    state = benchStep(state);
    const timestamp = new Date().toISOString();
    checkpoints.push({ id: `cp_${String(step).padStart(32, '0')}`, step: step + 1, state, timestamp, seq: step + 1 });
    if (checkpoints.length > KEPT) checkpoints.shift();
    yield JSON.stringify({
      id: ID,
      name: 'bench',
      state: 'running',
      progress: Math.floor(((step + 1) * 100) / steps),
      current_step: step + 1,
      total_steps: steps,
      start_time: startTime,
      last_update: timestamp,
      checkpoints,
      step_runs: step + 1,
      max_step_runs: 10_000,
    });
  }
}

/** Milliseconds for `steps` bare steps that keep each snapshot's text in a map. */
export async function bareMemoryFloor(steps: number): Promise<number> {
  const records = new Map<string, string>();
  const start = performance.now();
  for await (const text of snapshots(steps)) records.set(ID, text);
  return performance.now() - start;
}

/** Milliseconds for `steps` bare steps that write each snapshot with write+fsync+rename. */
export async function bareFileFloor(dir: string, steps: number): Promise<number> {
  await mkdir(dir, { recursive: true });
  const start = performance.now();
  let n = 0;
  for await (const text of snapshots(steps)) {
    const temp = join(dir, `.${ID}.${n++}.tmp`);
    await writeSyncRename(temp, join(dir, `${ID}.json`), text);
  }
  return performance.now() - start;
}
