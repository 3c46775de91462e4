import { describe, expect, it } from 'vitest';
import { ErrorCode, LongRunningError } from '../../../lib/index.js';
import { directiveHelpers } from '../../../lib/core/directives.js';
import {
  acceptEvent,
  afterStep,
  MAX_INBOX_EVENTS,
  MAX_SEEN_EVENT_IDS,
  receiveEvent,
  resumeWait,
  retriedWait,
  stepEventOf,
  wake,
  type InboxEvent,
  type StepPosition,
} from '../../../lib/core/waits.js';

const T0 = Date.UTC(2026, 0, 1);
const steps = ['draft', 'review', 'publish'];
const help = directiveHelpers(() => T0, steps);
const at = (step: number, extra: Partial<StepPosition> = {}): StepPosition => ({
  currentStep: step,
  stepNames: steps,
  stepRuns: step,
  maxStepRuns: 100,
  inbox: [],
  ...extra,
});
const event = (id: string, type = 'approval', payload: unknown = null): InboxEvent => ({
  id,
  type,
  payload,
  receivedAt: T0,
});

describe('afterStep', () => {
  it('runs the next step for a plain state, and completes after the last', () => {
    expect(afterStep(at(0), { a: 1 }, T0)).toEqual({
      kind: 'run',
      state: { a: 1 },
      nextStep: 1,
      stepRuns: 1,
      inbox: [],
    });
    expect(afterStep(at(2), 'done', T0)).toMatchObject({ kind: 'complete', state: 'done', nextStep: 3, stepRuns: 3 });
  });

  it('treats a plain object shaped like a directive as state', () => {
    const lookalike = { state: 1, spec: { kind: 'goto', next: 'draft' } };
    expect(afterStep(at(0), lookalike, T0)).toMatchObject({ kind: 'run', state: lookalike, nextStep: 1 });
  });

  it('goes to a named step, earlier or later, and counts every run', () => {
    expect(afterStep(at(2, { stepRuns: 7 }), help.goto('draft', 's'), T0)).toMatchObject({
      kind: 'run',
      nextStep: 0,
      stepRuns: 8,
    });
    expect(afterStep(at(0), help.goto('publish', 's'), T0)).toMatchObject({ kind: 'run', nextStep: 2 });
  });

  it('fails with STEP_LIMIT_EXCEEDED once maxStepRuns runs are done and steps remain', () => {
    const out = afterStep(at(1, { stepRuns: 4, maxStepRuns: 5 }), help.goto('draft', 's'), T0);
    expect(out).toMatchObject({ kind: 'limit', stepRuns: 5, error: { code: ErrorCode.StepLimitExceeded } });
    // A wait with a step after it hits the limit now, not after the wait.
    expect(afterStep(at(1, { stepRuns: 4, maxStepRuns: 5 }), help.sleep(1_000, 's'), T0)).toMatchObject({
      kind: 'limit',
    });
    expect(
      afterStep(at(1, { stepRuns: 4, maxStepRuns: 5 }), help.waitForEvent('approval', { state: 's' }), T0),
    ).toMatchObject({ kind: 'limit' });
    expect(afterStep(at(2, { stepRuns: 4, maxStepRuns: 5 }), help.sleep(1_000, 's'), T0)).toMatchObject({
      kind: 'wait',
    });
    // The last step may still complete at the limit: nothing is left to run.
    expect(afterStep(at(2, { stepRuns: 4, maxStepRuns: 5 }), 's', T0)).toMatchObject({ kind: 'complete' });
  });

  it('sleeps until a time in the future, and runs on at once when it has passed', () => {
    expect(afterStep(at(0), help.sleep(5_000, 's'), T0)).toMatchObject({
      kind: 'wait',
      nextStep: 1,
      wait: { kind: 'sleep', until: T0 + 5_000 },
    });
    expect(afterStep(at(0), help.sleep(0, 's'), T0)).toMatchObject({ kind: 'run', nextStep: 1 });
    expect(afterStep(at(0), help.sleepUntil(new Date(T0 - 1), 's', { next: 'publish' }), T0)).toMatchObject({
      kind: 'run',
      nextStep: 2,
    });
  });

  it('waits for an event with its timeout, or takes the oldest match from the inbox at once', () => {
    const wait = help.waitForEvent('approval', { state: 's', timeoutMs: 60_000 });
    expect(afterStep(at(0), wait, T0)).toMatchObject({
      kind: 'wait',
      wait: { kind: 'event', eventType: 'approval', onTimeout: 'fail', until: T0 + 60_000, timeoutMs: 60_000 },
    });
    const inbox = [event('e1', 'other'), event('e2'), event('e3')];
    const out = afterStep(at(0, { inbox }), wait, T0);
    expect(out).toMatchObject({ kind: 'run', nextStep: 1, delivered: { id: 'e2' } });
    expect(out.inbox.map((e) => e.id)).toEqual(['e1', 'e3']);
  });

  it('a wait at the last step without next ends past the end (the execution completes after it)', () => {
    expect(afterStep(at(2), help.sleep(10, 's'), T0)).toMatchObject({ kind: 'wait', nextStep: 3 });
  });
});

