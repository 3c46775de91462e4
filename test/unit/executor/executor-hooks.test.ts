import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../../../lib/core/events.js';
import type { Execution } from '../../../lib/core/types.js';
import { Executor } from '../../../lib/executor/executor.js';
import { type CheckpointStore, snapshotsAtCall } from '../../../lib/stores/checkpoint-store.js';
import { FileCheckpointStore } from '../../../lib/stores/file-checkpoint-store.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { MemoryTaskStore } from '../../../lib/stores/memory-task-store.js';
import { PersistentCheckpointStore } from '../../../lib/stores/persistent-checkpoint-store.js';
import { harness } from './helpers.js';

const add = (n: number) => (s: unknown) => ({ total: (s as { total: number }).total + n });

describe('Executor onEvent', () => {
  it('runs with no handler, and hands a handler set mid-run every event from then on, in order', async () => {
    const h = harness();
    h.executor.onEvent = undefined;
    const seen: ExecutionEvent[] = [];
    const steps = [
      add(1),
      (s: unknown) => {
        h.executor.onEvent = (e) => seen.push(e);
        return add(10)(s);
      },
      add(100),
    ];
    const exec = h.executor.createExecution('late', steps);
    await h.executor.start(exec.id, { total: 0 });
    const done = await h.executor.wait(exec.id);
    expect(done.checkpoints.at(-1)?.state).toEqual({ total: 111 });
    expect(h.events).toEqual([]);
    expect(seen.map((e) => [e.type, e.step])).toEqual([
      ['step_completed', 1],
      ['checkpointed', 2],
      ['step_started', 2],
      ['step_completed', 2],
      ['checkpointed', 3],
      ['execution_completed', 3],
    ]);
    expect(seen.map((e) => e.state)).toEqual([
      { total: 11 },
      { total: 11 },
      { total: 11 },
      { total: 111 },
      { total: 111 },
      { total: 111 },
    ]);
  });

  it('stops building events once the handler is taken away', async () => {
    const h = harness();
    const exec = h.executor.createExecution('unhooked', [
      add(1),
      (s: unknown) => {
        h.executor.onEvent = undefined;
        return add(1)(s);
      },
    ]);
    await h.executor.start(exec.id, { total: 0 });
    await h.executor.wait(exec.id);
    expect(h.events.map((e) => e.type)).toEqual([
      'checkpointed',
      'step_started',
      'step_completed',
      'checkpointed',
      'step_started',
    ]);
  });
});

describe('Executor saves', () => {
  it('hands a store that keeps what it is given a copy that later steps never change', async () => {
    const kept: Execution[] = [];
    const inner = new MemoryCheckpointStore();
    const keeping: CheckpointStore = {
      saveCheckpoint: (exec) => (kept.push(exec), inner.saveCheckpoint(exec)),
      loadCheckpoint: (id) => inner.loadCheckpoint(id),
      listCheckpoints: () => inner.listCheckpoints(),
      deleteCheckpoint: (id) => inner.deleteCheckpoint(id),
    };
    expect(snapshotsAtCall(keeping)).toBe(false);
    const executor = new Executor({}, { checkpointStore: keeping });
    const exec = executor.createExecution('kept', [add(1), add(2), add(3)]);
    await executor.start(exec.id, { total: 0 });
    await executor.wait(exec.id);
    expect(kept.map((e) => [e.state, e.currentStep, e.checkpoints.length])).toEqual([
      ['running', 0, 1],
      ['running', 1, 2],
      ['running', 2, 3],
      ['completed', 3, 4],
    ]);
  });

  it('marks the stores of this package as serialising at the call', () => {
    expect(snapshotsAtCall(new MemoryCheckpointStore())).toBe(true);
    expect(snapshotsAtCall(new FileCheckpointStore('./unused'))).toBe(true);
    expect(snapshotsAtCall(new PersistentCheckpointStore(new MemoryTaskStore()))).toBe(true);
  });
});
