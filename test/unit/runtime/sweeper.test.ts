import { describe, expect, it, vi } from 'vitest';
import type { StepContext } from '../../../lib/core/types.js';
import { ControlPlane } from '../../../lib/runtime/control-plane.js';
import type { StepMessage } from '../../../lib/runtime/model.js';
import type { StepQueue } from '../../../lib/runtime/ports.js';
import { sweep } from '../../../lib/runtime/sweeper.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { keptSweepAt } from '../../../lib/runtime/head-changes.js';
import { countingSteps, makeHarness, T0 } from './harness.js';

type S = { n: number; trail: string[] };
const input: S = { n: 0, trail: [] };
const STALL = 60_000;
const downQueue: StepQueue = { send: () => Promise.reject(new Error('SQS unavailable')) };

describe('sweep', () => {
  it('recovers a crash after commit and before enqueue, once stallAfterMs has passed', async () => {
    const h = makeHarness({ config: { stallAfterMs: STALL } });
    const { head } = await h.control.start({ workflow: 'five', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    await expect(h.process(message, { queue: downQueue })).rejects.toThrow('SQS unavailable');
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'running', currentStep: 1, version: 1 });
    expect(await h.process(message)).toMatchObject({ status: 'dropped', reason: 'not-claimable' }); // SQS redelivery
    await h.clock.advance(STALL - 1);
    expect(await h.sweep()).toEqual({ examined: 0, reenqueued: 0 });
    await h.clock.advance(1);
    expect(await h.sweep()).toEqual({ examined: 1, reenqueued: 1 });
    expect(h.queue.pending().map((m) => m.message)).toEqual([{ v: 1, executionId: head.id, step: 1, token: 1 }]);
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 5 } });
  });

  it('finds an execution whose first message was never sent', async () => {
    const h = makeHarness({ config: { stallAfterMs: STALL } });
    const control = new ControlPlane({ ...h.deps, queue: downQueue });
    await expect(control.start({ workflow: 'five', input, idempotencyKey: 'k1' })).rejects.toThrow('SQS unavailable');
    // Nobody retries the start: the sweeper finds it.
    const [created] = (await h.control.list()).items;
    expect(h.queue.size).toBe(0);
    await h.clock.advance(STALL);
    expect(await h.sweep()).toEqual({ examined: 1, reenqueued: 1 });
    await h.drain();
    expect((await h.control.get(created?.id ?? '')).head.state).toBe('completed');
  });

  it('recovers a worker that died mid-step after its lease lapses, even if its message is lost', async () => {
    const attempts: number[] = [];
    const [a] = countingSteps(1);
    const steps = [{ name: 'a', fn: (s: S, ctx: StepContext) => (attempts.push(ctx.attempt), a!.fn(s, ctx)) }];
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'one', steps })],
      config: { stallAfterMs: STALL, leaseMs: 120_000, heartbeatMs: 30_000 },
    });
    const { head } = await h.control.start({ workflow: 'one', input });
    h.queue.clear();
    await h.store.claim({ id: head.id, token: 0, owner: 'dead', now: h.clock.now(), step: 0, leaseMs: 120_000 });
    await h.clock.advance(STALL);
    expect(await h.sweep()).toEqual({ examined: 0, reenqueued: 0 }); // due, but the lease is live
    await h.clock.advance(120_000 - STALL);
    expect(await h.sweep()).toEqual({ examined: 1, reenqueued: 1 });
    await h.drain();
    expect(attempts).toEqual([1]);
    expect((await h.control.get(head.id)).head.state).toBe('completed');
  });

  it('leaves paused, finished and delayed-retry executions alone', async () => {
    const h = makeHarness({
      workflows: [
        defineWorkflow({ name: 'five', steps: countingSteps(5) }),
        defineWorkflow({ name: 'bad', steps: [{ name: 'bad', fn: () => Promise.reject(new Error('x')) }] }),
      ],
      config: { stallAfterMs: STALL, retryBaseDelayMs: 900_000, retryMaxDelayMs: 900_000 },
    });
    const paused = (await h.control.start({ workflow: 'five', input })).head.id;
    await h.control.pause(paused);
    const done = (await h.control.start({ workflow: 'five', input, idempotencyKey: 'd' })).head.id;
    await h.control.start({ workflow: 'bad', input });
    await h.drain();
    expect((await h.control.get(done)).head.state).toBe('completed');
    expect(h.queue.pending().map((m) => m.delaySeconds)).toEqual([900]);
    await h.clock.advance(900_000 + STALL - 1);
    expect(await h.sweep()).toEqual({ examined: 0, reenqueued: 0 });
    await h.clock.advance(1);
    expect(await h.sweep()).toMatchObject({ examined: 1 });
  });

  it('is safe to run concurrently: duplicate messages never run a step twice', async () => {
    const runs = vi.fn((s: S) => ({ ...s, n: s.n + 1 }));
    const h = makeHarness({
      workflows: [
        defineWorkflow<S>({
          name: 'one',
          steps: [
            { name: 'a', fn: runs },
            { name: 'b', fn: runs },
          ],
        }),
      ],
      config: { stallAfterMs: STALL },
    });
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await h.control.start({ workflow: 'one', input })).head.id),
    );
    h.queue.clear();
    await h.clock.advance(STALL);
    const results = await Promise.all([h.sweep(), h.sweep(), h.sweep()]);
    expect(results.map((r) => r.reenqueued)).toEqual([3, 3, 3]);
    await h.drain();
    expect(runs).toHaveBeenCalledTimes(6);
    for (const id of ids) expect((await h.control.get(id)).head).toMatchObject({ state: 'completed', data: { n: 2 } });
  });

  it('honours the limit and rethrows a send failure after trying every execution, leaving all three due', async () => {
    const h = makeHarness({ config: { stallAfterMs: STALL } });
    for (let i = 0; i < 3; i++) await h.control.start({ workflow: 'five', input });
    h.queue.clear();
    await h.clock.advance(STALL);
    const sends = vi.fn(() => Promise.reject(new Error('throttled')));
    await expect(sweep({ limit: 10 }, { ...h.deps, queue: { send: sends } })).rejects.toThrow('throttled');
    expect(sends).toHaveBeenCalledTimes(3);
    expect(await h.sweep(2)).toEqual({ examined: 2, reenqueued: 2 });
    expect(await h.sweep()).toEqual({ examined: 1, reenqueued: 1 });
    expect(h.queue.size).toBe(3);
  });

  it('sends one copy per stall threshold while the first one waits in a backlogged queue', async () => {
    const h = makeHarness({ config: { stallAfterMs: STALL } });
    const { head } = await h.control.start({ workflow: 'five', input });
    h.queue.clear();
    await h.clock.advance(STALL);
    expect(await h.sweep()).toEqual({ examined: 1, reenqueued: 1 });
    const resent = await h.control.get(head.id);
    expect(resent.head).toMatchObject({
      version: head.version,
      lastUpdate: head.lastUpdate,
      sweepAt: h.clock.now() + STALL,
    });
    await h.clock.advance(STALL - 1);
    expect(await h.sweep()).toEqual({ examined: 0, reenqueued: 0 });
    await h.clock.advance(1);
    expect(await h.sweep()).toEqual({ examined: 1, reenqueued: 1 });
    expect(h.queue.size).toBe(2);
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 5 } });
  });

  it('leaves a head alone that a worker claimed between the sweep reading it and moving its sweepAt', async () => {
    const h = makeHarness({ config: { stallAfterMs: STALL } });
    const { head } = await h.control.start({ workflow: 'five', input });
    h.queue.clear();
    await h.clock.advance(STALL);
    const claimFirst: StepQueue = {
      send: async (message) => {
        await h.queue.send(message);
        await h.store.claim({ id: head.id, token: 0, owner: 'w', now: h.clock.now(), step: 0, leaseMs: 30_000 });
      },
    };
    expect(await sweep({}, { ...h.deps, queue: claimFirst })).toEqual({ examined: 1, reenqueued: 1 });
    expect((await h.control.get(head.id)).head).toMatchObject({ leaseOwner: 'w', sweepAt: head.sweepAt, claims: 1 });
  });

  it('takes a per-sweep stallAfterMs that shifts the cut-off exactly', async () => {
    const h = makeHarness({ config: { stallAfterMs: STALL } });
    await h.control.start({ workflow: 'five', input });
    h.queue.receive(); // the first message is lost
    await h.clock.advance(10_000);
    expect(await sweep({ now: h.clock.now(), stallAfterMs: 10_001 }, h.deps)).toEqual({ examined: 0, reenqueued: 0 });
    expect(await sweep({ now: h.clock.now(), stallAfterMs: 10_000 }, h.deps)).toEqual({ examined: 1, reenqueued: 1 });
    await expect(sweep({ stallAfterMs: -1 }, h.deps)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

describe('the sweepAt a commit leaves', () => {
  it('stays put while it is at least half a stall threshold away, so quick steps do not move the index entry', () => {
    expect(keptSweepAt(T0 + 60_000, T0 + 1_000, T0 + 61_000)).toBe(T0 + 60_000);
    expect(keptSweepAt(T0 + 60_000, T0 + 30_000, T0 + 90_000)).toBe(T0 + 60_000); // exactly half away
    expect(keptSweepAt(T0 + 60_000, T0 + 30_001, T0 + 90_001)).toBe(T0 + 90_001);
    expect(keptSweepAt(T0 + 95_000, T0 + 30_000, T0 + 90_000)).toBe(T0 + 90_000); // never later than now + threshold
    expect(keptSweepAt(undefined, T0, T0 + 60_000)).toBe(T0 + 60_000);
  });

  it('keeps the start sweepAt across quick steps and moves it once half the threshold has passed', async () => {
    const h = makeHarness({ config: { stallAfterMs: STALL } });
    const { head } = await h.control.start({ workflow: 'five', input });
    const sweepAts: (number | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const [message] = h.queue.receive();
      await h.process(message!.message);
      sweepAts.push((await h.store.get(head.id))?.sweepAt);
      await h.clock.advance(STALL / 4);
    }
    // Commits at 0, 15 and 30 s keep T0 + 60 s; the one at 45 s is less than half a threshold from it.
    expect(sweepAts).toEqual([T0 + STALL, T0 + STALL, T0 + STALL, T0 + (3 * STALL) / 4 + STALL]);
  });
});
