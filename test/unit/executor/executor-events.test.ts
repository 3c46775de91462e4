import { describe, expect, it } from 'vitest';
import { ErrorCode, IllegalTransitionError, LongRunningError, NotFoundError } from '../../../lib/core/errors.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { NamedStep, StepContext } from '../../../lib/core/types.js';
import { MAX_INBOX_EVENTS } from '../../../lib/core/waits.js';
import { T0, gate, harness, untilWaiting } from './helpers.js';

type Seen = StepContext['event'][];

/** ask -> (wait for `approval`) -> act, which records the event it got. */
function approval(
  seen: Seen,
  options: { timeoutMs?: number; onTimeout?: 'fail' | 'continue' } = {},
): NamedStep<string>[] {
  return [
    { name: 'ask', fn: (s, ctx) => ctx.waitForEvent('approval', { state: `${s}:asked`, ...options }) },
    { name: 'act', fn: (s, ctx) => (seen.push(ctx.event), `${s}:acted`) },
  ];
}

describe('Executor sendEvent', () => {
  it('ends a wait for its type, saved before it resolves, and hands the event to the next step', async () => {
    const h = harness();
    const seen: Seen = [];
    const exec = h.executor.createNamedExecution('approve', approval(seen));
    await h.executor.start(exec.id, 'doc');
    await untilWaiting(h.executor, exec.id);
    expect(h.executor.getExecution(exec.id)?.wait).toEqual({ kind: 'event', eventType: 'approval', onTimeout: 'fail' });
    const sent = await h.executor.sendEvent(exec.id, { type: 'approval', payload: { ok: true }, eventId: 'e1' });
    expect(sent.delivery).toBe('resumed');
    const saved = await h.store.loadCheckpoint(exec.id);
    expect(saved.state).toBe(ExecutionState.Running);
    expect(saved.delivered).toMatchObject({ id: 'e1', payload: { ok: true } });
    const done = await h.executor.wait(exec.id);
    expect(done.checkpoints.at(-1)?.state).toBe('doc:asked:acted');
    expect(seen).toEqual([
      { id: 'e1', type: 'approval', payload: { ok: true }, receivedAt: new Date(T0).toISOString() },
    ]);
    expect(done.delivered).toBeUndefined();
  });

  it('tells onEvent when the execution starts waiting and when its event ends the wait', async () => {
    const h = harness();
    const types: string[] = [];
    h.executor.onEvent = (e) => types.push(e.type);
    const exec = h.executor.createNamedExecution('told', approval([]));
    await h.executor.start(exec.id, 'doc');
    await untilWaiting(h.executor, exec.id);
    expect(types.slice(-3)).toEqual(['step_completed', 'checkpointed', 'waiting']);
    types.length = 0;
    await h.executor.sendEvent(exec.id, { type: 'approval' });
    await h.executor.wait(exec.id);
    expect(types.slice(0, 2)).toEqual(['resumed', 'step_started']);
    expect(types.at(-1)).toBe('execution_completed');
  });

  it('keeps an event sent before the wait and lets the wait take it at once', async () => {
    const h = harness();
    const seen: Seen = [];
    const first = gate();
    const exec = h.executor.createNamedExecution('early', [
      { name: 'slow', fn: async (s: string) => (await first.wait, s) },
      ...approval(seen),
    ]);
    await h.executor.start(exec.id, 'x');
    const sent = await h.executor.sendEvent(exec.id, { type: 'approval', payload: 'yes' });
    expect(sent.delivery).toBe('buffered');
    expect(sent.execution.inbox).toHaveLength(1);
    await h.executor.sendEvent(exec.id, { type: 'other' });
    first.open();
    const done = await h.executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(seen.map((e) => e?.payload)).toEqual(['yes']);
    expect(done.inbox?.map((e) => e.type)).toEqual(['other']);
  });

  it('keeps an event that arrives during a sleep for the wait after it', async () => {
    const h = harness();
    const seen: Seen = [];
    const exec = h.executor.createNamedExecution('sleep-then-wait', [
      { name: 'nap', fn: (s: string, ctx) => ctx.sleep(1_000, s) },
      ...approval(seen),
    ]);
    await h.executor.start(exec.id, 'x');
    await untilWaiting(h.executor, exec.id);
    expect((await h.executor.sendEvent(exec.id, { type: 'approval', payload: 1 })).delivery).toBe('buffered');
    expect(h.executor.getExecution(exec.id)?.wait?.kind).toBe('sleep');
    await h.clock.advance(1_000);
    const done = await h.executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(seen.map((e) => e?.payload)).toEqual([1]);
  });

  it('delivers the same eventId once', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('dup', approval([]));
    const sent = await h.executor.sendEvent(exec.id, { type: 'note', eventId: 'k1' });
    const again = await h.executor.sendEvent(exec.id, { type: 'note', eventId: 'k1' });
    expect([sent.delivery, again.delivery]).toEqual(['buffered', 'duplicate']);
    expect(again.execution.inbox).toHaveLength(1);
  });

  it('refuses an event with INBOX_FULL once the inbox is full, and keeps what it has', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('full', approval([]));
    for (let i = 0; i < MAX_INBOX_EVENTS; i++) await h.executor.sendEvent(exec.id, { type: 'note', payload: i });
    const err = await h.executor.sendEvent(exec.id, { type: 'note' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LongRunningError);
    expect((err as LongRunningError).code).toBe(ErrorCode.InboxFull);
    expect(h.executor.getExecution(exec.id)?.inbox).toHaveLength(MAX_INBOX_EVENTS);
    expect((await h.store.listCheckpoints()).length).toBe(1);
  });

  it('refuses an event to a finished execution with ILLEGAL_TRANSITION, and to an unknown one with NOT_FOUND', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('done', [{ name: 'a', fn: (s: number) => s }]);
    await h.executor.start(exec.id, 1);
    await h.executor.wait(exec.id);
    const finished = await h.executor.sendEvent(exec.id, { type: 'late' }).catch((e: unknown) => e);
    expect(finished).toBeInstanceOf(IllegalTransitionError);
    expect((finished as IllegalTransitionError).action).toBe('send an event to');
    await expect(h.executor.sendEvent('exec_unknown', { type: 'x' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a malformed event with VALIDATION_ERROR naming what is wrong', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('bad', approval([]));
    await expect(h.executor.sendEvent(exec.id, { type: '' })).rejects.toThrow(/event type/);
    await expect(h.executor.sendEvent(exec.id, { type: 'a', eventId: '../x' })).rejects.toThrow(/eventId/);
    await expect(h.executor.sendEvent(exec.id, { type: 'a', payload: new Date() })).rejects.toThrow(/payload/);
  });
});

describe('Executor event wait timeouts', () => {
  it('fails with WAIT_TIMEOUT when the timeout passes first with onTimeout fail', async () => {
    const h = harness();
    const exec = h.executor.createNamedExecution('late', approval([], { timeoutMs: 60_000 }));
    await h.executor.start(exec.id, 'd');
    await untilWaiting(h.executor, exec.id);
    expect(h.executor.getExecution(exec.id)?.wait?.until).toEqual(new Date(T0 + 60_000));
    await h.clock.advance(59_999);
    expect(h.executor.getExecution(exec.id)?.state).toBe(ExecutionState.Waiting);
    await h.clock.advance(1);
    const done = await h.executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.errorCode).toBe(ErrorCode.WaitTimeout);
    expect(done.error).toMatch(/no "approval" event arrived/);
    expect((await h.store.loadCheckpoint(exec.id)).errorCode).toBe(ErrorCode.WaitTimeout);
    expect(h.events.at(-1)?.type).toBe('execution_failed');
  });

  it('runs the next step with ctx.event null when the timeout passes with onTimeout continue', async () => {
    const h = harness();
    const seen: Seen = [];
    const exec = h.executor.createNamedExecution('go-on', approval(seen, { timeoutMs: 1_000, onTimeout: 'continue' }));
    await h.executor.start(exec.id, 'd');
    await untilWaiting(h.executor, exec.id);
    await h.clock.advance(1_000);
    const done = await h.executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(seen).toEqual([null]);
  });

  it('does not time out once the event has ended the wait', async () => {
    const h = harness();
    const seen: Seen = [];
    const exec = h.executor.createNamedExecution('in-time', approval(seen, { timeoutMs: 1_000 }));
    await h.executor.start(exec.id, 'd');
    await untilWaiting(h.executor, exec.id);
    await h.executor.sendEvent(exec.id, { type: 'approval' });
    await h.executor.wait(exec.id);
    expect(h.clock.pendingTimers).toBe(0);
    expect(seen.map((e) => e?.type)).toEqual(['approval']);
  });
});
