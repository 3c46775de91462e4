import { expect, it } from 'vitest';
import { T, claimOf, commitOf, newExec, type MakeStore } from './fixtures.js';

/** Usage and budget on the head: kept by create, added by commit in its own write, paused past the budget. */
export function usageContract(make: MakeStore): void {
  it('keeps the budget a new execution is created with, and no usage', async () => {
    const { store } = await make();
    const { head } = await store.create(newExec('e1', { budget: { costUsd: 2 } }));
    expect(head.budget).toEqual({ costUsd: 2 });
    expect(await store.get('e1')).toEqual(head);
    expect('usage' in head).toBe(false);
  });

  it("adds a commit's usage to the head in the same write, and leaves a head without usage as it was", async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const first = await store.commit({ ...commitOf('e1', 0, 0, { v: 1 }), usage: { tokens: 100, costUsd: 0.5 } });
    await store.claim(claimOf('e1', 1, 1));
    const second = await store.commit({ ...commitOf('e1', 1, 1, { v: 2 }), usage: { tokens: 50 } });
    expect(first.usage).toEqual({ tokens: 100, costUsd: 0.5 });
    expect(second.usage).toEqual({ tokens: 150, costUsd: 0.5 });
    expect(await store.get('e1')).toEqual(second);
    await store.create(newExec('e2'));
    await store.claim(claimOf('e2', 0, 0));
    expect('usage' in (await store.commit(commitOf('e2', 0, 0, { v: 1 })))).toBe(false);
  });

  it('pauses a head whose commit takes it past its budget, at the next step, with BUDGET_EXCEEDED', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { budget: { costUsd: 1 } }));
    await store.claim(claimOf('e1', 0, 0));
    const head = await store.commit({ ...commitOf('e1', 0, 0, { v: 1 }, { now: T + 5 }), usage: { costUsd: 1.5 } });
    expect(head).toMatchObject({
      state: 'paused',
      currentStep: 1,
      version: 1,
      error: { code: 'BUDGET_EXCEEDED', message: 'budget exceeded: costUsd 1.5 of 1; raise the budget to resume' },
    });
    expect(head.sweepAt).toBeUndefined();
    expect(head.events.at(-1)).toMatchObject({ type: 'paused', step: 1, at: T + 5 });
    expect(await store.get('e1')).toEqual(head);
  });
}
