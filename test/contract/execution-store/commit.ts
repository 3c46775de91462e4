import { expect, it } from 'vitest';
import { MAX_ITEM_BYTES } from '../../../lib/core/item-size.js';
import { MAX_RECORDED_EVENTS } from '../../../lib/runtime/model.js';
import { T, claimOf, commitOf, fence, newExec, pauseOf, type MakeStore } from './fixtures.js';

/** ExecutionStore.commit: the checkpoint and the head in one write, under the fence. */
export function commitContract(make: MakeStore): void {
  it('commits with the fence, writing the next checkpoint and moving the head on', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const head = await store.commit(commitOf('e1', 0, 0, { v: 1 }, { now: T + 5, sweepAt: T + 50 }));
    expect(head).toMatchObject({
      state: 'running',
      currentStep: 1,
      version: 1,
      claims: 0,
      data: { v: 1 },
      lastUpdate: T + 5,
      sweepAt: T + 50,
    });
    expect(head.progress).toBeCloseTo(100 / 3);
    expect(head.leaseOwner).toBeUndefined();
    expect(head.leaseExpiresAt).toBeUndefined();
    expect(await store.get('e1')).toEqual(head);
    expect((await store.listCheckpoints('e1', { limit: 1 })).items[0]).toEqual({
      id: 'e1/1',
      executionId: 'e1',
      seq: 1,
      step: 1,
      stepName: 'b',
      state: { v: 1 },
      timestamp: T + 5,
    });
  });

  it('moves the head alone, writing no checkpoint item, when the commit keeps none', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const head = await store.commit({
      ...commitOf('e1', 0, 0, { v: 1 }, { now: T + 5, sweepAt: T + 50 }),
      checkpoint: false,
    });
    expect(head).toMatchObject({ state: 'running', currentStep: 1, stepRuns: 1, version: 1, data: { v: 1 } });
    expect(await store.get('e1')).toEqual(head);
    expect((await store.listCheckpoints('e1', { limit: 10 })).items.map((cp) => cp.seq)).toEqual([0]);
    // The next commit that keeps one writes it at its own sequence number: none is skipped or reused.
    await store.claim(claimOf('e1', 1, 1));
    await store.commit(commitOf('e1', 1, 1, { v: 2 }, { now: T + 6, sweepAt: T + 60 }));
    expect((await store.listCheckpoints('e1', { limit: 10 })).items.map((cp) => cp.seq)).toEqual([2, 0]);
  });

  it('runs claim, heartbeat and commit through every step to completed', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { stepNames: ['a', 'b'] }));
    let token = 0;
    for (const [step, output] of [
      [0, { n: 1 }],
      [1, { n: 2 }],
    ] as const) {
      const now = T + 1000 * (step + 1);
      const claimed = await store.claim(claimOf('e1', step, token, { owner: `w${step}`, now, leaseMs: 30_000 }));
      expect(claimed).toMatchObject({
        leaseOwner: `w${step}`,
        leaseExpiresAt: now + 30_000,
        claims: 1,
        currentStep: step,
      });
      const beat = await store.extendLease({ ...fence('e1', token, `w${step}`, now + 1), leaseMs: 30_000 });
      expect(beat).toEqual({ lost: false, state: 'running' });
      const committed = await store.commit(
        commitOf('e1', step, token, output, { owner: `w${step}`, now: now + 2, sweepAt: now + 60_000 }),
      );
      token = committed.version;
      expect(committed.version).toBe(step + 1);
      expect(committed.leaseOwner).toBeUndefined();
      expect(await store.get('e1')).toEqual(committed);
    }
    const done = await store.get('e1');
    expect(done).toMatchObject({
      state: 'completed',
      progress: 100,
      currentStep: 2,
      data: { n: 2 },
      endTime: T + 2002,
    });
    expect(done?.sweepAt).toBeUndefined();
    const page = await store.listCheckpoints('e1', { limit: 10 });
    expect(page.items.map((cp) => [cp.step, cp.state])).toEqual([
      [2, { n: 2 }],
      [1, { n: 1 }],
      [0, { v: 0 }],
    ]);
  });

  it('keeps a paused head paused, and completes it after the last step', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { stepNames: ['a', 'b'] }));
    await store.claim(claimOf('e1', 0, 0));
    await store.transition(pauseOf('e1', T + 2));
    const committed = await store.commit(commitOf('e1', 0, 0, 'o', { now: T + 3, sweepAt: T + 9 }));
    expect(committed).toMatchObject({ state: 'paused', currentStep: 1, version: 1, data: 'o' });
    expect(committed.events.map((e) => e.type)).toEqual(['paused']);
    expect(await store.claim(claimOf('e1', 1, 1))).toBeUndefined();
    await store.create(newExec('last', { stepNames: ['only'] }));
    await store.claim(claimOf('last', 0, 0));
    await store.transition(pauseOf('last'));
    const head = await store.commit(commitOf('last', 0, 0, 'done'));
    expect(head).toMatchObject({ state: 'completed', progress: 100, endTime: T, currentStep: 1, data: 'done' });
    expect(head.sweepAt).toBeUndefined();
  });

  it('refuses an output over the item limit with STATE_TOO_LARGE and writes nothing', async () => {
    const { store } = await make({ maxItemBytes: 2_000 });
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0));
    await expect(store.commit(commitOf('e1', 0, 0, 'y'.repeat(3_000)))).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
      details: { limitBytes: 2_000 },
    });
    expect(await store.get('e1')).toEqual(claimed);
    expect(claimed).toMatchObject({ version: 0, currentStep: 0, leaseOwner: 'w1' });
    expect((await store.listCheckpoints('e1', { limit: 10 })).items).toHaveLength(1);
  });

  it('holds a commit to 400 KB by default: refuses 401 KB, takes 300 KB', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0, { leaseMs: 30_000 }));
    const big = store.commit(commitOf('e1', 0, 0, 'x'.repeat(401 * 1024), { now: T + 1 }));
    await expect(big).rejects.toMatchObject({ code: 'STATE_TOO_LARGE', details: { limitBytes: MAX_ITEM_BYTES } });
    expect(await store.get('e1')).toEqual(claimed);
    expect((await store.listCheckpoints('e1', { limit: 10 })).items.map((cp) => cp.step)).toEqual([0]);
    const fits = 'y'.repeat(300 * 1024);
    const ok = await store.commit(commitOf('e1', 0, 0, fits, { now: T + 2 }));
    expect(ok.data).toBe(fits);
    expect((await store.listCheckpoints('e1', { limit: 1 })).items[0]?.state).toBe(fits);
  });

  it('refuses an output that has no JSON form with VALIDATION_ERROR and writes nothing', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0));
    await expect(store.commit(commitOf('e1', 0, 0, { n: 1n }))).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await store.get('e1')).toEqual(claimed);
    expect((await store.listCheckpoints('e1', { limit: 10 })).items).toHaveLength(1);
  });

  it('appends its events, keeping the last MAX_RECORDED_EVENTS', async () => {
    const { store } = await make();
    const events = Array.from({ length: MAX_RECORDED_EVENTS + 5 }, (_, i) => ({
      type: 'checkpointed' as const,
      step: 0,
      at: i,
    }));
    const { head } = await store.create(newExec('e1', { events }));
    expect(head.events).toHaveLength(MAX_RECORDED_EVENTS);
    expect(head.events[0]?.at).toBe(5);
    await store.claim(claimOf('e1', 0, 0));
    const completedEvent = { type: 'step_completed' as const, step: 0, at: 99 };
    const committed = await store.commit(commitOf('e1', 0, 0, 1, { events: [completedEvent] }));
    expect(committed.events).toHaveLength(MAX_RECORDED_EVENTS);
    expect(committed.events.at(-1)).toEqual(completedEvent);
    expect(committed.events[0]?.at).toBe(6);
    expect((await store.get('e1'))?.events).toEqual(committed.events);
  });
}
