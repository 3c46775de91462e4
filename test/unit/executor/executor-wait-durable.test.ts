import { describe, expect, it } from 'vitest';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import { isTerminalState } from '../../../lib/core/execution-state.js';
import type { Execution } from '../../../lib/core/types.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { gate, harness, T0, until, untilWaiting } from './helpers.js';

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

/** A memory store that rejects the save of a completed execution `failures` times. */
class FailingFinalSave extends MemoryCheckpointStore {
  attempts = 0;
  constructor(private failures: number) {
    super();
  }
  override async saveCheckpoint(exec: Execution): Promise<void> {
    if (exec.state === ExecutionState.Completed) {
      this.attempts++;
      if (this.failures-- > 0) throw new Error('disk full');
    }
    await super.saveCheckpoint(exec);
  }
}

describe('Executor.wait', () => {
  it('waits out a retried final save: completed once it is saved, failed when it never is', async () => {
    for (const failures of [1, 5]) {
      const store = new FailingFinalSave(failures);
      const { executor, clock } = harness(
        { maxRetries: 1, retryBaseDelayMs: 1_000, retryMaxDelayMs: 1_000 },
        { checkpointStore: store },
      );
      const exec = executor.createExecution('one', [(s: number) => s + 1]);
      await executor.start(exec.id, 1);
      for (let i = 0; i < 100 && store.attempts === 0; i++) await turns(1);
      expect(store.attempts).toBe(1);
      // The save failed and its retry waits for the clock: the end is not known yet.
      const waited = executor.wait(exec.id);
      expect(await settledSoon(waited)).toBe(false);
      const done = await clock.runUntilSettled(waited);
      if (failures === 1) {
        expect(done.state).toBe(ExecutionState.Completed);
        expect((await store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Completed);
      } else {
        expect(done).toMatchObject({ state: ExecutionState.Failed, error: expect.stringContaining('disk full') });
        expect((await store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Failed);
      }
    }
  });

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

  it('resolves a pending wait when a load finds the execution finished by another executor on the store', async () => {
    const store = new MemoryCheckpointStore();
    const a = harness({}, { checkpointStore: store }).executor;
    const b = harness({}, { checkpointStore: store }).executor;
    const exec = a.createNamedExecution('shared', [
      { name: 'ask', fn: (s: number, ctx) => ctx.waitForEvent('approval', { state: s }) },
      { name: 'act', fn: (s: number) => s + 1 },
    ]);
    await a.start(exec.id, 1);
    await untilWaiting(a, exec.id);
    await b.loadExecution(exec.id);
    const waited = b.wait(exec.id);
    expect(await settledSoon(waited)).toBe(false);
    await a.sendEvent(exec.id, { type: 'approval' });
    await a.wait(exec.id);
    await b.loadExecution(exec.id);
    expect(await waited).toMatchObject({ state: ExecutionState.Completed });
  });
});

describe('waits of a fraction of a millisecond', () => {
  it('saves and ends a sleep and an event timeout given in fractional milliseconds, rounded up', async () => {
    const { executor, clock, store } = harness();
    const exec = executor.createNamedExecution<number>('fractions', [
      { name: 'nap', fn: (s, ctx) => ctx.sleep(1_500.25, s) },
      { name: 'ask', fn: (s, ctx) => ctx.waitForEvent('go', { state: s, timeoutMs: 1_500.5, onTimeout: 'continue' }) },
      { name: 'done', fn: (s, ctx) => (ctx.event === null ? s + 1 : s) },
    ]);
    await executor.start(exec.id, 0);
    await untilWaiting(executor, exec.id);
    expect(executor.getExecution(exec.id)?.wait).toMatchObject({ kind: 'sleep', until: new Date(T0 + 1_501) });
    await clock.advance(1_501);
    await until(() => executor.getExecution(exec.id)?.wait?.kind === 'event', 'the event wait');
    expect(executor.getExecution(exec.id)?.wait).toMatchObject({ kind: 'event', timeoutMs: 1_501 });
    expect((await store.loadCheckpoint(exec.id))?.wait).toMatchObject({ kind: 'event', timeoutMs: 1_501 });
    await clock.advance(1_501);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.checkpoints.at(-1)?.state).toBe(1);
  });
});
