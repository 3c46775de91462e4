import { describe, expect, it } from 'vitest';
import { ErrorCode, LongRunningError } from '../../../lib/core/errors.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { Execution, NamedStep } from '../../../lib/core/types.js';
import { Executor } from '../../../lib/executor/executor.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { FAST, gate, T0, until } from './helpers.js';

/** A memory store whose next save, once `failNext()` is called, waits for `release()` and then fails. */
class FailingOnceStore extends MemoryCheckpointStore {
  #next: { wait: Promise<void>; open: () => void } | undefined;
  #gate: { wait: Promise<void>; open: () => void } | undefined;
  failNext(): void {
    this.#gate = gate();
    this.#next = this.#gate;
  }
  release(): void {
    this.#gate?.open();
  }
  override async saveCheckpoint(exec: Execution): Promise<void> {
    const held = this.#next;
    if (held) {
      this.#next = undefined;
      await held.wait;
      throw new LongRunningError(ErrorCode.StoreUnavailable, 'disk unplugged', { retryable: true });
    }
    return super.saveCheckpoint(exec);
  }
}

function world(steps: NamedStep<number>[]) {
  const store = new FailingOnceStore();
  const clock = new ManualClock(T0);
  const executor = new Executor(FAST, { checkpointStore: store, clock });
  const exec = executor.createNamedExecution('races', steps);
  return { store, clock, executor, id: exec.id };
}

/** Starts the execution, waits until it waits, then sends `type` with the save failing once `clock` moved `ms` on. */
async function eventSaveFailsAfter(w: ReturnType<typeof world>, type: string, ms: number): Promise<void> {
  const { store, clock, executor, id } = w;
  await executor.start(id, 0);
  await until(() => executor.getExecution(id)?.state === ExecutionState.Waiting, 'waiting');
  store.failNext();
  const sent = executor.sendEvent(id, { type }).catch((e: unknown) => e);
  await clock.advance(ms);
  store.release();
  expect(await sent).toMatchObject({ code: 'STORE_UNAVAILABLE' });
}

const waitsForGo = (timeoutMs?: number): NamedStep<number>[] => [
  {
    name: 'ask',
    fn: (s, ctx) => ctx.waitForEvent('go', { state: s, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
  },
  { name: 'then', fn: (s) => s + 1 },
];

/** The actions raced against a cancel: each saves, and that save fails. */
const ACTIONS = {
  // Not claiming the run: cancel ends the execution itself.
  pause: (executor: Executor, id: string) => executor.pause(id),
  'buffer an event': (executor: Executor, id: string) => executor.sendEvent(id, { type: 'other' }),
  // Claiming the run for its loop: cancel waits for the run's end.
  'resume into the next step': (executor: Executor, id: string) => executor.resume(id),
  'deliver the awaited event': (executor: Executor, id: string) => executor.sendEvent(id, { type: 'go' }),
};

describe('Executor: a cancel or a timer during a save that fails', () => {
  it.each(Object.keys(ACTIONS) as (keyof typeof ACTIONS)[])(
    'stays cancelled, its cancel and wait() settled, when a cancel comes in while "%s" is being saved and that save fails',
    async (action) => {
      const { store, executor, id } = world(waitsForGo());
      await executor.start(id, 0);
      await until(() => executor.getExecution(id)?.state === ExecutionState.Waiting, 'waiting');
      if (action === 'resume into the next step') {
        await executor.pause(id);
        await executor.sendEvent(id, { type: 'go' });
      }
      store.failNext();
      const first = ACTIONS[action](executor, id).catch((e: unknown) => e);
      const cancelled = executor.cancel(id);
      store.release();
      expect(await first).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await cancelled;
      expect(executor.getExecution(id)?.state).toBe(ExecutionState.Cancelled);
      expect((await store.loadCheckpoint(id))?.state).toBe(ExecutionState.Cancelled);
      expect((await executor.wait(id)).state).toBe(ExecutionState.Cancelled);
    },
  );

  it('still times out a wait whose deadline passed during a delivery whose save failed', async () => {
    const w = world(waitsForGo(1_000));
    await eventSaveFailsAfter(w, 'go', 1_000);
    await w.clock.advance(1_000);
    const done = await w.executor.wait(w.id);
    expect(done).toMatchObject({ state: ExecutionState.Failed, errorCode: 'WAIT_TIMEOUT' });
  });
});

describe('Executor: a save that fails while something else moves the execution on', () => {
  it('runs the step after a sleep once when a buffered event’s save fails after the sleep ended', async () => {
    let runs = 0;
    const w = world([
      { name: 'nap', fn: (s, ctx) => ctx.sleep(1_000, s) },
      { name: 'after', fn: (s) => (runs++, s + 1) },
    ]);
    await eventSaveFailsAfter(w, 'other', 1_000);
    expect((await w.executor.wait(w.id)).state).toBe(ExecutionState.Completed);
    expect(runs).toBe(1);
  });

  it('times a wait out once when a buffered event’s save fails after the deadline passed', async () => {
    const w = world(waitsForGo(1_000));
    const failures: string[] = [];
    w.executor.onEvent = (e) => void (e.type === 'execution_failed' && failures.push(e.execId));
    await eventSaveFailsAfter(w, 'other', 1_000);
    await w.clock.advance(1_000);
    expect((await w.executor.wait(w.id)).state).toBe(ExecutionState.Failed);
    expect(failures).toEqual([w.id]);
  });

  it('leaves a running loop alone when an event buffered during its step fails to save', async () => {
    const hold = gate();
    let runs = 0;
    const { store, executor, id } = world([
      { name: 'slow', fn: async (s) => (runs++, await hold.wait, s + 1) },
      { name: 'last', fn: (s) => s + 1 },
    ]);
    await executor.start(id, 0);
    await until(() => runs === 1, 'the slow step running');
    store.failNext();
    const sent = executor.sendEvent(id, { type: 'other' }).catch((e: unknown) => e);
    store.release();
    expect(await sent).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(executor.resumeExecution(id, 0)).rejects.toMatchObject({ code: 'CONFLICT' });
    hold.open();
    const done = await executor.wait(id);
    expect(done).toMatchObject({ state: ExecutionState.Completed, currentStep: 2 });
    expect(runs).toBe(1);
  });
});
