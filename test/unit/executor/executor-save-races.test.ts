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
    const { store, clock, executor, id } = world(waitsForGo(1_000));
    await executor.start(id, 0);
    await until(() => executor.getExecution(id)?.state === ExecutionState.Waiting, 'waiting');
    store.failNext();
    const sent = executor.sendEvent(id, { type: 'go' }).catch((e: unknown) => e);
    await clock.advance(1_000);
    store.release();
    expect(await sent).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await clock.advance(1_000);
    const done = await executor.wait(id);
    expect(done).toMatchObject({ state: ExecutionState.Failed, errorCode: 'WAIT_TIMEOUT' });
  });
});
