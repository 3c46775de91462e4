import { expect, it } from 'vitest';
import { claimOf, commitOf, newExec, type MakeStore } from './fixtures.js';

/** ExecutionStore.get and listCheckpoints. */
export function readsContract(make: MakeStore): void {
  it('gets nothing for an unknown or unsafe id', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    expect(await store.get('e2')).toBeUndefined();
    expect(await store.get('../e1')).toBeUndefined();
    expect(await store.get('')).toBeUndefined();
  });

  it('pages checkpoints newest first, and refuses the token of another execution or query', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { stepNames: ['a', 'b', 'c', 'd'] }));
    await store.create(newExec('e2'));
    for (let step = 0; step < 4; step++) {
      await store.claim(claimOf('e1', step, step, { owner: 'w', now: step, leaseMs: 10 }));
      await store.commit(commitOf('e1', step, step, { step }, { owner: 'w', now: step + 1, sweepAt: 0 }));
    }
    const first = await store.listCheckpoints('e1', { limit: 3 });
    expect(first.items.map((cp) => cp.step)).toEqual([4, 3, 2]);
    expect(first.items[0]).toEqual({
      id: 'e1/4',
      executionId: 'e1',
      seq: 4,
      step: 4,
      state: { step: 3 },
      timestamp: 4,
    });
    expect(first.nextToken).toEqual(expect.any(String));
    const token = first.nextToken ?? '';
    const second = await store.listCheckpoints('e1', { limit: 3, nextToken: token });
    expect(second.items.map((cp) => [cp.step, cp.state])).toEqual([
      [1, { step: 0 }],
      [0, { v: 0 }],
    ]);
    expect(second.nextToken).toBeUndefined();
    const refused = { code: 'VALIDATION_ERROR' };
    await expect(store.listCheckpoints('e2', { limit: 3, nextToken: token })).rejects.toMatchObject(refused);
    await expect(store.listCheckpoints('other', { limit: 3, nextToken: token })).rejects.toMatchObject(refused);
    await expect(store.list({ limit: 3, nextToken: token })).rejects.toMatchObject(refused);
  });

  it('pages checkpoints in pages of two, the last without a token', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { stepNames: ['a', 'b', 'c', 'd'] }));
    for (let step = 0; step < 4; step++) {
      await store.claim(claimOf('e1', step, step));
      await store.commit(commitOf('e1', step, step, step + 1));
    }
    const first = await store.listCheckpoints('e1', { limit: 2 });
    expect(first.items.map((c) => c.step)).toEqual([4, 3]);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await store.listCheckpoints('e1', { limit: 2, nextToken: first.nextToken ?? '' });
    expect(second.items.map((c) => c.step)).toEqual([2, 1]);
    const last = await store.listCheckpoints('e1', { limit: 2, nextToken: second.nextToken ?? '' });
    expect(last.items.map((c) => c.step)).toEqual([0]);
    expect(last.nextToken).toBeUndefined();
    const exact = await store.listCheckpoints('e1', { limit: 5 });
    expect(exact.items).toHaveLength(5);
    expect(exact.nextToken).toBeUndefined();
  });

  it('lists no checkpoints for an unknown or unsafe id', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    expect(await store.listCheckpoints('e2', { limit: 5 })).toEqual({ items: [] });
    expect(await store.listCheckpoints('../e1', { limit: 5 })).toEqual({ items: [] });
  });

  it('refuses a bad limit and a garbled token with VALIDATION_ERROR', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const refused = { code: 'VALIDATION_ERROR' };
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(store.listCheckpoints('e1', { limit })).rejects.toMatchObject(refused);
    }
    for (const nextToken of ['garbage', '', 'a'.repeat(40)]) {
      await expect(store.listCheckpoints('e1', { limit: 5, nextToken })).rejects.toMatchObject(refused);
    }
  });
}
