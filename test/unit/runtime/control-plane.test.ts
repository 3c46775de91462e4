import { describe, expect, it, vi } from 'vitest';
import type { StepContext } from '../../../lib/core/types.js';
import { ControlPlane } from '../../../lib/runtime/control-plane.js';
import type { StepMessage } from '../../../lib/runtime/model.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { countingSteps, gate, makeHarness, overriding, settle, settledFlag, T0 } from './harness.js';

type S = { n: number; trail: string[] };
const input: S = { n: 0, trail: [] };

/** A 3-step workflow whose middle step waits for the test to open its gate. */
function gatedHarness(config: Parameters<typeof makeHarness>[0] = {}) {
  const entered = gate<StepContext>();
  const release = gate<undefined>();
  const runs = vi.fn();
  const [a, b, c] = countingSteps(3);
  const steps = [
    a!,
    {
      name: b!.name,
      fn: async (s: S, ctx: StepContext) => {
        runs(ctx.attempt);
        entered.open(ctx);
        await release.promise;
        return b!.fn(s, ctx);
      },
    },
    c!,
  ];
  const h = makeHarness({ workflows: [defineWorkflow<S>({ name: 'gated', steps })], ...config });
  return { h, entered, release, runs };
}

describe('ControlPlane.start', () => {
  it('creates a running execution and sends step 0 with token 0', async () => {
    const h = makeHarness();
    const { head, created } = await h.control.start({ workflow: 'five', input, name: 'mine', metadata: { team: 'a' } });
    expect(created).toBe(true);
    expect(head.id).toMatch(/^exec_[0-9a-f]{32}$/);
    expect(head).toMatchObject({
      name: 'mine',
      workflow: 'five',
      state: 'running',
      stepNames: ['s0', 's1', 's2', 's3', 's4'],
      metadata: { team: 'a' },
      startTime: T0,
    });
    expect(h.queue.sent.map((m) => m.message)).toEqual([{ v: 1, executionId: head.id, step: 0, token: 0 }]);
  });

  it('names the execution after its workflow by default', async () => {
    const h = makeHarness();
    expect((await h.control.start({ workflow: 'five', input })).head.name).toBe('five');
  });

  it('runs an explicit list of registered steps in the given order', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input, steps: ['s4', 's0', 's4'] });
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({
      state: 'completed',
      totalSteps: 3,
      data: { n: 3, trail: ['s4', 's0', 's4'] },
    });
  });

  it('returns the first execution for a repeated idempotency key, and runs its steps once', async () => {
    const h = makeHarness();
    const first = await h.control.start({ workflow: 'five', input, idempotencyKey: 'order-42' });
    const second = await h.control.start({ workflow: 'five', input: { n: 9, trail: [] }, idempotencyKey: 'order-42' });
    expect(second).toEqual({ head: first.head, created: false });
    expect((await h.control.list()).items).toHaveLength(1);
    await h.drain();
    expect(h.outcomes.filter((o) => o.status === 'dropped')).toHaveLength(1); // the second start's send
    expect((await h.control.get(first.head.id)).head).toMatchObject({ state: 'completed', data: { n: 5 } });
  });

  it.each([
    ['an unregistered workflow', { workflow: 'nope', input }],
    ['an empty step list', { workflow: 'five', input, steps: [] }],
    ['an unregistered step', { workflow: 'five', input, steps: ['s0', 'ghost'] }],
    ['an undefined input', { workflow: 'five', input: undefined }],
    ['a function in the input', { workflow: 'five', input: { f: () => 1 } }],
    ['a bigint in the input', { workflow: 'five', input: { big: 1n } }],
    [
      'a circular input',
      {
        workflow: 'five',
        input: (() => {
          const o: Record<string, unknown> = {};
          o['self'] = o;
          return o;
        })(),
      },
    ],
    ['an unsafe idempotency key', { workflow: 'five', input, idempotencyKey: '../k' }],
    ['a non-string metadata value', { workflow: 'five', input, metadata: { n: 1 } }],
    // As JSON.parse reads a body: an own key, which assigning it would drop silently.
    ['a metadata key "__proto__"', { workflow: 'five', input, metadata: JSON.parse('{"__proto__":"x"}') as unknown }],
    ['an empty name', { workflow: 'five', input, name: '' }],
  ])('refuses %s with VALIDATION_ERROR, creating and sending nothing', async (_what, request) => {
    const h = makeHarness();
    await expect(h.control.start(request as never)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await h.control.list()).items).toEqual([]);
    expect(h.queue.sent).toEqual([]);
  });
});

