import { describe, expect, it } from 'vitest';
import type { StepContext } from '../../../lib/core/types.js';
import type { StepMessage } from '../../../lib/runtime/model.js';
import { CHAIN_MIN_REMAINING_MS, MAX_CHAINED_STEPS } from '../../../lib/runtime/step-chain.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { InMemoryLimiter } from '../../../lib/testing/in-memory-limiter.js';
import { LargeStateExecutionStore } from '../../../lib/aws/large-state/large-state-store.js';
import { MemoryStateObjects } from '../../support/memory-state-objects.js';
import { countingSteps, gate, makeHarness, overriding, T0 } from './harness.js';

type S = { n: number; trail: string[] };
const input: S = { n: 0, trail: [] };
const chained = (steps = countingSteps(5)) => defineWorkflow({ name: 'chained', steps, chainSteps: true });
const BUFFER_MS = 5_000; // the runtime's default deadline buffer

/** Settles only by rejecting, when the step's signal aborts (a step that runs into the deadline). */
function untilAborted(ctx: StepContext): Promise<never> {
  return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
}

/** `countingSteps(n)` whose step `at` first awaits `first(state, ctx)`, then counts as the others do. */
function countingStepsWith(n: number, at: number, first: (state: S, ctx: StepContext) => unknown) {
  return countingSteps(n).map((s, i) =>
    i === at ? { ...s, fn: async (st: S, ctx: StepContext) => (await first(st, ctx), s.fn(st, ctx)) } : s,
  );
}

/** Three counting steps whose step 1 calls `onRun`, then runs into the deadline until `stopHanging()`. */
function hangingAtStep1(onRun: (ctx: StepContext) => void) {
  let hang = true;
  const steps = countingStepsWith(3, 1, (_st, ctx) => (onRun(ctx), hang ? untilAborted(ctx) : undefined));
  return { steps, stopHanging: () => void (hang = false) };
}

/** A chained 4-step execution whose one message is being processed, held inside step `held` until `release()`. */
async function heldAtStep(held: number) {
  const during = gate();
  const release = gate();
  const steps = countingStepsWith(4, held, () => (during.open(), release.promise));
  const h = makeHarness({ workflows: [chained(steps)] });
  const { head } = await h.control.start({ workflow: 'chained', input });
  const running = h.process(h.queue.receive()[0]?.message);
  await during.promise;
  return { h, head, running, release: () => release.open() };
}

