import { describe, expect, it } from 'vitest';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { NamedStep, StepContext } from '../../../lib/core/types.js';
import { T0, harness, until, untilWaiting } from './helpers.js';

type Seen = StepContext['event'][];

function approval(seen: Seen, timeoutMs?: number): NamedStep<number>[] {
  return [
    {
      name: 'ask',
      fn: (s, ctx) => ctx.waitForEvent('approval', { state: s + 1, ...(timeoutMs ? { timeoutMs } : {}) }),
    },
    { name: 'act', fn: (s, ctx) => (seen.push(ctx.event), s * 10) },
  ];
}

describe('Executor pause, resume and cancel of a waiting execution', () => {
  it('pauses a waiting execution at once, keeps the event it gets, and runs the next step with it on resume', async () => {
    const h = harness();
    const seen: Seen = [];
    const exec = h.executor.createNamedExecution('paused-wait', approval(seen, 60_000));
    await h.executor.start(exec.id, 1);
    await untilWaiting(h.executor, exec.id);
    await h.executor.pause(exec.id);
    const paused = h.executor.getExecution(exec.id)!;
    expect(paused.state).toBe(ExecutionState.Paused);
    expect(paused.wait).toMatchObject({ kind: 'event', eventType: 'approval', until: new Date(T0 + 60_000) });
    expect(h.clock.pendingTimers).toBe(0);
    expect((await h.store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Paused);

    const sent = await h.executor.sendEvent(exec.id, { type: 'approval', payload: 'ok' });
    expect(sent.delivery).toBe('buffered');
    await h.clock.advance(120_000);
    expect(h.executor.getExecution(exec.id)?.state).toBe(ExecutionState.Paused);

    await h.executor.resume(exec.id);
    const done = await h.executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(seen.map((e) => e?.payload)).toEqual(['ok']);
    expect(done.inbox).toBeUndefined();
  });

  it('resumes a paused wait to waiting with the same deadline', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('same-deadline', approval([], 60_000));
    await h.executor.start(exec.id, 1);
    await untilWaiting(h.executor, exec.id);
    await h.executor.pause(exec.id);
    await h.clock.advance(10_000);
    await h.executor.resume(exec.id);
    const resumed = h.executor.getExecution(exec.id)!;
    expect(resumed.state).toBe(ExecutionState.Waiting);
    expect(resumed.wait?.until).toEqual(new Date(T0 + 60_000));
    expect(h.clock.nextTimerAt).toBe(T0 + 60_000);
    await h.clock.advance(50_000);
    expect((await h.executor.wait(exec.id)).errorCode).toBe('WAIT_TIMEOUT');
  });

  it('ends a paused wait at once on resume when its deadline passed meanwhile', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('sleep-paused', [
      { name: 'nap', fn: (s: number, ctx) => ctx.sleep(1_000, s + 1) },
      { name: 'wake', fn: (s: number) => s * 2 },
    ]);
    await h.executor.start(exec.id, 1);
    await untilWaiting(h.executor, exec.id);
    await h.executor.pause(exec.id);
    await h.clock.advance(5_000);
    expect(h.executor.getExecution(exec.id)?.state).toBe(ExecutionState.Paused);
    await h.executor.resume(exec.id);
    const done = await h.executor.wait(exec.id);
    expect(done.checkpoints.at(-1)?.state).toBe(4);
  });

  it('pauses at once when asked while the waiting step is still committing', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('pause-early', approval([]));
    await h.executor.start(exec.id, 1);
    await h.executor.pause(exec.id);
    await until(() => h.executor.getExecution(exec.id)?.state === ExecutionState.Paused, 'the pause');
    expect(h.executor.getExecution(exec.id)?.wait?.eventType).toBe('approval');
  });

  it('cancels a waiting execution, stops its timer, and wait() resolves with it cancelled', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('cancel-wait', approval([], 60_000));
    await h.executor.start(exec.id, 1);
    await untilWaiting(h.executor, exec.id);
    const ended = h.executor.wait(exec.id);
    await h.executor.cancel(exec.id);
    const done = await ended;
    expect(done.state).toBe(ExecutionState.Cancelled);
    expect(done.wait).toBeUndefined();
    expect(h.clock.pendingTimers).toBe(0);
    expect((await h.store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Cancelled);
    await expect(h.executor.sendEvent(exec.id, { type: 'approval' })).rejects.toThrow(/cannot send an event to/);
  });

  it('cancels an execution that is paused in a wait', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('cancel-paused', approval([]));
    await h.executor.start(exec.id, 1);
    await untilWaiting(h.executor, exec.id);
    await h.executor.pause(exec.id);
    await h.executor.cancel(exec.id);
    expect((await h.executor.wait(exec.id)).state).toBe(ExecutionState.Cancelled);
  });
});
