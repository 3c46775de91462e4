import { expect, it } from 'vitest';
import { LeaseConflictError, StaleTokenError } from '../../../lib/runtime/errors.js';
import type { ExecutionStore } from '../../../lib/runtime/ports.js';
import { T, STEP_ERROR, cancelOf, claimOf, commitOf, fence, newExec, type MakeStore } from './fixtures.js';

/** The fence of commit (and the other fenced writes): version, owner and state, and what a refusal carries. */
export function fenceContract(make: MakeStore): void {
  it('refuses a stale token with STALE_TOKEN and another owner with LEASE_CONFLICT, carrying the head', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0));
    const stale = store.commit(commitOf('e1', 0, 7, 1));
    await expect(stale).rejects.toBeInstanceOf(StaleTokenError);
    await expect(stale).rejects.toMatchObject({ code: 'STALE_TOKEN', current: claimed });
    const other = store.commit(commitOf('e1', 0, 0, 1, { owner: 'w2' }));
    await expect(other).rejects.toBeInstanceOf(LeaseConflictError);
    await expect(other).rejects.toMatchObject({ code: 'LEASE_CONFLICT', current: claimed });
    const missing = store.commit(commitOf('missing', 0, 0, 1));
    await expect(missing).rejects.toBeInstanceOf(StaleTokenError);
    await expect(missing).rejects.toMatchObject({ code: 'STALE_TOKEN', current: undefined });
    expect(await store.get('e1')).toEqual(claimed);
    expect((await store.listCheckpoints('e1', { limit: 10 })).items).toHaveLength(1);
  });

  it('refuses a commit on a head that nobody claimed with LEASE_CONFLICT', async () => {
    const { store } = await make();
    const { head } = await store.create(newExec('e1'));
    const unclaimed = store.commit(commitOf('e1', 0, 0, 1));
    await expect(unclaimed).rejects.toBeInstanceOf(LeaseConflictError);
    await expect(unclaimed).rejects.toMatchObject({ current: head });
    expect(await store.get('e1')).toEqual(head);
  });

  it('refuses a second commit of a step by another owner with STALE_TOKEN and writes nothing', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const committed = await store.commit(commitOf('e1', 0, 0, 'one', { now: T + 1 }));
    const again = store.commit(commitOf('e1', 0, 0, 'again', { now: T + 2, owner: 'w2' }));
    await expect(again).rejects.toBeInstanceOf(StaleTokenError);
    await expect(again).rejects.toMatchObject({ code: 'STALE_TOKEN', current: { version: 1 } });
    expect(await store.get('e1')).toEqual(committed);
    const steps = (await store.listCheckpoints('e1', { limit: 10 })).items.map((cp) => [cp.step, cp.state]);
    expect(steps).toEqual([
      [1, 'one'],
      [0, { v: 0 }],
    ]);
  });

  it('refuses a commit of another step than the head is at with STALE_TOKEN', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0));
    await expect(store.commit(commitOf('e1', 1, 0, 'x'))).rejects.toMatchObject({
      code: 'STALE_TOKEN',
      current: claimed,
    });
    expect(await store.get('e1')).toEqual(claimed);
  });

  it('refuses a commit by a worker whose expired lease another worker claimed', async () => {
    const { store, another } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0, { owner: 'a', now: 0, leaseMs: 10 }));
    const taken = await (await another()).claim(claimOf('e1', 0, 0, { owner: 'b', now: 20, leaseMs: 30_000 }));
    const late = store.commit(commitOf('e1', 0, 0, 1, { owner: 'a', now: 30 }));
    await expect(late).rejects.toBeInstanceOf(LeaseConflictError);
    await expect(late).rejects.toMatchObject({ current: { leaseOwner: 'b' } });
    expect(await store.get('e1')).toEqual(taken);
    expect((await store.listCheckpoints('e1', { limit: 10 })).items.map((cp) => cp.step)).toEqual([0]);
  });

  it('commits on an expired lease that nobody else claimed: the token is what counts', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0, { leaseMs: 10 }));
    const head = await store.commit(commitOf('e1', 0, 0, 'late', { now: T + 5_000 }));
    expect(head).toMatchObject({ currentStep: 1, version: 1, data: 'late', lastUpdate: T + 5_000 });
  });

  it('refuses every fenced write after a cancel, even by the lease owner', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const cancelled = await store.transition(cancelOf('e1'));
    expect(await store.extendLease({ ...fence('e1', 0), leaseMs: 100 })).toEqual({ lost: true, state: 'cancelled' });
    const writes = [
      () => store.commit(commitOf('e1', 0, 0, 1)),
      () => store.releaseForRetry({ ...fence('e1', 0), error: STEP_ERROR, sweepAt: T, events: [] }),
      () => store.fail({ ...fence('e1', 0), error: STEP_ERROR, events: [] }),
      () => store.park({ ...fence('e1', 0), error: STEP_ERROR, events: [] }),
    ];
    for (const write of writes) {
      await expect(write()).rejects.toMatchObject({ code: 'STALE_TOKEN', current: cancelled });
    }
    expect(await store.get('e1')).toEqual(cancelled);
  });

  it('holds release, fail and park to the fence: STALE_TOKEN or LEASE_CONFLICT, carrying the head', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0));
    const writes = [
      (token: number, owner: string) =>
        store.releaseForRetry({ ...fence('e1', token, owner), error: STEP_ERROR, sweepAt: T, events: [] }),
      (token: number, owner: string) => store.fail({ ...fence('e1', token, owner), error: STEP_ERROR, events: [] }),
      (token: number, owner: string) => store.park({ ...fence('e1', token, owner), error: STEP_ERROR, events: [] }),
    ];
    for (const write of writes) {
      const stale = write(1, 'w1');
      await expect(stale).rejects.toBeInstanceOf(StaleTokenError);
      await expect(stale).rejects.toMatchObject({ code: 'STALE_TOKEN', current: claimed });
      const other = write(0, 'w2');
      await expect(other).rejects.toBeInstanceOf(LeaseConflictError);
      await expect(other).rejects.toMatchObject({ code: 'LEASE_CONFLICT', current: claimed });
    }
    await expect(store.fail({ ...fence('missing', 0), error: STEP_ERROR, events: [] })).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    expect(await store.get('e1')).toEqual(claimed);
  });

  it('answers a fenced write retried after it landed (a lost response) with the head it left, writing nothing', async () => {
    const writes = {
      commit: (store: ExecutionStore) => store.commit(commitOf('e1', 0, 0, 'one')),
      release: (store: ExecutionStore) =>
        store.releaseForRetry({ ...fence('e1', 0), error: STEP_ERROR, sweepAt: T, events: [] }),
      fail: (store: ExecutionStore) => store.fail({ ...fence('e1', 0), error: STEP_ERROR, events: [] }),
      park: (store: ExecutionStore) => store.park({ ...fence('e1', 0), error: STEP_ERROR, events: [] }),
    };
    for (const [name, write] of Object.entries(writes)) {
      const { store } = await make();
      await store.create(newExec('e1'));
      await store.claim(claimOf('e1', 0, 0));
      const landed = await write(store);
      expect(landed, name).toMatchObject({ lastWriter: 'w1' });
      expect(await write(store), name).toEqual(landed);
      expect(await store.get('e1'), name).toEqual(landed);
      const checkpoints = (await store.listCheckpoints('e1', { limit: 10 })).items;
      expect(checkpoints, name).toHaveLength(name === 'commit' ? 2 : 1);
    }
  });
}
