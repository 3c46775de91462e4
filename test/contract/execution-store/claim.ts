import { expect, it } from 'vitest';
import { T, cancelOf, claimOf, commitOf, fence, newExec, pauseOf, type MakeStore } from './fixtures.js';

/** ExecutionStore.claim and extendLease: who may take a step, and who still holds it. */
export function claimContract(make: MakeStore): void {
  it('claims only a running head at its step and version, leasing it to the owner', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    expect(await store.claim(claimOf('e1', 0, 1))).toBeUndefined();
    expect(await store.claim(claimOf('e1', 1, 0))).toBeUndefined();
    const claimed = await store.claim(claimOf('e1', 0, 0, { now: T + 7 }));
    expect(claimed).toMatchObject({
      state: 'running',
      currentStep: 0,
      version: 0,
      claims: 1,
      leaseOwner: 'w1',
      leaseExpiresAt: T + 107,
      lastUpdate: T + 7,
      data: { v: 0 },
    });
    expect(await store.get('e1')).toEqual(claimed);
  });

  it('refuses a claim while another worker holds a live lease, and allows it once the lease expired', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    expect(await store.claim(claimOf('e1', 0, 0, { owner: 'w2', now: T + 99 }))).toBeUndefined();
    expect(await store.claim(claimOf('e1', 0, 1, { owner: 'w2', now: T + 100 }))).toBeUndefined();
    const reclaimed = await store.claim(claimOf('e1', 0, 0, { owner: 'w2', now: T + 100 }));
    expect(reclaimed).toMatchObject({ claims: 2, leaseOwner: 'w2', leaseExpiresAt: T + 200 });
    expect(await store.extendLease({ ...fence('e1', 0, 'w1', T + 150), leaseMs: 100 })).toEqual({
      lost: true,
      state: 'running',
    });
    expect((await store.get('e1'))?.leaseOwner).toBe('w2');
  });

  it('counts a retried claim that finds its own live lease as claimed, without claiming again', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const first = await store.claim(claimOf('e1', 0, 0));
    const retried = await store.claim(claimOf('e1', 0, 0, { now: T + 50 }));
    expect(retried).toEqual(first);
    expect(await store.get('e1')).toMatchObject({ claims: 1, leaseExpiresAt: T + 100, lastUpdate: T });
    expect(await store.claim(claimOf('e1', 1, 0, { now: T + 50 }))).toBeUndefined();
    expect(await store.claim(claimOf('e1', 0, 1, { now: T + 50 }))).toBeUndefined();
    const afterExpiry = await store.claim(claimOf('e1', 0, 0, { now: T + 100 }));
    expect(afterExpiry).toMatchObject({ claims: 2, leaseOwner: 'w1', leaseExpiresAt: T + 200 });
  });

  it('refuses a claim of a paused, cancelled, completed, missing or unsafe execution', async () => {
    const { store } = await make();
    for (const id of ['paused', 'cancelled', 'completed']) await store.create(newExec(id, { stepNames: ['only'] }));
    await store.transition(pauseOf('paused'));
    await store.transition(cancelOf('cancelled', T, { bumpVersion: false }));
    await store.claim(claimOf('completed', 0, 0));
    await store.commit(commitOf('completed', 0, 0, 'done'));
    expect(await store.claim(claimOf('paused', 0, 0))).toBeUndefined();
    expect(await store.claim(claimOf('cancelled', 0, 0))).toBeUndefined();
    expect(await store.claim(claimOf('completed', 0, 0, { now: T + 500 }))).toBeUndefined();
    expect(await store.claim(claimOf('completed', 1, 1, { now: T + 500 }))).toBeUndefined();
    expect(await store.claim(claimOf('missing', 0, 0))).toBeUndefined();
    expect(await store.claim(claimOf('../x', 0, 0))).toBeUndefined();
    expect(await store.get('paused')).toMatchObject({ claims: 0 });
    expect((await store.get('paused'))?.leaseOwner).toBeUndefined();
  });

  it('extends the lease of the owner that holds it, also while paused', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    expect(await store.extendLease({ ...fence('e1', 0, 'w1', T + 60), leaseMs: 100 })).toEqual({
      lost: false,
      state: 'running',
    });
    expect(await store.get('e1')).toMatchObject({ leaseOwner: 'w1', leaseExpiresAt: T + 160 });
    expect(await store.claim(claimOf('e1', 0, 0, { owner: 'w2', now: T + 120 }))).toBeUndefined();
    await store.transition(pauseOf('e1', T + 130));
    expect(await store.extendLease({ ...fence('e1', 0, 'w1', T + 140), leaseMs: 100 })).toEqual({
      lost: false,
      state: 'paused',
    });
    expect(await store.get('e1')).toMatchObject({ state: 'paused', leaseExpiresAt: T + 240 });
  });

  it('extends an expired lease that nobody else claimed: the token is what counts', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    expect(await store.extendLease({ ...fence('e1', 0, 'w1', T + 500), leaseMs: 100 })).toEqual({
      lost: false,
      state: 'running',
    });
    expect(await store.get('e1')).toMatchObject({ leaseOwner: 'w1', leaseExpiresAt: T + 600, claims: 1 });
  });

  it('reports the lease lost to a newer version, a cancel or a delete, and leaves the head alone', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    await store.commit(commitOf('e1', 0, 0, 1));
    const committed = await store.get('e1');
    expect(await store.extendLease({ ...fence('e1', 0), leaseMs: 100 })).toEqual({ lost: true, state: 'running' });
    expect(await store.get('e1')).toEqual(committed);
    await store.claim(claimOf('e1', 1, 1));
    await store.transition(cancelOf('e1'));
    expect(await store.extendLease({ ...fence('e1', 1), leaseMs: 100 })).toEqual({ lost: true, state: 'cancelled' });
    await store.delete('e1');
    expect(await store.extendLease({ ...fence('e1', 2), leaseMs: 100 })).toEqual({ lost: true });
    expect(await store.extendLease({ ...fence('../x', 0), leaseMs: 100 })).toEqual({ lost: true });
  });
}
