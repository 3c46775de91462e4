/**
 * In-process Executor benchmark: per-step overhead with the memory and the file
 * store, and bytes written per step, for runs of 100, 1,000 and 10,000 steps.
 * Bytes per step must stay flat as runs grow (bounded checkpoints per snapshot).
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

/** Counts the bytes of every snapshot saved (what the file store writes to disk). */
class CountingStore implements CheckpointStore {
  bytes = 0;
  saves = 0;
  constructor(private readonly inner: CheckpointStore) {}
  async saveCheckpoint(exec: Execution): Promise<void> {
    this.bytes += Buffer.byteLength(serializeExecution(exec));
    this.saves++;
    await this.inner.saveCheckpoint(exec);
  }
  loadCheckpoint(id: string): Promise<Execution> {
    return this.inner.loadCheckpoint(id);
  }
  listCheckpoints(): Promise<Execution[]> {
    return this.inner.listCheckpoints();
  }
  deleteCheckpoint(id: string): Promise<void> {
    return this.inner.deleteCheckpoint(id);
  }
}

export interface ExecutorBenchRow {
  store: string;
  steps: number;
  usPerStep: number;
  bytesPerStep: number;
  savesPerStep: number;
}

async function runOnce(store: CountingStore, steps: number): Promise<{ ms: number }> {
  const executor = new Executor({ heartbeatIntervalMs: 60_000 }, { checkpointStore: store });
  const fns = Array.from({ length: steps }, () => (s: unknown) => ({
    count: (s as { count: number }).count + 1,
    note: 'agent output of modest size',
  }));
  const exec = executor.createExecution('bench', fns);
  const start = performance.now();
  await executor.start(exec.id, { count: 0, note: '' });
  const done = await executor.wait(exec.id);
  const ms = performance.now() - start;
  if (done.state !== 'completed') throw new Error(`bench run ended ${done.state}`);
  return { ms };
}

/** Runs the executor benchmark and returns one row per store and size. */
export async function benchExecutor(sizes: number[] = [100, 1_000, 10_000]): Promise<ExecutorBenchRow[]> {
  const rows: ExecutorBenchRow[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'lr-bench-'));
  try {
    for (const steps of sizes) {
      for (const kind of ['memory', 'file'] as const) {
        const store = new CountingStore(
          kind === 'memory' ? new MemoryCheckpointStore() : new FileCheckpointStore(join(dir, String(steps))),
        );
        const { ms } = await runOnce(store, steps);
        rows.push({
          store: kind,
          steps,
          usPerStep: (ms * 1000) / steps,
          bytesPerStep: store.bytes / steps,
          savesPerStep: store.saves / steps,
        });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