describe('directive helpers', () => {
  it('refuse a goto or next that names no step of the execution', () => {
    expect(() => help.goto('nope', 1)).toThrow(/"nope" is not a step of this execution/);
    expect(() => help.sleep(1, 1, { next: 'nope' })).toThrow(/VALIDATION|not a step/);
  });

  it('refuse bad times, types and options with VALIDATION_ERROR', () => {
    const bad = [
      () => help.sleep(-1, 1),
      () => help.sleep(Number.NaN, 1),
      () => help.sleepUntil(new Date('x'), 1),
      () => help.waitForEvent('', { state: 1 }),
      () => help.waitForEvent('a', { state: 1, timeoutMs: -5 }),
      () => help.waitForEvent('a', { state: 1, onTimeout: 'later' as 'fail' }),
      () => help.waitForEvent('a', null as unknown as { state: 1 }),
    ];
    for (const call of bad) {
      expect(call).toThrow(LongRunningError);
      try {
        call();
      } catch (err) {
        expect((err as LongRunningError).code).toBe(ErrorCode.Validation);
      }
    }
  });
});

describe('receiveEvent', () => {
  const facts = { inbox: [] as InboxEvent[], seenEventIds: [] as string[] };

  it('ends a matching event wait, and buffers anything else', () => {
    const waiting = { ...facts, wait: { kind: 'event' as const, eventType: 'approval' } };
    expect(receiveEvent(waiting, event('e1'), true)).toMatchObject({ delivery: 'resumed', delivered: { id: 'e1' } });
    expect(receiveEvent(waiting, event('e1', 'other'), true)).toMatchObject({ delivery: 'buffered' });
    // Paused in the same wait: kept for resume.
    expect(receiveEvent(waiting, event('e1'), false)).toMatchObject({ delivery: 'buffered' });
    expect(receiveEvent(facts, event('e1'), true).inbox).toHaveLength(1);
  });

  it('delivers the same event id once', () => {
    const once = receiveEvent(facts, event('e1'), true);
    expect(receiveEvent(once, event('e1'), true)).toMatchObject({ delivery: 'duplicate', inbox: once.inbox });
    const consumed = { inbox: [], seenEventIds: once.seenEventIds };
    expect(receiveEvent(consumed, event('e1'), true).delivery).toBe('duplicate');
  });

  it('remembers a bounded number of ids', () => {
    const seen = Array.from({ length: MAX_SEEN_EVENT_IDS }, (_, i) => `id${i}`);
    const out = receiveEvent({ inbox: [], seenEventIds: seen }, event('new'), true);
    expect(out.seenEventIds).toHaveLength(MAX_SEEN_EVENT_IDS);
    expect(out.seenEventIds.at(-1)).toBe('new');
  });

  it('refuses with INBOX_FULL beyond the event count or the byte budget, changing nothing', () => {
    const full = { inbox: Array.from({ length: MAX_INBOX_EVENTS }, (_, i) => event(`e${i}`, 'x')), seenEventIds: [] };
    expect(() => receiveEvent(full, event('more', 'x'), true)).toThrow(expect.objectContaining({ code: 'INBOX_FULL' }));
    const big = event('big', 'x', 'y'.repeat(70 * 1024));
    expect(() => receiveEvent(facts, big, true)).toThrow(/inbox is full/);
  });
});

