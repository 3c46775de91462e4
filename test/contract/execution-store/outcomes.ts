import { expect, it } from 'vitest';
import { MAX_RECORDED_EVENTS } from '../../../lib/runtime/model.js';
import { T, STEP_ERROR, claimOf, eventAt, fence, newExec, pauseOf, resumeOf, type MakeStore } from './fixtures.js';

const err = STEP_ERROR;

/** ExecutionStore.releaseForRetry, fail and park: the outcomes of a step that did not commit. */
export function outcomesContract(make: MakeStore): void {
  it('releases, parks and fails with the fence', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const released = await store.releaseForRetry({ ...fence('e1', 0), error: err, sweepAt: T + 9, events: [] });
    expect(released).toMatchObject({ state: 'running', version: 1, claims: 1, error: err, sweepAt: T + 9 });
    expect(released.leaseOwner).toBeUndefined();
    expect(released.leaseExpiresAt).toBeUndefined();
    await store.claim(claimOf('e1', 0, 1));
    const parked = await store.park({ ...fence('e1', 1), error: err, events: [] });
    expect(parked).toMatchObject({ state: 'paused', version: 1, error: err });
    await store.transition(resumeOf('e1', T, { resetAttempts: false }));
    await store.claim(claimOf('e1', 0, 1));
    const failed = await store.fail({ ...fence('e1', 1, 'w1', T + 3), error: err, events: [] });
    expect(failed).toMatchObject({ state: 'failed', version: 2, endTime: T + 3, error: err });
    expect(await store.get('e1')).toEqual(failed);
  });

  it('releases a failed attempt for retry, then fails it for good', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0, { owner: 'a', now: 1, leaseMs: 30_000 }));
    const event = { type: 'step_failed' as const, step: 0, at: 2, attempt: 0, error: err };
    const released = await store.releaseForRetry({
      ...fence('e1', 0, 'a', 2),
      error: err,
      sweepAt: 500,
      events: [event],
    });
    expect(released).toMatchObject({
      state: 'running',
      version: 1,
      error: err,
      sweepAt: 500,
      claims: 1,
      events: [event],
    });
    expect(released.leaseOwner).toBeUndefined();
    expect(await store.get('e1')).toEqual(released);
    await store.claim(claimOf('e1', 0, 1, { owner: 'b', now: 3, leaseMs: 30_000 }));
    const failed = await store.fail({ ...fence('e1', 1, 'b', 4), error: err, events: [] });
    expect(failed).toMatchObject({ state: 'failed', version: 2, endTime: 4, claims: 2, lastUpdate: 4 });
    expect(failed.sweepAt).toBeUndefined();
    expect(failed.leaseOwner).toBeUndefined();
    expect(await store.get('e1')).toEqual(failed);
  });

  it('parks a running execution as paused with its error, keeping the version', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0, { owner: 'a', now: 1, leaseMs: 30_000 }));
    const error = { code: 'STEP_NOT_REGISTERED', message: 'no step fetch' };
    const parked = await store.park({ ...fence('e1', 0, 'a', 2), error, events: [] });
    expect(parked).toMatchObject({ state: 'paused', version: 0, error, lastUpdate: 2 });
    expect(parked.sweepAt).toBeUndefined();
    expect(parked.leaseOwner).toBeUndefined();
    expect(await store.get('e1')).toEqual(parked);
  });

  it('fails a step that ran out of retries while a pause arrived', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    await store.transition(pauseOf('e1', T + 1));
    const failed = await store.fail({ ...fence('e1', 0, 'w1', T + 2), error: err, events: [] });
    expect(failed).toMatchObject({ state: 'failed', version: 1, endTime: T + 2, error: err });
  });

  it('releases an attempt that failed while a pause arrived, leaving the execution paused', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    await store.transition(pauseOf('e1', T + 1));
    const released = await store.releaseForRetry({
      ...fence('e1', 0, 'w1', T + 2),
      error: err,
      sweepAt: T + 9,
      events: [],
    });
    expect(released).toMatchObject({ state: 'paused', version: 1, error: err, sweepAt: T + 9, lastUpdate: T + 2 });
    expect(released.leaseOwner).toBeUndefined();
    expect(await store.findStalled({ now: T + 10, dueBefore: T + 10, limit: 5 })).toEqual([]);
  });

  it('appends the events of each outcome, keeping the last MAX_RECORDED_EVENTS', async () => {
    const { store } = await make();
    const old = Array.from({ length: MAX_RECORDED_EVENTS }, (_, i) => eventAt('checkpointed', i));
    await store.create(newExec('e1', { events: old }));
    await store.claim(claimOf('e1', 0, 0));
    const released = await store.releaseForRetry({
      ...fence('e1', 0),
      error: err,
      sweepAt: T,
      events: [eventAt('step_failed', 100), eventAt('step_failed', 101)],
    });
    // The newest MAX_RECORDED_EVENTS of everything appended so far, oldest first.
    const kept = (...ats: number[]) => [...old.map((e) => e.at), ...ats].slice(-MAX_RECORDED_EVENTS);
    expect(released.events.map((e) => e.at)).toEqual(kept(100, 101));
    await store.claim(claimOf('e1', 0, 1));
    const parked = await store.park({ ...fence('e1', 1), error: err, events: [eventAt('paused', 102)] });
    expect(parked.events.map((e) => e.at)).toEqual(kept(100, 101, 102));
    await store.transition(resumeOf('e1', T));
    await store.claim(claimOf('e1', 0, 1));
    const failed = await store.fail({ ...fence('e1', 1), error: err, events: [eventAt('execution_failed', 103)] });
    expect(failed.events.map((e) => e.at)).toEqual(kept(100, 101, 102, T, 103));
    expect((await store.get('e1'))?.events).toEqual(failed.events);
  });
}
