import { DEFAULT_MAX_STEP_RUNS } from '../../../lib/core/waits.js';
import { expect, it } from 'vitest';
import { MAX_RECORDED_EVENTS, type ExecutionHead, type RecordedEvent } from '../../../lib/runtime/model.js';
import { STEP_ERROR, eventAt, newExec, pauseOf, resumeOf, retryOf, type MakeStore } from './fixtures.js';

/** The events a head keeps: the newest MAX_RECORDED_EVENTS. */
const capped = (events: RecordedEvent[]): RecordedEvent[] => events.slice(-MAX_RECORDED_EVENTS);

/** What a call gave: its value as JSON, or the error's class, code, carried head and state. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: JSON.parse(JSON.stringify((await run()) ?? null)) as unknown };
  } catch (err) {
    const e = err as { name?: string; code?: string; current?: unknown; state?: string };
    return { error: e.name, code: e.code, current: e.current, state: e.state };
  }
}

function without(head: ExecutionHead, ...fields: (keyof ExecutionHead)[]): ExecutionHead {
  const copy = { ...head };
  for (const field of fields) delete copy[field];
  return copy;
}

const value = (v: unknown) => ({ value: v });
const failure = (error: string, code: string, current?: ExecutionHead, state?: string) => ({
  error,
  code,
  current,
  state,
});

/**
 * One long scenario through every method, every result spelled out in full: the
 * head the store must hold after each call is worked out here by hand, so that two
 * stores that pass it give the same answer to every call of it.
 */
