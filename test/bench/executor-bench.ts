/**
 * In-process Executor benchmark: per-step overhead with the memory and the file
 * store, for runs of 100, 1,000 and 10,000 steps, each next to a floor measured in
 * the same run: a bare loop doing the work the store must do anyway (run the step,
 * write the same JSON bytes into a map, or to a file with write+fsync+rename).
 * Bytes per step, counted in a separate untimed run, must stay flat as runs grow
 * (bounded checkpoints per snapshot).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '../../lib/core/types.js';
import { Executor } from '../../lib/executor/executor.js';
import type { CheckpointStore } from '../../lib/stores/checkpoint-store.js';
import { serializeExecution } from '../../lib/stores/execution-codec.js';
import { FileCheckpointStore } from '../../lib/stores/file-checkpoint-store.js';
import { MemoryCheckpointStore } from '../../lib/stores/memory-checkpoint-store.js';
import { bareFileFloor, bareMemoryFloor, type BenchState, benchStep } from './executor-floor.js';

/** Per-step targets of issue 12: at most this many times the floor. */
export const EXECUTOR_TARGETS = { memory: 2, file: 1.2 } as const;

/** Counts the bytes of every snapshot saved; used only in the untimed run. */
class CountingStore implements CheckpointStore {
  bytes = 0;
  saves = 0;
  readonly #inner = new MemoryCheckpointStore();
  async saveCheckpoint(exec: Execution): Promise<void> {
    this.bytes += Buffer.byteLength(serializeExecution(exec));
    this.saves++;
    await this.#inner.saveCheckpoint(exec);
  }
  loadCheckpoint(id: string): Promise<Execution> {
    return this.#inner.loadCheckpoint(id);
  }
  listCheckpoints(): Promise<Execution[]> {
    return this.#inner.listCheckpoints();
  }
  deleteCheckpoint(id: string): Promise<void> {
    return this.#inner.deleteCheckpoint(id);
  }
}

export interface ExecutorBenchRow {
  store: 'memory' | 'file';
  steps: number;
  usPerStep: number;
  floorUsPerStep: number;
  /** usPerStep / floorUsPerStep. */
  ratio: number;
  target: number;
  bytesPerStep: number;
  savesPerStep: number;
}

async function runExecutor(store: CheckpointStore, steps: number): Promise<number> {
  const executor = new Executor({ heartbeatIntervalMs: 60_000 }, { checkpointStore: store });
  const exec = executor.createExecution(
    'bench',
    Array.from({ length: steps }, () => benchStep),
  );
  const start = performance.now();
  await executor.start(exec.id, { count: 0, note: '' } satisfies BenchState);
  const done = await executor.wait(exec.id);
  const ms = performance.now() - start;
  if (done.state !== 'completed') throw new Error(`bench run ended ${done.state}`);
  return ms;
}

/**
 * Rounds per size. In memory, enough rounds for 20,000 steps in all (at least 3): a
 * 100-step run lasts about a millisecond, so one young-generation collection or a
 * recompilation landing in it doubles it, and three rounds were too few to miss
 * them (the floor gets as many rounds). On files, three rounds, but one for long
 * runs, whose thousands of fsyncs already average out.
 */
function roundsFor(kind: 'memory' | 'file', steps: number): number {
  if (kind === 'memory') return Math.max(3, Math.ceil(20_000 / steps));
  return steps >= 10_000 ? 1 : 3;
}

/** Runs the executor benchmark and returns one row per store and size. */
export async function benchExecutor(sizes: number[] = [100, 1_000, 10_000]): Promise<ExecutorBenchRow[]> {
  const rows: ExecutorBenchRow[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'lr-bench-'));
  try {
    // Warm up the JIT on every path, so the first size is not charged for it: the
    // Executor's code takes a few thousand steps to be fully optimised.
    await runExecutor(new MemoryCheckpointStore(), 10_000);
    await bareMemoryFloor(10_000);
    await runExecutor(new FileCheckpointStore(join(dir, 'warm')), 50);
    await bareFileFloor(join(dir, 'warm-floor'), 50);
    for (const steps of sizes) {
      const counted = new CountingStore();
      await runExecutor(counted, steps);
      const bytesPerStep = counted.bytes / steps;
      const savesPerStep = counted.saves / steps;
      for (const kind of ['memory', 'file'] as const) {
        const where = join(dir, `${kind}-${steps}`);
        // Alternate floor and Executor and keep the best of each: on a shared machine
        // the best run is the one least disturbed by other work.
        let floorMs = Infinity;
        let ms = Infinity;
        for (let round = 0; round < roundsFor(kind, steps); round++) {
          const floor = kind === 'memory' ? await bareMemoryFloor(steps) : await bareFileFloor(`${where}-floor`, steps);
          const store = kind === 'memory' ? new MemoryCheckpointStore() : new FileCheckpointStore(where);
          floorMs = Math.min(floorMs, floor);
          ms = Math.min(ms, await runExecutor(store, steps));
        }
        const usPerStep = (ms * 1000) / steps;
        const floorUsPerStep = (floorMs * 1000) / steps;
        rows.push({
          store: kind,
          steps,
          usPerStep,
          floorUsPerStep,
          ratio: usPerStep / floorUsPerStep,
          target: EXECUTOR_TARGETS[kind],
          bytesPerStep,
          savesPerStep,
        });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