describe('acceptEvent', () => {
  it('stamps an event and generates an id when none is given', () => {
    const e = acceptEvent({ type: 'approval', payload: { ok: true } }, T0);
    expect(e).toMatchObject({ type: 'approval', payload: { ok: true }, receivedAt: T0 });
    expect(e.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(acceptEvent({ type: 'a', eventId: 'k-1' }, T0)).toMatchObject({ id: 'k-1', payload: null });
  });

  it('names what is wrong with a bad event', () => {
    expect(() => acceptEvent(null, T0)).toThrow(/must be an object/);
    expect(() => acceptEvent({ type: 7 }, T0)).toThrow(/event type/);
    expect(() => acceptEvent({ type: 'a', eventId: '../x' }, T0)).toThrow(/eventId/);
    expect(() => acceptEvent({ type: 'a', payload: { d: new Date() } }, T0)).toThrow(/payload/);
  });
});

describe('wake, resumeWait and retriedWait', () => {
  it('never wakes early, and wakes a sleep on time', () => {
    const sleep = { kind: 'sleep' as const, until: T0 + 1_000 };
    expect(wake(sleep, T0 + 400)).toEqual({ kind: 'early', remainingMs: 600 });
    expect(wake(sleep, T0 + 1_000)).toEqual({ kind: 'run' });
  });

  it('times an event wait out with fail or continue, and ignores one without a deadline', () => {
    const base = { kind: 'event' as const, eventType: 'approval', until: T0 };
    expect(wake({ ...base, onTimeout: 'fail' }, T0)).toMatchObject({
      kind: 'fail',
      error: { code: ErrorCode.WaitTimeout },
    });
    expect(wake({ ...base, onTimeout: 'continue' }, T0)).toEqual({ kind: 'run', delivered: null });
    expect(wake({ kind: 'event', eventType: 'approval' }, T0)).toEqual({ kind: 'none' });
  });

  it('resumes into the wait, or on at once with an event that arrived while paused', () => {
    const wait = { kind: 'event' as const, eventType: 'approval' };
    expect(resumeWait(wait, [event('e1', 'other')])).toEqual({ kind: 'waiting' });
    expect(resumeWait(wait, [event('e1', 'other'), event('e2')])).toMatchObject({
      kind: 'run',
      delivered: { id: 'e2' },
      inbox: [{ id: 'e1' }],
    });
    expect(resumeWait({ kind: 'sleep', until: T0 }, [event('e2')])).toEqual({ kind: 'waiting' });
  });

  it('gives a retried wait a fresh timeout of the same length', () => {
    const wait = { kind: 'event' as const, eventType: 'a', until: T0 + 5_000, timeoutMs: 5_000 };
    expect(retriedWait(wait, T0 + 60_000)).toMatchObject({ until: T0 + 65_000 });
    expect(retriedWait({ kind: 'event', eventType: 'a' }, T0)).toEqual({ kind: 'event', eventType: 'a' });
  });

  it('shows the step an event with an ISO time, null after continue, undefined otherwise', () => {
    expect(stepEventOf(event('e1'))).toEqual({
      id: 'e1',
      type: 'approval',
      payload: null,
      receivedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(stepEventOf(null)).toBeNull();
    expect(stepEventOf(undefined)).toBeUndefined();
  });
});