describe('ControlPlane get and list', () => {
  it('returns the head with a page of checkpoints, newest first', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    await h.drain();
    const first = await h.control.get(head.id, { checkpointsLimit: 4 });
    expect(first.checkpoints.items.map((c) => c.step)).toEqual([5, 4, 3, 2]);
    const rest = await h.control.get(head.id, {
      checkpointsLimit: 4,
      checkpointsNextToken: first.checkpoints.nextToken ?? '',
    });
    expect(rest.checkpoints.items.map((c) => c.step)).toEqual([1, 0]);
    expect(rest.checkpoints.nextToken).toBeUndefined();
    await expect(h.control.get(head.id, { checkpointsNextToken: 'forged' })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    await expect(h.control.get(head.id, { checkpointsLimit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('reports unknown ids as NOT_FOUND and unsafe ids as VALIDATION_ERROR', async () => {
    const h = makeHarness();
    await expect(h.control.get('exec_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const action of ['pause', 'resume', 'cancel', 'retry', 'delete'] as const) {
      await expect(h.control[action]('exec_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(h.control[action]('../etc/passwd')).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    }
  });

  it('lists newest first, filtered by state and workflow, in pages', async () => {
    const h = makeHarness({
      workflows: [
        defineWorkflow({ name: 'five', steps: countingSteps(5) }),
        defineWorkflow({ name: 'one', steps: countingSteps(1, 'o') }),
      ],
    });
    const ids: string[] = [];
    for (const workflow of ['five', 'one', 'five']) {
      ids.push((await h.control.start({ workflow, input })).head.id);
      await h.clock.advance(1);
    }
    await h.control.cancel(ids[2]!);
    const page1 = await h.control.list({ limit: 2 });
    const page2 = await h.control.list({ limit: 2, nextToken: page1.nextToken ?? '' });
    expect([...page1.items, ...page2.items].map((x) => x.id)).toEqual([...ids].reverse());
    expect((await h.control.list({ workflow: 'five' })).items.map((x) => x.id)).toEqual([ids[2], ids[0]]);
    expect((await h.control.list({ state: 'cancelled' })).items.map((x) => x.id)).toEqual([ids[2]]);
    await expect(h.control.list({ state: 'sleeping' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(h.control.list({ limit: 101 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

describe('ControlPlane pause, resume, cancel, retry, delete', () => {
  it('pauses between steps (the queued message is dropped) and resumes where it stopped', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    await h.process(h.queue.receive()[0]?.message);
    const { head: paused } = await h.control.pause(head.id);
    expect(paused).toMatchObject({ state: 'paused', version: 1, currentStep: 1 });
    await h.drain();
    expect(h.outcomes).toEqual([expect.objectContaining({ status: 'dropped', reason: 'not-claimable' })]);
    const { head: resumed } = await h.control.resume(head.id);
    expect(resumed).toMatchObject({ state: 'running', version: 1 });
    expect(h.queue.pending().map((m) => m.message)).toEqual([{ v: 1, executionId: head.id, step: 1, token: 1 }]);
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 5 } });
    expect(
      h.events.filter((e) => e.type === 'paused' || e.type === 'resumed').map((e) => `${e.type}@${e.step}`),
    ).toEqual(['paused@1', 'resumed@1']);
  });

  it('lets a step in flight commit when paused, then stays paused without enqueueing; resume continues', async () => {
    const { h, entered, release, runs } = gatedHarness();
    const { head } = await h.control.start({ workflow: 'gated', input });
    await h.process(h.queue.receive()[0]?.message); // step 0
    const inFlight = h.process(h.queue.receive()[0]?.message);
    const ctx = await entered.promise;
    await h.control.pause(head.id);
    await ctx.heartbeat(); // a pause does not take the lease away
    expect(ctx.signal.aborted).toBe(false);
    release.open(undefined);
    expect(await inFlight).toMatchObject({
      status: 'committed',
      step: 1,
      enqueued: false,
      head: { state: 'paused', currentStep: 2 },
    });
    expect(h.queue.size).toBe(0);
    await h.control.resume(head.id);
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 3 } });
    expect(runs).toHaveBeenCalledTimes(1);
  });

  it('resumes while the paused step is still in flight without losing its work or running it twice', async () => {
    const { h, entered, release, runs } = gatedHarness();
    const { head } = await h.control.start({ workflow: 'gated', input });
    await h.process(h.queue.receive()[0]?.message); // step 0
    const inFlight = h.process(h.queue.receive()[0]?.message);
    await entered.promise;
    await h.control.pause(head.id);
    await h.control.resume(head.id);
    await h.drain(); // resume's message: the lease is live, so it is dropped
    expect(h.outcomes.at(-1)).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    release.open(undefined);
    expect(await inFlight).toMatchObject({ status: 'committed', enqueued: true, head: { state: 'running' } });
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({
      state: 'completed',
      data: { n: 3, trail: ['s0', 's1', 's2'] },
    });
    expect(runs).toHaveBeenCalledTimes(1);
  });

  it('cancels a step in flight: its signal aborts at the heartbeat and nothing is committed', async () => {
    const { h, entered, release } = gatedHarness();
    const { head } = await h.control.start({ workflow: 'gated', input });
    await h.process(h.queue.receive()[0]?.message); // step 0
    const inFlight = h.process(h.queue.receive()[0]?.message);
    const ctx = await entered.promise;
    await h.clock.advance(500);
    const { head: cancelled } = await h.control.cancel(head.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', endTime: T0 + 500 });
    await expect(ctx.heartbeat()).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(ctx.signal.aborted).toBe(true);
    expect(await inFlight).toMatchObject({ status: 'cancelled', step: 1 });
    release.open(undefined);
    await settle();
    const { head: after, checkpoints } = await h.control.get(head.id);
    expect(after).toMatchObject({ state: 'cancelled', currentStep: 1, data: { n: 1 } });
    expect(checkpoints.items.map((c) => c.step)).toEqual([1, 0]);
    expect(h.queue.size).toBe(0);
  });

  it('aborts a cancelled step from the automatic heartbeat even if the step never calls it', async () => {
    let reason: unknown;
    const waits = (_s: unknown, ctx: StepContext) =>
      new Promise((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => reject((reason = ctx.signal.reason) as Error)),
      );
    const h = makeHarness({
      workflows: [defineWorkflow({ name: 'wait', steps: [{ name: 'wait', fn: waits }] })],
      config: { heartbeatMs: 500, leaseMs: 1_000 },
    });
    const { head } = await h.control.start({ workflow: 'wait', input });
    const inFlight = h.process(h.queue.receive()[0]?.message);
    const ended = settledFlag(inFlight);
    await h.clock.advance(0);
    await h.control.cancel(head.id);
    await h.clock.advance(499);
    expect(reason).toBeUndefined();
    expect(ended.settled).toBe(false);
    await h.clock.advance(1);
    expect(reason).toMatchObject({ code: 'CANCELLED' });
    expect(await inFlight).toMatchObject({ status: 'cancelled' });
  });

  it('drops the result of a step whose lease another worker took over', async () => {
    const { h, entered, release } = gatedHarness({ config: { leaseMs: 1_000, heartbeatMs: 500 } });
    const { head } = await h.control.start({ workflow: 'gated', input });
    await h.process(h.queue.receive()[0]?.message); // step 0
    const message = h.queue.receive()[0]?.message as StepMessage;
    // This worker is cut off from the store for a while: its heartbeats fail and its lease lapses.
    let cutOff = true;
    let failedBeats = 0;
    const store = overriding(h.store, {
      extendLease: (req) =>
        cutOff ? Promise.reject(new Error(`network unreachable (${++failedBeats})`)) : h.store.extendLease(req),
    });
    const inFlight = h.process(message, { store });
    const ctx = await entered.promise;
    await h.clock.advance(1_000);
    expect(failedBeats).toBe(2);
    expect(ctx.signal.aborted).toBe(false);
    expect(
      await h.store.claim({ id: head.id, token: 1, owner: 'other', now: h.clock.now(), step: 1, leaseMs: 1_000 }),
    ).toBeDefined();
    cutOff = false;
    await expect(ctx.heartbeat()).rejects.toMatchObject({ code: 'LEASE_CONFLICT' });
    release.open(undefined);
    expect(await inFlight).toMatchObject({ status: 'dropped', reason: 'superseded' });
    expect((await h.control.get(head.id)).head).toMatchObject({ currentStep: 1, leaseOwner: 'other' });
  });

  it('keeps an execution paused when the step in flight fails, and resume retries it at once', async () => {
    let fail = true;
    const entered = gate();
    const release = gate();
    const step = async (s: S) => {
      entered.open();
      await release.promise;
      if (fail) throw new Error('flaky');
      return { ...s, n: s.n + 1 };
    };
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'one', steps: [{ name: 'a', fn: step }] })],
      config: { retryBaseDelayMs: 60_000 },
    });
    const { head } = await h.control.start({ workflow: 'one', input });
    const inFlight = h.process(h.queue.receive()[0]?.message);
    await entered.promise;
    await h.control.pause(head.id);
    release.open();
    expect(await inFlight).toMatchObject({ status: 'retrying', head: { state: 'paused', version: 1 } });
    expect(h.queue.size).toBe(0);
    fail = false;
    const { head: resumed } = await h.control.resume(head.id);
    expect(resumed).toMatchObject({ state: 'running', claims: 0, version: 1 });
    expect(h.queue.pending()).toEqual([
      expect.objectContaining({ delaySeconds: 0, message: { v: 1, executionId: head.id, step: 0, token: 1 } }),
    ]);
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 1 } });
  });

  it('refuses illegal transitions with ILLEGAL_TRANSITION and changes nothing', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    await expect(h.control.delete(head.id)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION', state: 'running' });
    await h.drain();
    for (const action of ['pause', 'resume', 'cancel', 'retry'] as const) {
      await expect(h.control[action](head.id)).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
        state: 'completed',
      });
    }
    await h.control.delete(head.id);
    await expect(h.control.get(head.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('cancels a paused execution, bumping the version so queued messages go stale', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    await h.control.pause(head.id);
    const { head: cancelled } = await h.control.cancel(head.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', version: 1, endTime: T0 });
    await expect(h.control.resume(head.id)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    await h.drain();
    expect(h.outcomes.map((o) => o.status)).toEqual(['dropped']);
  });
});

describe('ControlPlane calls are safe to retry after a lost response', () => {
  it('answers an action whose state already holds with changed: false, writing nothing', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    expect(await h.control.pause(head.id)).toMatchObject({ changed: true, head: { state: 'paused' } });
    const before = await h.memory.get(head.id);
    expect(await h.control.pause(head.id)).toEqual({ changed: false, head: before });
    expect(await h.memory.get(head.id)).toEqual(before);
    await h.control.cancel(head.id);
    const cancelled = await h.memory.get(head.id);
    expect(await h.control.cancel(head.id)).toEqual({ changed: false, head: cancelled });
    expect(h.events.filter((e) => e.type === 'paused' || e.type === 'execution_cancelled')).toHaveLength(2);
  });

  it('sends the current step again for resume or retry on a running execution (the lost part may be the send)', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    h.queue.receive(); // the first send is lost
    await h.control.pause(head.id);
    await h.control.resume(head.id);
    h.queue.receive(); // and so is resume's
    expect(await h.control.resume(head.id)).toMatchObject({ changed: false, head: { state: 'running', version: 0 } });
    expect(await h.control.retry(head.id)).toMatchObject({ changed: false });
    expect(h.queue.pending().map((m) => m.message)).toEqual([
      { v: 1, executionId: head.id, step: 0, token: 0 },
      { v: 1, executionId: head.id, step: 0, token: 0 },
    ]);
    await h.drain();
    expect(h.outcomes.map((o) => o.status).sort()).toEqual([
      'committed',
      'committed',
      'committed',
      'committed',
      'completed',
      'dropped',
    ]);
  });

  it('sends the first step again when a start with a used idempotency key finds it never claimed', async () => {
    const h = makeHarness();
    const first = await h.control.start({ workflow: 'five', input, idempotencyKey: 'order-7' });
    h.queue.receive(); // lost
    const again = await h.control.start({ workflow: 'five', input, idempotencyKey: 'order-7' });
    expect(again).toMatchObject({ created: false, head: { id: first.head.id } });
    expect(h.queue.pending().map((m) => m.message)).toEqual([{ v: 1, executionId: first.head.id, step: 0, token: 0 }]);
    await h.drain();
    expect(await h.control.start({ workflow: 'five', input, idempotencyKey: 'order-7' })).toMatchObject({
      created: false,
      head: { state: 'completed' },
    });
    expect(h.queue.size).toBe(0);
  });

  it('answers changed: false when another caller made the same change between the read and the write', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    const racing = overriding(h.memory, {
      transition: async (req) => {
        await h.memory.transition(req);
        return h.memory.transition(req);
      },
    });
    const control = new ControlPlane({ ...h.deps, store: racing });
    expect(await control.cancel(head.id)).toMatchObject({ changed: false, head: { state: 'cancelled' } });
  });
});