describe('chainSteps: the next step in the same invocation', () => {
  it('runs a 5-step execution from one message: one claim, five commits, no send after the start', async () => {
    const h = makeHarness({ workflows: [chained()] });
    const { head } = await h.control.start({ workflow: 'chained', input });
    const sentAtStart = h.queue.sent.length;
    h.calls.clear();
    expect(await h.drain()).toBe(1);
    expect(h.outcomes).toEqual([expect.objectContaining({ status: 'completed', step: 4, chained: 4 })]);
    expect(Object.fromEntries(h.calls)).toEqual({ claim: 1, commit: 5 });
    expect(h.queue.sent.length).toBe(sentAtStart);
    const { head: done, checkpoints } = await h.control.get(head.id, { checkpointsLimit: 10 });
    expect(done).toMatchObject({ state: 'completed', data: { n: 5 }, version: 5, claims: 0 });
    expect(done.leaseOwner).toBeUndefined();
    expect(checkpoints.items.map((c) => c.step)).toEqual([5, 4, 3, 2, 1, 0]);
    // Every step still reports its start and its checkpoint.
    expect(h.events.filter((e) => e.type === 'step_started').map((e) => e.step)).toEqual([0, 1, 2, 3, 4]);
  });

  it('does not chain a workflow without chainSteps: the cost of record stays one step per message', async () => {
    const h = makeHarness();
    await h.control.start({ workflow: 'five', input });
    expect(await h.drain()).toBe(5);
    expect(h.outcomes.every((o) => o.chained === undefined)).toBe(true);
  });

  it('sends a message instead when the invocation has too little time left', async () => {
    const h = makeHarness({ workflows: [chained(countingSteps(3))] });
    await h.control.start({ workflow: 'chained', input });
    const short = h.clock.now() + BUFFER_MS + CHAIN_MIN_REMAINING_MS - 1;
    const first = await h.process(h.queue.receive()[0]?.message, {}, short);
    expect(first).toMatchObject({ status: 'committed', step: 0, enqueued: true });
    expect(first.chained).toBeUndefined();
    const enough = h.clock.now() + BUFFER_MS + CHAIN_MIN_REMAINING_MS;
    const rest = await h.process(h.queue.receive()[0]?.message, {}, enough);
    expect(rest).toMatchObject({ status: 'completed', step: 2, chained: 1 });
  });

  it('keeps time for a step twice as long as the longest it ran', async () => {
    const slow = gate();
    const steps = countingStepsWith(3, 0, () => slow.promise);
    const h = makeHarness({ workflows: [chained(steps)], config: { heartbeatMs: 60_000, leaseMs: 120_000 } });
    await h.control.start({ workflow: 'chained', input });
    // 40 s of the 60 s left go to step 0: 15 s remain after the buffer, less than 2 x 40 s.
    const running = h.process(h.queue.receive()[0]?.message, {}, h.clock.now() + 60_000);
    await h.clock.advance(40_000);
    slow.open();
    expect(await running).toMatchObject({ status: 'committed', step: 0, enqueued: true });
  });

  it('sends a chained step that ran into the invocation deadline to an invocation of its own, without counting an attempt', async () => {
    const attempts: number[] = [];
    const { steps, stopHanging } = hangingAtStep1((ctx) => attempts.push(ctx.attempt));
    const h = makeHarness({ workflows: [chained(steps)], config: { leaseMs: 120_000, heartbeatMs: 60_000 } });
    const { head } = await h.control.start({ workflow: 'chained', input });
    const running = h.process(h.queue.receive()[0]?.message, {}, h.clock.now() + 60_000);
    await h.clock.advance(55_000); // the step's budget: 60 s less the 5 s buffer
    expect(await running).toMatchObject({ status: 'requeued', step: 1, chained: 1 });
    const handed = await h.store.get(head.id);
    expect(handed).toMatchObject({ state: 'running', currentStep: 1, claims: 0, data: { n: 1 } });
    expect(handed?.leaseOwner).toBeUndefined();
    expect(h.queue.sent.at(-1)).toMatchObject({ message: { v: 1, executionId: head.id, step: 1, token: 1 } });
    stopHanging();
    await h.drain();
    expect(attempts).toEqual([0, 0]);
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed', data: { n: 3 } });
  });

  it('hands back the committed state, not one the timed-out step changed in place', async () => {
    const steps = countingStepsWith(2, 1, (st, ctx) => {
      st.n = 999;
      st.trail.push('half-done');
      return untilAborted(ctx);
    });
    const h = makeHarness({ workflows: [chained(steps)], config: { leaseMs: 120_000, heartbeatMs: 60_000 } });
    const { head } = await h.control.start({ workflow: 'chained', input });
    const processing = h.process(h.queue.receive()[0]?.message, {}, h.clock.now() + 60_000);
    await h.clock.advance(55_000);
    expect(await processing).toMatchObject({ status: 'requeued', step: 1 });
    expect((await h.store.get(head.id))?.data).toEqual({ n: 1, trail: ['s0'] });
  });

  it('hands back on the head as it stands when an event or a pause landed during the chained step', async () => {
    for (const landed of ['event', 'pause'] as const) {
      const running = gate();
      const { steps, stopHanging } = hangingAtStep1(() => running.open());
      const h = makeHarness({ workflows: [chained(steps)], config: { leaseMs: 120_000, heartbeatMs: 60_000 } });
      const { head } = await h.control.start({ workflow: 'chained', input });
      const sentBefore = h.queue.sent.length;
      const processing = h.process(h.queue.receive()[0]?.message, {}, h.clock.now() + 60_000);
      await running.promise;
      if (landed === 'event') await h.control.sendEvent(head.id, { type: 'note', payload: 1 });
      else await h.control.pause(head.id);
      const landedHead = await h.store.get(head.id);
      await h.clock.advance(55_000);
      expect(await processing, landed).toMatchObject({ status: 'requeued', step: 1, chained: 1 });
      const handed = await h.store.get(head.id);
      expect(handed, landed).toMatchObject({ currentStep: 1, claims: 0, data: { n: 1 } });
      expect(handed?.leaseOwner, landed).toBeUndefined();
      stopHanging();
      if (landed === 'event') {
        expect(handed).toMatchObject({ state: 'running', inboxSeq: 1 });
        expect(h.queue.sent.length - sentBefore).toBe(1);
      } else {
        expect(handed).toMatchObject({ state: 'paused' });
        expect(handed?.sweepAt).toBe(landedHead?.sweepAt); // as the pause left it
        expect(h.queue.sent.length).toBe(sentBefore); // resume sends the step
        await h.control.resume(head.id);
      }
      await h.drain();
      expect(await h.store.get(head.id), landed).toMatchObject({ state: 'completed', data: { n: 3 } });
    }
  });

  it("counts the attempt of a message's own step that runs into the deadline, as without chainSteps", async () => {
    const steps = [
      {
        name: 'slow',
        fn: (_s: S, ctx: StepContext) =>
          new Promise<S>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error))),
      },
    ];
    const h = makeHarness({ workflows: [chained(steps)], config: { leaseMs: 120_000, heartbeatMs: 60_000 } });
    await h.control.start({ workflow: 'chained', input });
    const running = h.process(h.queue.receive()[0]?.message, {}, h.clock.now() + 60_000);
    await h.clock.advance(55_000);
    expect(await running).toMatchObject({ status: 'retrying', attempt: 0, error: { code: 'STEP_TIMEOUT' } });
  });

  it('stops at a wait, and the wake runs on as usual', async () => {
    const steps = [
      { name: 'a', fn: (s: S) => ({ ...s, n: s.n + 1 }) },
      { name: 'nap', fn: (s: S, ctx: StepContext) => ctx.sleep(1_000, { ...s, n: s.n + 1 }) },
      { name: 'c', fn: (s: S) => ({ ...s, n: s.n + 1 }) },
    ];
    const h = makeHarness({ workflows: [chained(steps)] });
    const { head } = await h.control.start({ workflow: 'chained', input });
    await h.drain();
    expect(h.outcomes).toEqual([expect.objectContaining({ status: 'waiting', step: 1, chained: 1 })]);
    expect((await h.store.get(head.id))?.leaseOwner).toBeUndefined();
    await h.clock.advance(1_000);
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed', data: { n: 3 } });
  });

  it('stops when the execution is paused during a chained step, and resume goes on', async () => {
    const { h, head, running, release } = await heldAtStep(1);
    await h.control.pause(head.id);
    release();
    expect(await running).toMatchObject({ status: 'committed', step: 1, enqueued: false, chained: 1 });
    const paused = await h.store.get(head.id);
    expect(paused).toMatchObject({ state: 'paused', currentStep: 2, data: { n: 2 } });
    expect(paused?.leaseOwner).toBeUndefined();
    expect(h.queue.size).toBe(0);
    await h.control.resume(head.id);
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed', data: { n: 4 } });
  });

  it('stops when the execution is cancelled during a chained step', async () => {
    const { h, head, running, release } = await heldAtStep(2);
    await h.control.cancel(head.id);
    release();
    expect(await running).toMatchObject({ status: 'dropped', step: 2, chained: 2 });
    expect(await h.store.get(head.id)).toMatchObject({ state: 'cancelled', stepRuns: 2 });
  });

  it('recovers a worker that stopped after a commit claimed the next step: the sweeper sends it once the lease lapses', async () => {
    const h = makeHarness({ workflows: [chained(countingSteps(3))], config: { leaseMs: 30_000 } });
    const { head } = await h.control.start({ workflow: 'chained', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    // The second commit does not land: the worker dies with step 1 claimed by the first.
    let commits = 0;
    const dying = overriding(h.memory, {
      commit: (req) => (++commits >= 2 ? Promise.reject(new Error('worker killed')) : h.memory.commit(req)),
    });
    await expect(h.process(message, { store: dying })).rejects.toThrow('worker killed');
    const stranded = await h.store.get(head.id);
    expect(stranded).toMatchObject({ state: 'running', currentStep: 1, claims: 1, data: { n: 1 } });
    expect(stranded?.leaseExpiresAt).toBe(T0 + 30_000);
    // The redelivered message is stale; nothing else is in flight until the sweeper looks.
    expect(await h.process(message)).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    await h.clock.advance(Math.max(30_000, (stranded?.sweepAt ?? 0) - T0));
    expect(await h.sweep()).toMatchObject({ reenqueued: 1 });
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed', data: { n: 3 } });
    const retried = h.outcomes.at(-1);
    expect(retried).toMatchObject({ status: 'completed', chained: 1 });
  });

  it("gives a limited step's slot back before the chained step after it runs", async () => {
    const inSecond = gate();
    const release = gate();
    const steps = [
      { name: 'limited', fn: (s: S) => ({ ...s, n: s.n + 1 }), limits: [{ key: 'api', concurrency: 1 }] },
      { name: 'free', fn: async (s: S) => (inSecond.open(), await release.promise, { ...s, n: s.n + 1 }) },
    ];
    const h = makeHarness({ workflows: [chained(steps)] });
    const limiter = new InMemoryLimiter();
    h.deps.limiter = limiter;
    await h.control.start({ workflow: 'chained', input });
    const running = h.process(h.queue.receive()[0]?.message);
    await inSecond.promise;
    expect(await limiter.list(h.clock.now())).toEqual([{ key: 'api', inUse: 0, limit: 1, waiting: 0 }]);
    release.open();
    expect(await running).toMatchObject({ status: 'completed', chained: 1 });
  });

  it('runs a chained step on the state itself when the store keeps it as an object (a large state)', async () => {
    const seen: unknown[] = [];
    const big = 'x'.repeat(500);
    const steps = [
      { name: 'grow', fn: (s: S) => ({ ...s, n: s.n + 1, big }) },
      { name: 'look', fn: (s: S) => (seen.push(s), { ...s, n: s.n + 1 }) },
      { name: 'goto-back', fn: (s: S, ctx: StepContext) => (s.n < 4 ? ctx.goto('look', s) : s) },
    ];
    const h = makeHarness({ workflows: [chained(steps)] });
    const objects = new MemoryStateObjects();
    const store = new LargeStateExecutionStore(h.memory, { objects, thresholdBytes: 100 });
    const { head } = await h.control.start({ workflow: 'chained', input });
    await h.drain({ store });
    expect(seen).toEqual([
      { n: 1, trail: [], big },
      { n: 2, trail: [], big },
      { n: 3, trail: [], big },
    ]);
    expect(h.outcomes).toEqual([expect.objectContaining({ status: 'completed', chained: 6 })]);
    expect(await store.get(head.id).then((h2) => h2 && store.readState(h2.data))).toEqual({ n: 4, trail: [], big });
  });

  it(`chains at most ${MAX_CHAINED_STEPS} steps after a message's own, then sends the next`, async () => {
    const h = makeHarness({ workflows: [chained(countingSteps(MAX_CHAINED_STEPS + 3))] });
    await h.control.start({ workflow: 'chained', input });
    const first = await h.process(h.queue.receive()[0]?.message);
    expect(first).toMatchObject({ status: 'committed', step: MAX_CHAINED_STEPS, chained: MAX_CHAINED_STEPS });
    expect(h.queue.receive().map((m) => (m.message as StepMessage).step)).toEqual([MAX_CHAINED_STEPS + 1]);
  });

  it('refuses a chainSteps that is not a boolean, naming the workflow', () => {
    expect(() =>
      defineWorkflow({ name: 'w', steps: countingSteps(1), chainSteps: 'yes' as unknown as boolean }),
    ).toThrow('workflow w: chainSteps must be true or false, got "yes"');
  });
});