export function scenarioContract(make: MakeStore): void {
  it('gives the expected result, in full, for every call of a long scenario', async () => {
    const { store: s } = await make();
    const id = 'p1';
    const exec = newExec(id, { now: 0, sweepAt: 100, idempotencyKey: 'scenario' });
    const err = STEP_ERROR;
    const step = async (run: () => Promise<unknown>, expected: unknown) => expect(await outcome(run)).toEqual(expected);

    let h: ExecutionHead = {
      id,
      name: id,
      workflow: 'wf',
      state: 'running',
      stepNames: ['a', 'b', 'c'],
      currentStep: 0,
      totalSteps: 3,
      progress: 0,
      data: { v: 0 },
      version: 0,
      claims: 0,
      startTime: 0,
      lastUpdate: 0,
      sweepAt: 100,
      metadata: {},
      idempotencyKey: 'scenario',
      events: [],
      stepRuns: 0,
      maxStepRuns: DEFAULT_MAX_STEP_RUNS,
      inbox: [],
      seenEventIds: [],
      callbacks: [],
      inboxSeq: 0,
    };
    await step(() => s.create(exec), value({ head: h, created: true }));
    await step(() => s.create({ ...exec, id: `${id}-dup` }), value({ head: h, created: false }));
    h = { ...h, claims: 1, leaseOwner: 'w1', leaseExpiresAt: 110, lastUpdate: 10 };
    await step(() => s.claim({ id, token: 0, owner: 'w1', now: 10, step: 0, leaseMs: 100 }), value(h));
    await step(() => s.claim({ id, token: 0, owner: 'w2', now: 20, step: 0, leaseMs: 100 }), value(null));
    h = { ...h, leaseExpiresAt: 130 };
    await step(
      () => s.extendLease({ id, token: 0, owner: 'w1', now: 30, leaseMs: 100 }),
      value({ lost: false, state: 'running' }),
    );
    await step(
      () => s.extendLease({ id, token: 0, owner: 'w2', now: 30, leaseMs: 100 }),
      value({ lost: true, state: 'running' }),
    );
    expect(await s.get(id)).toEqual(h);
    const commit0 = { id, token: 0, now: 40, step: 0, sweepAt: 200 };
    await step(
      () => s.commit({ ...commit0, owner: 'w2', output: 1, events: [] }),
      failure('LeaseConflictError', 'LEASE_CONFLICT', h),
    );
    const completed0 = eventAt('step_completed', 40);
    h = without(h, 'leaseOwner', 'leaseExpiresAt');
    h = { ...h, currentStep: 1, stepRuns: 1, version: 1, claims: 0, data: { a: [1] }, progress: (1 / 3) * 100 };
    h = { ...h, lastUpdate: 40 };
    h = { ...h, sweepAt: 200, events: [completed0], lastWriter: 'w1' };
    await step(() => s.commit({ ...commit0, owner: 'w1', output: { a: [1] }, events: [completed0] }), value(h));
    // The same commit again (a retry after a lost response): the head it left, nothing written.
    await step(() => s.commit({ ...commit0, owner: 'w1', now: 41, output: 2, events: [] }), value(h));
    await step(
      () => s.commit({ ...commit0, owner: 'w2', now: 41, output: 2, events: [] }),
      failure('StaleTokenError', 'STALE_TOKEN', h),
    );
    h = { ...h, claims: 1, leaseOwner: 'w3', leaseExpiresAt: 150, lastUpdate: 50 };
    await step(() => s.claim({ id, token: 1, owner: 'w3', now: 50, step: 1, leaseMs: 100 }), value(h));
    const failed1 = eventAt('step_failed', 60);
    h = { ...without(h, 'leaseOwner', 'leaseExpiresAt'), version: 2, lastUpdate: 60, error: err, sweepAt: 300 };
    h = { ...h, events: capped([completed0, failed1]), lastWriter: 'w3' };
    await step(
      () => s.releaseForRetry({ id, token: 1, owner: 'w3', now: 60, error: err, sweepAt: 300, events: [failed1] }),
      value(h),
    );
    h = { ...h, claims: 2, leaseOwner: 'w4', leaseExpiresAt: 170, lastUpdate: 70 };
    await step(() => s.claim({ id, token: 2, owner: 'w4', now: 70, step: 1, leaseMs: 100 }), value(h));
    h = { ...h, state: 'paused', lastUpdate: 75, events: capped([...h.events, eventAt('paused', 75)]) };
    await step(() => s.transition(pauseOf(id, 75)), value(h));
    h = { ...h, leaseExpiresAt: 176 };
    await step(
      () => s.extendLease({ id, token: 2, owner: 'w4', now: 76, leaseMs: 100 }),
      value({ lost: false, state: 'paused' }),
    );
    h = { ...without(h, 'leaseOwner', 'leaseExpiresAt', 'error'), currentStep: 2, stepRuns: 2, version: 3, claims: 0 };
    // sweepAt 300 (the retry's) is at least half a threshold past now (80 + 320 / 2): kept, not moved to 400.
    h = { ...h, data: 'two', progress: (2 / 3) * 100, lastUpdate: 80, sweepAt: 300, lastWriter: 'w4' };
    await step(
      () => s.commit({ id, token: 2, owner: 'w4', now: 80, step: 1, output: 'two', sweepAt: 400, events: [] }),
      value(h),
    );
    await step(() => s.claim({ id, token: 3, owner: 'w5', now: 90, step: 2, leaseMs: 100 }), value(null));
    const resume = (now: number, sweepAt: number) =>
      resumeOf(id, now, { bumpVersion: true, resetAttempts: false, sweepAt, event: eventAt('resumed', now) });
    h = {
      ...h,
      state: 'running',
      lastUpdate: 95,
      version: 4,
      sweepAt: 500,
      events: capped([...h.events, eventAt('resumed', 95)]),
    };
    await step(() => s.transition(resume(95, 500)), value(h));
    await step(
      () => s.transition(resume(96, 501)),
      failure('IllegalTransitionError', 'ILLEGAL_TRANSITION', undefined, 'running'),
    );
    h = { ...h, claims: 1, leaseOwner: 'w6', leaseExpiresAt: 200, lastUpdate: 100 };
    await step(() => s.claim({ id, token: 4, owner: 'w6', now: 100, step: 2, leaseMs: 100 }), value(h));
    const notRegistered = { code: 'STEP_NOT_REGISTERED', message: 'c' };
    h = { ...without(h, 'leaseOwner', 'leaseExpiresAt', 'sweepAt'), state: 'paused', lastUpdate: 110 };
    h = { ...h, error: notRegistered, lastWriter: 'w6' };
    await step(() => s.park({ id, token: 4, owner: 'w6', now: 110, error: notRegistered, events: [] }), value(h));
    h = {
      ...h,
      state: 'running',
      lastUpdate: 120,
      version: 5,
      sweepAt: 600,
      events: capped([...h.events, eventAt('resumed', 120)]),
    };
    await step(() => s.transition(resume(120, 600)), value(h));
    h = { ...h, claims: 2, leaseOwner: 'w7', leaseExpiresAt: 230, lastUpdate: 130 };
    await step(() => s.claim({ id, token: 5, owner: 'w7', now: 130, step: 2, leaseMs: 100 }), value(h));
    const failed2 = eventAt('step_failed', 140);
    h = { ...without(h, 'leaseOwner', 'leaseExpiresAt', 'sweepAt'), state: 'failed', version: 6, lastUpdate: 140 };
    h = { ...h, error: err, endTime: 140, events: capped([...h.events, failed2]), lastWriter: 'w7' };
    await step(() => s.fail({ id, token: 5, owner: 'w7', now: 140, error: err, events: [failed2] }), value(h));
    h = { ...without(h, 'error', 'endTime'), state: 'running', version: 7, claims: 0, lastUpdate: 150, sweepAt: 700 };
    h = { ...h, events: capped([...h.events, eventAt('resumed', 150)]) };
    await step(() => s.transition(retryOf(id, 150, { sweepAt: 700 })), value(h));
    await step(() => s.findStalled({ now: 700, dueBefore: 700, limit: 5 }), value([h]));
    await step(() => s.claim({ id, token: 6, owner: 'w8', now: 160, step: 2, leaseMs: 100 }), value(null));
    await step(
      () => s.commit({ id, token: 6, owner: 'w8', now: 170, step: 2, output: 'three', sweepAt: 800, events: [] }),
      failure('StaleTokenError', 'STALE_TOKEN', h),
    );
    await step(() => s.get(id), value(h));
    const cp = (n: number, state: unknown, timestamp: number) => ({
      id: `${id}/${n}`,
      executionId: id,
      seq: n,
      step: n,
      stepName: ['a', 'b', 'c'][n],
      state,
      timestamp,
    });
    await step(
      () => s.listCheckpoints(id, { limit: 10 }),
      value({ items: [cp(2, 'two', 80), cp(1, { a: [1] }, 40), cp(0, { v: 0 }, 0)] }),
    );
    h = { ...h, state: 'paused', lastUpdate: 180, events: capped([...h.events, eventAt('paused', 180)]) };
    await step(() => s.transition(pauseOf(id, 180)), value(h));
    const paused = failure('IllegalTransitionError', 'ILLEGAL_TRANSITION', undefined, 'paused');
    await step(() => s.delete(id), paused);
    await step(() => s.get(id), value(h));
    await step(() => s.delete(id), paused);
  });
}
