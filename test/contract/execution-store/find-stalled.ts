import { expect, it } from 'vitest';
import { T, cancelOf, claimOf, commitOf, newExec, pauseOf, type MakeStore } from './fixtures.js';

/** ExecutionStore.findStalled: the sweeper's read. */
export function findStalledContract(make: MakeStore): void {
  it('finds only running heads that are due and not leased, oldest due first', async () => {
    const { store } = await make();
    await store.create(newExec('due-late', { sweepAt: T + 20 }));
    await store.create(newExec('due-early', { sweepAt: T + 10 }));
    await store.create(newExec('not-due', { sweepAt: T + 1_000 }));
    await store.create(newExec('leased', { sweepAt: T }));
    await store.create(newExec('paused', { sweepAt: T }));
    await store.create(newExec('cancelled', { sweepAt: T }));
    await store.create(newExec('completed', { sweepAt: T, stepNames: ['only'] }));
    await store.claim(claimOf('leased', 0, 0, { leaseMs: 500 }));
    await store.transition(pauseOf('paused'));
    await store.transition(cancelOf('cancelled'));
    await store.claim(claimOf('completed', 0, 0, { leaseMs: 1 }));
    await store.commit(commitOf('completed', 0, 0, 'done', { sweepAt: T }));
    const found = await store.findStalled({ now: T + 100, dueBefore: T + 100, limit: 10 });
    expect(found.map((h) => h.id)).toEqual(['due-early', 'due-late']);
    expect(found[0]).toEqual(await store.get('due-early'));
    const first = await store.findStalled({ now: T + 100, dueBefore: T + 100, limit: 1 });
    expect(first.map((h) => h.id)).toEqual(['due-early']);
    const afterLease = await store.findStalled({ now: T + 500, dueBefore: T + 500, limit: 10 });
    expect(afterLease.map((h) => h.id)).toEqual(['leased', 'due-early', 'due-late']);
    const dueLater = await store.findStalled({ now: T + 500, dueBefore: T + 1_000, limit: 10 });
    expect(dueLater.map((h) => h.id)).toEqual(['leased', 'due-early', 'due-late', 'not-due']);
  });

  it('finds many due executions in sweepAt order, a limit at a time', async () => {
    const { store } = await make();
    const due: string[] = [];
    for (let i = 0; i < 12; i++) {
      await store.create(newExec(`due-${i}`, { sweepAt: T + 100 + i }));
      due.push(`due-${i}`);
    }
    await store.create(newExec('later', { sweepAt: T + 10_000 }));
    await store.create(newExec('leased', { sweepAt: T + 50 }));
    await store.claim(claimOf('leased', 0, 0, { owner: 'w', leaseMs: 5_000 }));
    await store.create(newExec('paused', { sweepAt: T + 60 }));
    await store.transition(pauseOf('paused'));
    const now = T + 1_000;
    const found = await store.findStalled({ now, dueBefore: T + 1_000, limit: 100 });
    expect(found.map((h) => h.id)).toEqual(due);
    const firstFive = await store.findStalled({ now, dueBefore: T + 1_000, limit: 5 });
    expect(firstFive.map((h) => h.id)).toEqual(due.slice(0, 5));
    const afterLease = await store.findStalled({ now: T + 6_000, dueBefore: T + 1_000, limit: 100 });
    expect(afterLease.map((h) => h.id)).toEqual(['leased', ...due]);
  });

  it('finds a stalled execution behind many leased ones that are due before it', async () => {
    const { store } = await make();
    for (let i = 0; i < 12; i++) {
      await store.create(newExec(`long-${i}`, { sweepAt: T + i }));
      await store.claim(claimOf(`long-${i}`, 0, 0, { owner: 'long-step', leaseMs: 1_000_000 }));
    }
    await store.create(newExec('stalled', { sweepAt: T + 45 }));
    const found = await store.findStalled({ now: T + 1_000, dueBefore: T + 46, limit: 1 });
    expect(found.map((h) => h.id)).toEqual(['stalled']);
  });

  it('refuses a bad limit with VALIDATION_ERROR', async () => {
    const { store } = await make();
    for (const limit of [0, -1, 0.5]) {
      await expect(store.findStalled({ now: T, dueBefore: T, limit })).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
      });
    }
  });
}
