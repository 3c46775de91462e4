import { describe, expect, it } from 'vitest';
import type { NamedStep } from '../../../lib/core/types.js';
import type { LimitSpec } from '../../../lib/core/limits.js';
import { InMemoryLimiter } from '../../../lib/testing/in-memory-limiter.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { throttleDelaySeconds } from '../../../lib/runtime/step-limits.js';
import { MAX_THROTTLE_DELAY_SECONDS, WAITER_STALE_MS } from '../../../lib/runtime/limit-decision.js';
import { executionView } from '../../../lib/runtime/execution-view.js';
import { countingSteps, gate, makeHarness, settle } from './harness.js';

type S = { n: number; tenant?: string };

function limitedHarness(steps: NamedStep<S>[], limits: LimitSpec<S>[] = [{ key: 'openai', concurrency: 1 }]) {
  const wf = defineWorkflow<S>({ name: 'limited', limits, steps });
  const h = makeHarness({ workflows: [wf, defineWorkflow({ name: 'five', steps: countingSteps(5) })] });
  const limiter = new InMemoryLimiter();
  h.deps.limiter = limiter;
  return { h, limiter };
}

describe('limits in the step processor', () => {
  it('costs a step without limits nothing extra: no limiter call, the same store calls', async () => {
    const { h, limiter } = limitedHarness([{ name: 'one', fn: (s) => s }]);
    await h.control.start({ workflow: 'five', input: { n: 0, trail: [] } });
    h.calls.clear();
    await h.drain();
    expect(limiter.writes).toBe(0);
    expect(await limiter.list(h.clock.now())).toEqual([]);
    expect(Object.fromEntries(h.calls)).toEqual({ claim: 5, commit: 5 });
  });

  it('reads and writes a rate-only key once a step (its token), a concurrency key twice (the slot, then its release)', async () => {
    const steps: NamedStep<S>[] = [{ name: 'one', fn: (s) => s }];
    const rate = limitedHarness(steps, [{ key: 'search', perSecond: 100 }]);
    await rate.h.control.start({ workflow: 'limited', input: { n: 0 } });
    await rate.h.drain();
    expect([rate.limiter.reads, rate.limiter.writes]).toEqual([1, 1]);
    const slot = limitedHarness(steps, [{ key: 'openai', concurrency: 2 }]);
    await slot.h.control.start({ workflow: 'limited', input: { n: 0 } });
    await slot.h.drain();
    expect([slot.limiter.reads, slot.limiter.writes]).toEqual([2, 2]);
    expect(await slot.limiter.list(slot.h.clock.now())).toEqual([{ key: 'openai', inUse: 0, limit: 2, waiting: 0 }]);
  });

  it("takes a step's own limits wherever it runs, in an execution of another workflow too", async () => {
    const held = gate();
    const search: NamedStep<S> = {
      name: 'search',
      fn: async (s) => {
        if (s.n === 1) await held.promise;
        return s;
      },
      limits: [{ key: 'openai', concurrency: 1 }],
    };
    const owner = defineWorkflow<S>({ name: 'owner', steps: [search] });
    const borrower = defineWorkflow<S>({ name: 'borrower', steps: [{ name: 'other', fn: (s) => s }] });
    const h = makeHarness({ workflows: [owner, borrower] });
    h.deps.limiter = new InMemoryLimiter();
    await h.control.start({ workflow: 'owner', input: { n: 1 } });
    await h.control.start({ workflow: 'borrower', input: { n: 2 }, steps: ['search'] });
    const [m1, m2] = h.queue.receive();
    const running = h.process(m1!.message);
    await settle();
    // The slot is held by the owner's execution: the borrowed step waits for it like any other.
    expect(await h.process(m2!.message)).toMatchObject({ status: 'throttled', key: 'openai' });
    held.open();
    expect(await running).toMatchObject({ status: 'completed' });
  });

  it("holds a step to its own tighter bound on the workflow's key: two limits on one key are one claim", async () => {
    let runs = 0;
    const wf = defineWorkflow<{ n: number }>({
      name: 'same-key',
      limits: [{ key: 'openai', concurrency: 10 }],
      steps: [{ name: 'call', fn: (s) => (runs++, s), limits: [{ key: 'openai', perMinute: 1 }] }],
    });
    const h = makeHarness({ workflows: [wf] });
    h.deps.limiter = new InMemoryLimiter();
    for (let n = 0; n < 3; n++) await h.control.start({ workflow: 'same-key', input: { n } });
    await h.drain();
    // perMinute 1 on the key: one run now, the other two refused and sent again later.
    expect(runs).toBe(1);
    expect(h.outcomes.filter((o) => o.status === 'throttled')).toHaveLength(2);
  });

  it('gives the claim back without counting an attempt when the key is full, and runs the step once it frees', async () => {
    const held = gate();
    let runs = 0;
    const { h, limiter } = limitedHarness([
      {
        name: 'call',
        fn: async (s) => {
          runs++;
          if (s.n === 1) await held.promise;
          return s;
        },
      },
    ]);
    const first = await h.control.start({ workflow: 'limited', input: { n: 1 } });
    const second = await h.control.start({ workflow: 'limited', input: { n: 2 } });
    const [m1, m2] = h.queue.receive();
    const running = h.process(m1!.message);
    await settle();
    const outcome = await h.process(m2!.message);
    expect(outcome).toMatchObject({ status: 'throttled', key: 'openai' });
    const waiting = (await h.store.get(second.head.id))!;
    expect(waiting.claims).toBe(0);
    expect(waiting.error).toBeUndefined();
    expect(waiting.leaseOwner).toBeUndefined();
    expect(waiting.throttled).toEqual({ key: 'openai', inUse: 1, limit: 1, since: h.clock.now() });
    expect(executionView(waiting).throttled?.message).toBe('throttled by openai (1/1 in use)');
    expect(executionView({ ...waiting, state: 'cancelled' }).throttled).toBeUndefined();
    const resent = h.queue.pending()[0]!;
    expect(resent.message).toMatchObject({ step: 0, token: 0, throttle: { count: 1, since: h.clock.now() } });
    expect(resent.visibleAt).toBeGreaterThan(h.clock.now());
    expect(await limiter.list(h.clock.now())).toEqual([{ key: 'openai', inUse: 1, limit: 1, waiting: 1 }]);

    held.open();
    expect(await running).toMatchObject({ status: 'completed' });
    expect(await limiter.list(h.clock.now())).toEqual([{ key: 'openai', inUse: 0, limit: 1, waiting: 1 }]);
    await h.clock.advance(2_000);
    await h.drain();
    const done = (await h.store.get(second.head.id))!;
    expect(done.state).toBe('completed');
    expect(done.throttled).toBeUndefined();
    expect(done.events.some((e) => e.type === 'step_failed')).toBe(false);
    expect(runs).toBe(2);
    expect((await h.store.get(first.head.id))!.state).toBe('completed');
    expect(await limiter.list(h.clock.now())).toEqual([{ key: 'openai', inUse: 0, limit: 1, waiting: 0 }]);
  });

  it('serves a saturated key in the order executions were first refused, with newcomers behind them', async () => {
    const held = gate();
    const order: number[] = [];
    const { h, limiter } = limitedHarness([
      {
        name: 'call',
        fn: async (s) => {
          order.push(s.n);
          if (s.n === 0) await held.promise;
          return s;
        },
      },
    ]);
    // Execution 0 holds the only slot; 1 to 5 arrive 100 ms apart and are refused.
    const ids = [(await h.control.start({ workflow: 'limited', input: { n: 0 } })).head.id];
    const [first] = h.queue.receive();
    const running = h.process(first!.message);
    await settle();
    for (let n = 1; n <= 5; n++) {
      await h.clock.advance(100);
      ids.push((await h.control.start({ workflow: 'limited', input: { n } })).head.id);
      await h.drain();
    }
    expect(await limiter.list(h.clock.now())).toEqual([{ key: 'openai', inUse: 1, limit: 1, waiting: 5 }]);
    held.open();
    expect(await running).toMatchObject({ status: 'completed' });
    // Newcomers keep arriving, one a second, while the waiters come back at their own (jittered) times;
    // batches run their messages at once, so waiters and newcomers race for the slot.
    for (let tick = 0; tick < 400 && order.length < 16; tick++) {
      await h.clock.advance(250);
      if (tick % 4 === 0 && tick < 40)
        ids.push((await h.control.start({ workflow: 'limited', input: { n: 100 + tick / 4 } })).head.id);
      await h.drain();
    }
    expect(order.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(order.slice(6).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    for (const id of ids) expect((await h.store.get(id))!.state).toBe('completed');
  });

  it('frees the slot of a worker that died holding it once the slot lease passes', async () => {
    const { h, limiter } = limitedHarness([{ name: 'call', fn: (s) => s }]);
    await limiter.acquire({
      key: 'openai',
      executionId: 'dead',
      holderId: 'dead#w',
      leaseUntil: h.clock.now() + 5_000,
      now: h.clock.now(),
      concurrency: 1,
    });
    const { head } = await h.control.start({ workflow: 'limited', input: { n: 1 } });
    await h.drain();
    expect(h.outcomes.at(-1)).toMatchObject({ status: 'throttled' });
    for (let i = 0; i < 10 && (await h.store.get(head.id))!.state !== 'completed'; i++) {
      await h.clock.advance(2_000);
      await h.drain();
    }
    expect((await h.store.get(head.id))!.state).toBe('completed');
  });

  it('fails the attempt with an error naming the step when the key function throws, retried like any failure', async () => {
    const { h, limiter } = limitedHarness(
      [{ name: 'call', fn: (s) => s }],
      [
        {
          key: (s: S) => {
            if (s.tenant === undefined) throw new Error('no tenant');
            return s.tenant;
          },
          concurrency: 1,
        },
      ],
    );
    const { head } = await h.control.start({ workflow: 'limited', input: { n: 1 } });
    await h.drain();
    expect(h.outcomes.at(-1)).toMatchObject({
      status: 'retrying',
      attempt: 0,
      error: { code: 'STEP_FAILED', message: 'the limit key function of step "call" threw: no tenant' },
    });
    for (let i = 0; i < 20 && (await h.store.get(head.id))!.state === 'running'; i++) {
      await h.clock.advance(60_000);
      await h.drain();
    }
    const failed = (await h.store.get(head.id))!;
    expect(failed.state).toBe('failed');
    expect(failed.error?.message).toBe('the limit key function of step "call" threw: no tenant');
    expect(h.outcomes.filter((o) => o.status === 'retrying')).toHaveLength(h.deps.maxRetries ?? 3);
    expect(limiter.writes).toBe(0);
  });

  it('refuses a throttle delay cap that would let a waiter lose its place in the queue', () => {
    const { h } = limitedHarness([{ name: 'one', fn: (s) => s }]);
    const cap = (throttleMaxDelaySeconds: number) =>
      h.process({ v: 1, executionId: 'x', step: 0, token: 0 }, { throttleMaxDelaySeconds });
    expect(MAX_THROTTLE_DELAY_SECONDS * 1000).toBeLessThan(WAITER_STALE_MS);
    return Promise.all([
      expect(cap(MAX_THROTTLE_DELAY_SECONDS + 1)).rejects.toThrow(
        `throttleMaxDelaySeconds must be from 1 to ${MAX_THROTTLE_DELAY_SECONDS}`,
      ),
      expect(cap(0)).rejects.toThrow('throttleMaxDelaySeconds must be from 1'),
    ]);
  });

  it('grows the delay with each refusal in a row, jittered, up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => throttleDelaySeconds(n, 30, () => 0))).toEqual([1, 2, 4, 8, 16, 30, 30]);
    expect(throttleDelaySeconds(4, 30, () => 0.999)).toBe(12);
    expect(throttleDelaySeconds(0, 30, () => 0.999)).toBe(1);
  });
});

describe('a runtime without a limiter', () => {
  it('parks a limited step as paused with an error that says what to pass', async () => {
    const wf = defineWorkflow<S>({
      name: 'limited',
      limits: [{ key: 'openai', concurrency: 1 }],
      steps: [{ name: 'call', fn: (s) => s }],
    });
    const h = makeHarness({ workflows: [wf] });
    const { head } = await h.control.start({ workflow: 'limited', input: { n: 1 } });
    await h.drain();
    const parked = (await h.store.get(head.id))!;
    expect(parked.state).toBe('paused');
    expect(parked.claims).toBe(1);
    expect(parked.error?.message).toMatch(/step "call" has limits, but the runtime has no limiter/);
  });
});
