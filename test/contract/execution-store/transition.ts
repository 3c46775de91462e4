import { expect, it } from 'vitest';
import { IllegalTransitionError } from '../../../lib/core/errors.js';
import { MAX_RECORDED_EVENTS } from '../../../lib/runtime/model.js';
import {
  T,
  STEP_ERROR,
  cancelOf,
  claimOf,
  eventAt,
  fence,
  newExec,
  pauseOf,
  resumeOf,
  retryOf,
  type MakeStore,
} from './fixtures.js';

/** ExecutionStore.transition: the control actions, their conditions and what each changes. */
export function transitionContract(make: MakeStore): void {
  it('pauses, resumes with a new sweep time, and cancels', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const paused = await store.transition(pauseOf('e1', T + 5_000));
    expect(paused).toMatchObject({ state: 'paused', version: 0, lastUpdate: T + 5_000, sweepAt: T + 1_000 });
    expect(paused.events).toEqual([{ type: 'paused', step: 0, at: T + 5_000 }]);
    expect(await store.findStalled({ now: T + 5_000, dueBefore: T + 5_000, limit: 10 })).toEqual([]);
    const resumed = await store.transition(
      resumeOf('e1', T + 5_000, { bumpVersion: true, sweepAt: T + 7_000, event: eventAt('resumed', T + 6_000) }),
    );
    expect(resumed).toMatchObject({ state: 'running', version: 1, sweepAt: T + 7_000 });
    expect(await store.findStalled({ now: T + 7_000, dueBefore: T + 7_000, limit: 10 })).toEqual([resumed]);
    await store.claim(claimOf('e1', 0, 1, { owner: 'a', now: T + 6_500, leaseMs: 1_000 }));
    const cancelled = await store.transition(cancelOf('e1', T + 5_000));
    expect(cancelled).toMatchObject({ state: 'cancelled', version: 2, endTime: T + 5_000, claims: 1 });
    expect(cancelled.leaseOwner).toBeUndefined();
    expect(cancelled.leaseExpiresAt).toBeUndefined();
    expect(cancelled.sweepAt).toBeUndefined();
    expect(await store.get('e1')).toEqual(cancelled);
  });

  it('keeps the lease of a step in flight across a pause and a resume', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0));
    const paused = await store.transition(pauseOf('e1', T + 1));
    expect(paused).toMatchObject({ leaseOwner: 'w1', leaseExpiresAt: claimed?.leaseExpiresAt, version: 0 });
    const resumed = await store.transition(resumeOf('e1', T + 2));
    expect(resumed).toMatchObject({ state: 'running', leaseOwner: 'w1', version: 0, claims: 0, sweepAt: T + 1_002 });
    expect(await store.extendLease({ ...fence('e1', 0), leaseMs: 100 })).toEqual({ lost: false, state: 'running' });
  });

  it('retries a failed execution, clearing error and endTime and resetting claims', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0, { owner: 'a', now: 1 }));
    await store.fail({ ...fence('e1', 0, 'a', 2), error: STEP_ERROR, events: [] });
    const retried = await store.transition(retryOf('e1', T, { sweepAt: 10 }));
    expect(retried).toMatchObject({ state: 'running', version: 2, claims: 0, sweepAt: 10, lastUpdate: T });
    expect(retried.error).toBeUndefined();
    expect(retried.endTime).toBeUndefined();
    expect(await store.get('e1')).toEqual(retried);
  });

  it('reports the actual state of an illegal transition and changes nothing', async () => {
    const { store } = await make();
    const { head } = await store.create(newExec('e1'));
    const resume = store.transition(resumeOf('e1'));
    await expect(resume).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(resume).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION', state: 'running', action: 'resume' });
    await expect(store.transition(retryOf('e1'))).rejects.toMatchObject({ state: 'running', action: 'retry' });
    await expect(store.transition(pauseOf('e1', T, { from: [] }))).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      state: 'running',
    });
    expect(await store.get('e1')).toEqual(head);
    await store.transition(cancelOf('e1'));
    await expect(store.transition(cancelOf('e1'))).rejects.toMatchObject({ state: 'cancelled', action: 'cancel' });
    await expect(store.transition(pauseOf('e1'))).rejects.toMatchObject({ state: 'cancelled', action: 'pause' });
  });

  it('reports NOT_FOUND for an execution that does not exist', async () => {
    const { store } = await make();
    for (const id of ['missing', '../x']) {
      await expect(store.transition(pauseOf(id))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(store.transition(resumeOf(id))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(store.transition(pauseOf(id, T, { from: [] }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(await store.get('missing')).toBeUndefined();
  });

  it('bumps the version only when asked to', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    expect((await store.transition(pauseOf('e1'))).version).toBe(0);
    expect((await store.transition(resumeOf('e1'))).version).toBe(0);
    expect((await store.transition(pauseOf('e1', T, { bumpVersion: true }))).version).toBe(1);
    expect((await store.transition(resumeOf('e1', T, { bumpVersion: true }))).version).toBe(2);
    expect((await store.transition(cancelOf('e1', T, { bumpVersion: false }))).version).toBe(2);
  });

  it('drops the oldest event when a transition finds the event list full', async () => {
    const { store } = await make();
    const events = Array.from({ length: MAX_RECORDED_EVENTS }, (_, i) => eventAt('checkpointed', i));
    await store.create(newExec('e1', { events }));
    const paused = await store.transition(pauseOf('e1', T, { event: eventAt('paused', 777) }));
    expect(paused.events).toHaveLength(MAX_RECORDED_EVENTS);
    expect(paused.events[0]?.at).toBe(1);
    expect(paused.events.at(-1)).toEqual({ type: 'paused', step: 0, at: 777 });
    expect(await store.get('e1')).toEqual(paused);
    const resumed = await store.transition(resumeOf('e1', T, { event: eventAt('resumed', 778) }));
    expect(resumed.events.map((e) => e.at)).toEqual([...events.map((e) => e.at), 777, 778].slice(-MAX_RECORDED_EVENTS));
  });
}
