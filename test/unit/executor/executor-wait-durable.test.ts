import { describe, expect, it } from 'vitest';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import { isTerminalState } from '../../../lib/core/execution-state.js';
import type { Execution } from '../../../lib/core/types.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { gate, harness, untilWaiting } from './helpers.js';

/** A memory store that holds back the save of a finished execution until `release` opens. */
class HeldFinalSave extends MemoryCheckpointStore {
  readonly held = gate();
  holding = false;
  override async saveCheckpoint(exec: Execution): Promise<void> {
    if (isTerminalState(exec.state)) {
      this.holding = true;
      await this.held.wait;
    }
    await super.saveCheckpoint(exec);
  }
}

/** Lets pending promise callbacks and I/O turns run. */
async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Whether `promise` has settled after a few turns of the event loop. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await turns();
  return settled;
}

describe('Executor.wait', () => {
  it('resolves only once the completed execution is saved, even when asked while that save is under way', async () => {
    const store = new HeldFinalSave();
    const { executor } = harness({}, { checkpointStore: store });
    const exec = executor.createExecution('one', [(s: number) => s + 1]);
    await executor.start(exec.id, 1);
    for (let i = 0; i < 100 && !store.holding; i++) await turns(1);
    expect(store.holding).toBe(true);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Completed);
    const waited = executor.wait(exec.id);
    expect(await settledSoon(waited)).toBe(false);
    store.held.open();
    expect(await waited).toMatchObject({ state: ExecutionState.Completed });
    expect((await store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Completed);
  });

  it('resolves only once a cancelled execution is saved', async () => {
    const store = new HeldFinalSave();
    const { executor } = harness({}, { checkpointStore: store });
    const exec = executor.createNamedExecution('asks', [
      { name: 'ask', fn: (s: number, ctx) => ctx.waitForEvent('approval', { state: s }) },
      { name: 'act', fn: (s: number) => s },
    ]);
    await executor.start(exec.id, 1);
    await untilWaiting(executor, exec.id);
    const cancelled = executor.cancel(exec.id);
    for (let i = 0; i < 100 && !store.holding; i++) await turns(1);
    expect(store.holding).toBe(true);
    const waited = executor.wait(exec.id);
    expect(await settledSoon(waited)).toBe(false);
    store.held.open();
    expect(await waited).toMatchObject({ state: ExecutionState.Cancelled });
    await cancelled;
    expect((await store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Cancelled);
  });
});
