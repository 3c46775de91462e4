import { expect, it } from 'vitest';
import { isFenceConflict } from '../../../lib/runtime/errors.js';
import type { ExecutionStore } from '../../../lib/runtime/ports.js';
import { T, claimOf, commitOf, newExec, type MakeStore } from './fixtures.js';

/** Concurrent writes from several workers: each item takes them one at a time. */
export function racesContract(make: MakeStore): void {
  const handles = async (another: () => Promise<ExecutionStore>, n: number): Promise<ExecutionStore[]> =>
    Promise.all(Array.from({ length: n }, () => another()));

  it('lets exactly one of 20 concurrent claims of the same step win', async () => {
    const { store, another } = await make();
    await store.create(newExec('e1'));
    const workers = await handles(another, 20);
    const claims = await Promise.all(
      workers.map((w, i) => w.claim(claimOf('e1', 0, 0, { owner: `w${i}`, now: T + 1, leaseMs: 30_000 }))),
    );
    const winners = claims.filter((c) => c !== undefined);
    expect(winners).toHaveLength(1);
    const head = await store.get('e1');
    expect(head?.claims).toBe(1);
    expect(head?.leaseOwner).toBe(winners[0]?.leaseOwner);
  });

  it('commits a step once when two owners commit it at once, and refuses the other', async () => {
    const { store, another } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const workers = await handles(another, 2);
    const results = await Promise.allSettled(
      workers.map((w, i) => w.commit(commitOf('e1', 0, 0, `from ${i}`, { owner: i === 0 ? 'w1' : 'w2' }))),
    );
    const landed = results.filter((r) => r.status === 'fulfilled');
    expect(landed).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(isFenceConflict(refused?.reason)).toBe(true);
    expect((await store.get('e1'))?.version).toBe(1);
    expect((await store.listCheckpoints('e1', { limit: 10 })).items.map((cp) => cp.step)).toEqual([1, 0]);
  });

  it('commits a step once when the same commit races its own retry, and answers both with the landed head', async () => {
    const { store, another } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const workers = await handles(another, 2);
    const results = await Promise.all(workers.map((w, i) => w.commit(commitOf('e1', 0, 0, `from ${i}`))));
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toMatchObject({ version: 1, lastWriter: 'w1' });
    expect((await store.get('e1'))?.version).toBe(1);
    expect((await store.listCheckpoints('e1', { limit: 10 })).items.map((cp) => cp.step)).toEqual([1, 0]);
  });

  it('creates once when creates with one idempotency key race, and gives every caller that execution', async () => {
    const { store, another } = await make();
    const workers = await handles(another, 5);
    const results = await Promise.all(
      workers.map((w, i) => w.create(newExec(`e${i}`, { idempotencyKey: 'same', input: { i } }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)?.head;
    for (const r of results) expect(r.head).toEqual(winner);
    expect((await store.list({ limit: 10 })).items.map((h) => h.id)).toEqual([winner?.id]);
  });
}
