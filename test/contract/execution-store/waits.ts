import { expect, it } from 'vitest';
import { directiveHelpers } from '../../../lib/core/directives.js';
import type { ExecutionHead } from '../../../lib/runtime/model.js';
import { SEEN_EVENT_RETENTION_MS } from '../../../lib/runtime/ports.js';
import { cancelOf, claimOf, commitOf, newExec, pauseOf, T, type MakeStore } from './fixtures.js';

const ctx = directiveHelpers(() => T, ['a', 'b', 'c']);
const timing = { stallAfterMs: 1_000, maxDelayMs: 900_000 };
const event = (id: string, type = 'go') => ({ id, type, payload: { n: 1 }, receivedAt: T });

/**
 * Waits, events and loops as the store sees them: a commit decides from the head as
 * it stands (directives, the inbox, the step-run limit), checkpoints are keyed by the
 * step-run sequence, replaceHead is a compare-and-set, and the sweeper finds waiting
 * heads by their due time.
 */
export function waitsContract(make: MakeStore): void {
  it('commits a sleep as waiting, due for the sweeper as the timing says', async () => {
    const { store } = await make();
    await store.create(newExec('near'));
    await store.create(newExec('far'));
    for (const [id, ms] of [
      ['near', 5_000],
      ['far', 3_600_000],
    ] as const) {
      await store.claim(claimOf(id, 0, 0));
      await store.commit({ ...commitOf(id, 0, 0, ctx.sleep(ms, { slept: ms })), timing });
    }
    expect(await store.get('near')).toMatchObject({
      state: 'waiting',
      currentStep: 1,
      stepRuns: 1,
      version: 1,
      data: { slept: 5_000 },
      wait: { kind: 'sleep', until: T + 5_000 },
      sweepAt: T + 5_000 + 1_000,
    });
    expect(await store.get('far')).toMatchObject({ state: 'waiting', sweepAt: T + 3_600_000 - 900_000 });
    const due = await store.findStalled({ now: T + 6_000, dueBefore: T + 6_000, limit: 10 });
    expect(due.map((h) => h.id)).toEqual(['near']);
    const later = T + 2_700_000;
    expect((await store.findStalled({ now: later, dueBefore: later, limit: 10 })).map((h) => h.id)).toEqual([
      'near',
      'far',
    ]);
  });

  it('keeps an event wait without timeout out of the sweeper, and pause and cancel take it out of waiting', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const head = await store.commit(commitOf('e1', 0, 0, ctx.waitForEvent('go', { state: 1 })));
    expect(head).toMatchObject({ state: 'waiting', wait: { kind: 'event', eventType: 'go', onTimeout: 'fail' } });
    expect(head.sweepAt).toBeUndefined();
    expect(await store.findStalled({ now: T + 10 ** 9, dueBefore: T + 10 ** 9, limit: 10 })).toEqual([]);
    expect(await store.transition(pauseOf('e1', T + 1))).toMatchObject({ state: 'paused', wait: { eventType: 'go' } });
    const cancelled = await store.transition(cancelOf('e1', T + 2));
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.wait).toBeUndefined();
  });

  it('decides a commit again from an event accepted while the step ran: the wait takes it at once', async () => {
    const { store, another } = await make();
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0));
    const api = await another();
    const base = (await api.get('e1')) as ExecutionHead;
    const buffered = { ...base, inbox: [event('ev1')], seenEventIds: ['ev1'], inboxSeq: 1, lastUpdate: T + 1 };
    expect(await api.replaceHead({ base, next: buffered })).toEqual({ ok: true, head: buffered });
    expect(claimed?.inbox).toEqual([]);
    const head = await store.commit(commitOf('e1', 0, 0, ctx.waitForEvent('go', { state: 'asked' }), { now: T + 2 }));
    expect(head).toMatchObject({ state: 'running', currentStep: 1, inbox: [], delivered: event('ev1'), inboxSeq: 1 });
    expect(head.wait).toBeUndefined();
    expect(await store.get('e1')).toEqual(head);
  });

  it('replaces the head only while its pinned fields are as read, and returns the head as it is otherwise', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const base = (await store.get('e1')) as ExecutionHead;
    await store.claim(claimOf('e1', 0, 0));
    const next = { ...base, inbox: [event('x')], inboxSeq: 1 };
    const refused = await store.replaceHead({ base, next });
    expect(refused).toMatchObject({ ok: false, current: { claims: 1, leaseOwner: 'w1', inbox: [] } });
    const gone = await store.replaceHead({ base: { ...base, id: 'nope' }, next: { ...next, id: 'nope' } });
    expect(gone).toEqual({ ok: false, current: undefined });
    await expect(store.replaceHead({ base, next: { ...next, id: 'other' } })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
  });

  it('stores every wait field as written: inbox, remembered ids, callbacks, delivered null, a timeout', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const base = (await store.get('e1')) as ExecutionHead;
    const next: ExecutionHead = {
      ...base,
      state: 'waiting',
      version: 1,
      inbox: [event('a', 'other'), { ...event('b', 'other'), payload: null }],
      seenEventIds: ['a', 'b'],
      callbacks: [{ nonce: 'n1', type: 'go' }],
      delivered: null,
      inboxSeq: 2,
      wait: { kind: 'event', eventType: 'go', until: T + 60_000, onTimeout: 'continue', timeoutMs: 60_000 },
      sweepAt: T + 61_000,
      maxStepRuns: 0,
    };
    expect(await store.replaceHead({ base, next })).toEqual({ ok: true, head: next });
    expect(await store.get('e1')).toEqual(next);
    const due = await store.findStalled({ now: T + 61_000, dueBefore: T + 61_000, limit: 10 });
    expect(due).toEqual([next]);
  });

  it('keys checkpoints by the step-run sequence, so a loop never overwrites one', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    for (let run = 0; run < 3; run++) {
      await store.claim(claimOf('e1', 0, run));
      await store.commit(commitOf('e1', 0, run, ctx.goto('a', { run })));
    }
    await store.claim(claimOf('e1', 0, 3));
    const head = await store.commit(commitOf('e1', 0, 3, 'on'));
    expect(head).toMatchObject({ currentStep: 1, stepRuns: 4, state: 'running' });
    const cps = (await store.listCheckpoints('e1', { limit: 10 })).items;
    expect(cps.map((c) => [c.seq, c.step, c.stepName, c.state])).toEqual([
      [4, 1, 'b', 'on'],
      [3, 0, 'a', { run: 2 }],
      [2, 0, 'a', { run: 1 }],
      [1, 0, 'a', { run: 0 }],
      [0, 0, 'a', { v: 0 }],
    ]);
  });

  it('fails a commit past maxStepRuns with STEP_LIMIT_EXCEEDED, keeping its checkpoint', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { maxStepRuns: 2 }));
    await store.claim(claimOf('e1', 0, 0));
    await store.commit(commitOf('e1', 0, 0, ctx.goto('a', 1)));
    await store.claim(claimOf('e1', 0, 1));
    const head = await store.commit(commitOf('e1', 0, 1, ctx.goto('a', 2), { now: T + 9 }));
    expect(head).toMatchObject({
      state: 'failed',
      stepRuns: 2,
      endTime: T + 9,
      error: { code: 'STEP_LIMIT_EXCEEDED' },
    });
    expect((await store.listCheckpoints('e1', { limit: 1 })).items[0]).toMatchObject({ seq: 2, state: 2 });
  });

  it('records an event id with the head it delivers, and writes nothing for that id again within the retention', async () => {
    const { store, another } = await make();
    await store.create(newExec('e1'));
    await store.create(newExec('e2'));
    const base = (await store.get('e1')) as ExecutionHead;
    const first = { ...base, inbox: [event('ev1')], inboxSeq: 1, lastUpdate: T + 1 };
    expect(await store.replaceHead({ base, next: first, eventId: 'ev1' })).toEqual({ ok: true, head: first });
    // The head keeps no list of ids: another handle (another worker) still knows it was received.
    const api = await another();
    const again = { ...first, inbox: [event('ev1'), event('ev1b')], inboxSeq: 2, lastUpdate: T + 2 };
    expect(await api.replaceHead({ base: first, next: again, eventId: 'ev1' })).toEqual({
      ok: false,
      current: first,
      duplicate: true,
    });
    expect(await store.get('e1')).toEqual(first);
    // Another id, and the same id for another execution, are new.
    expect((await api.replaceHead({ base: first, next: again, eventId: 'ev2' })).ok).toBe(true);
    const other = (await store.get('e2')) as ExecutionHead;
    expect((await store.replaceHead({ base: other, next: { ...other, lastUpdate: T + 3 }, eventId: 'ev1' })).ok).toBe(
      true,
    );
    // After SEEN_EVENT_RETENTION_MS the id is forgotten.
    const later = { ...again, lastUpdate: T + SEEN_EVENT_RETENTION_MS + 5_000 };
    expect((await store.replaceHead({ base: again, next: later, eventId: 'ev1' })).ok).toBe(true);
  });

  it('decides again, not duplicate, when the head moved although the event id is new', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const base = (await store.get('e1')) as ExecutionHead;
    await store.claim(claimOf('e1', 0, 0));
    const result = await store.replaceHead({ base, next: { ...base, lastUpdate: T + 1 }, eventId: 'ev1' });
    expect(result).toMatchObject({ ok: false, current: { claims: 1 } });
    expect('duplicate' in result).toBe(false);
    const moved = (await store.get('e1')) as ExecutionHead;
    expect((await store.replaceHead({ base: moved, next: { ...moved, lastUpdate: T + 2 }, eventId: 'ev1' })).ok).toBe(
      true,
    );
  });
}
