import { describe, expect, it, vi } from 'vitest';
import { LongRunningError } from '../../../lib/core/errors.js';
import type { StepContext } from '../../../lib/core/types.js';
import type { StepMessage } from '../../../lib/runtime/model.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { countingSteps, gate, makeHarness, overriding, settledFlag, T0 } from './harness.js';

type S = { n: number; trail: string[] };
const input: S = { n: 0, trail: [] };

describe('processStepMessage', () => {
  it('runs a 5-step execution to completion through the queue, folding the state', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    expect(await h.drain()).toBe(5);
    expect(h.outcomes.map((o) => o.status)).toEqual(['committed', 'committed', 'committed', 'committed', 'completed']);
    const { head: done, checkpoints } = await h.control.get(head.id, { checkpointsLimit: 10 });
    expect(done).toMatchObject({
      state: 'completed',
      currentStep: 5,
      progress: 100,
      version: 5,
      endTime: T0,
      data: { n: 5, trail: ['s0', 's1', 's2', 's3', 's4'] },
    });
    expect(done.leaseOwner).toBeUndefined();
    expect(checkpoints.items.map((c) => [c.step, (c.state as S).n])).toEqual([
      [5, 5],
      [4, 4],
      [3, 3],
      [2, 2],
      [1, 1],
      [0, 0],
    ]);
  });

  it('costs 2 store writes and 1 queue send per step, and no reads', async () => {
    const h = makeHarness();
    await h.control.start({ workflow: 'five', input });
    h.calls.clear();
    const sentBefore = h.queue.sent.length;
    await h.drain();
    expect(Object.fromEntries(h.calls)).toEqual({ claim: 5, commit: 5 });
    expect(h.queue.sent.length - sentBefore).toBe(4); // the last step sends nothing
  });

  it('drops a duplicate delivery without running the step twice', async () => {
    const runs = vi.fn((s: S) => s);
    const h = makeHarness({
      workflows: [
        defineWorkflow<S>({
          name: 'one',
          steps: [
            { name: 'a', fn: runs },
            { name: 'b', fn: (s) => s },
          ],
        }),
      ],
    });
    await h.control.start({ workflow: 'one', input });
    const [first] = h.queue.receive();
    const message = first?.message as StepMessage;
    const [x, y] = await Promise.all([h.process(message), h.process(message)]);
    const later = await h.process(message);
    expect([x.status, y.status].sort()).toEqual(['committed', 'dropped']);
    expect(later).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    expect(runs).toHaveBeenCalledTimes(1);
    expect(h.queue.size).toBe(1);
  });

  it('recovers a worker that died mid-step once its lease lapses, as attempt 1', async () => {
    const attempts: number[] = [];
    const steps = countingSteps(3).map((s, i) =>
      i === 1 ? { ...s, fn: (st: S, ctx: StepContext) => (attempts.push(ctx.attempt), s.fn(st, ctx)) } : s,
    );
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'three', steps })],
      config: { leaseMs: 30_000, heartbeatMs: 10_000 },
    });
    const { head } = await h.control.start({ workflow: 'three', input });
    expect(await h.process(h.queue.receive()[0]?.message)).toMatchObject({ status: 'committed', step: 0 });
    // The worker that received step 1 claimed it and died: simulate its claim; SQS keeps its message.
    expect(h.queue.receive().map((m) => m.message)).toEqual([{ v: 1, executionId: head.id, step: 1, token: 1 }]);
    const dead = await h.store.claim({
      id: head.id,
      token: 1,
      owner: 'dead-worker',
      now: h.clock.now(),
      step: 1,
      leaseMs: 30_000,
    });
    expect(dead?.claims).toBe(1);
    const redelivered: StepMessage = { v: 1, executionId: head.id, step: 1, token: 1 };
    expect(await h.process(redelivered)).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    await h.clock.advance(30_000);
    expect(await h.process(redelivered)).toMatchObject({ status: 'committed', step: 1 });
    await h.drain();
    expect(attempts).toEqual([1]);
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 3 } });
  });

  it('retries a failing step with backoff delays, then succeeds', async () => {
    const attempts: number[] = [];
    const flaky = (s: S, ctx: StepContext): S => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 2) throw new Error(`flake ${ctx.attempt}`);
      return { ...s, n: s.n + 100 };
    };
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'flaky', steps: [{ name: 'flaky', fn: flaky }] })],
      config: { retryBaseDelayMs: 1_500, retryMaxDelayMs: 60_000, maxRetries: 3 },
    });
    const { head } = await h.control.start({ workflow: 'flaky', input });
    await h.drain();
    expect(h.outcomes[0]).toMatchObject({
      status: 'retrying',
      attempt: 0,
      delaySeconds: 2,
      error: { code: 'STEP_FAILED', message: 'flake 0' },
    });
    expect((await h.control.get(head.id)).head).toMatchObject({
      state: 'running',
      error: { message: 'flake 0' },
      version: 1,
      sweepAt: T0 + 2_000 + 300_000,
    });
    await h.clock.advance(1_999);
    expect(await h.drain()).toBe(0);
    await h.clock.advance(1);
    await h.drain();
    expect(h.outcomes[1]).toMatchObject({ status: 'retrying', attempt: 1, delaySeconds: 3 });
    await h.clock.advance(3_000);
    await h.drain();
    expect(h.queue.sent.map((m) => m.delaySeconds)).toEqual([0, 2, 3]);
    expect(attempts).toEqual([0, 1, 2]);
    const done = (await h.control.get(head.id)).head;
    expect(done).toMatchObject({ state: 'completed', data: { n: 100 } });
    expect(done.error).toBeUndefined();
  });

  it('caps a retry delay at 900 seconds', async () => {
    const h = makeHarness({
      workflows: [defineWorkflow({ name: 'bad', steps: [{ name: 'bad', fn: () => Promise.reject(new Error('no')) }] })],
      config: { retryBaseDelayMs: 2_000_000, retryMaxDelayMs: 5_000_000 },
    });
    await h.control.start({ workflow: 'bad', input });
    await h.drain();
    expect(h.outcomes[0]).toMatchObject({ status: 'retrying', delaySeconds: 900 });
    expect(h.queue.pending()[0]?.delaySeconds).toBe(900);
  });

  it('fails the execution when retries run out, then retry() runs it from the failed step', async () => {
    let broken = true;
    const steps = countingSteps(3).map((s, i) =>
      i === 1
        ? {
            ...s,
            fn: (st: S, ctx: StepContext) => {
              if (broken) throw new LongRunningError('UPSTREAM_DOWN', 'upstream is down');
              return s.fn(st, ctx);
            },
          }
        : s,
    );
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'three', steps })],
      config: { maxRetries: 2, retryBaseDelayMs: 1_000 },
    });
    const { head } = await h.control.start({ workflow: 'three', input });
    for (let i = 0; i < 4; i++) {
      await h.drain();
      await h.clock.advance(10_000);
    }
    expect(h.outcomes.map((o) => o.status)).toEqual(['committed', 'retrying', 'retrying', 'failed']);
    const failed = (await h.control.get(head.id)).head;
    expect(failed).toMatchObject({
      state: 'failed',
      currentStep: 1,
      error: { code: 'UPSTREAM_DOWN', message: 'upstream is down' },
      endTime: T0 + 20_000,
    });
    expect(h.queue.size).toBe(0);
    broken = false;
    const { head: retried } = await h.control.retry(head.id);
    expect(retried).toMatchObject({ state: 'running', currentStep: 1, claims: 0, version: failed.version + 1 });
    expect(retried.error).toBeUndefined();
    expect(retried.endTime).toBeUndefined();
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({
      state: 'completed',
      data: { n: 3, trail: ['s0', 's1', 's2'] },
    });
  });

  it('fails the execution without running the step when workers kept dying on it', async () => {
    const runs = vi.fn((s: S) => s);
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'one', steps: [{ name: 'a', fn: runs }] })],
      config: { maxRetries: 1, leaseMs: 1_000, heartbeatMs: 500 },
    });
    const { head } = await h.control.start({ workflow: 'one', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    for (let i = 0; i < 2; i++) {
      await h.store.claim({ id: head.id, token: 0, owner: `dead-${i}`, now: h.clock.now(), step: 0, leaseMs: 1_000 });
      await h.clock.advance(1_000);
    }
    const outcome = await h.process(message);
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { code: 'STEP_FAILED', message: expect.stringMatching(/claimed 3 times/) },
    });
    expect(runs).not.toHaveBeenCalled();
    expect((await h.control.get(head.id)).head.state).toBe('failed');
  });

  it('treats a state over the item limit as a failed attempt with STATE_TOO_LARGE', async () => {
    const h = makeHarness({
      workflows: [defineWorkflow({ name: 'big', steps: [{ name: 'grow', fn: () => ({ blob: 'x'.repeat(5_000) }) }] })],
      maxItemBytes: 4_000,
      config: { maxRetries: 1 },
    });
    const { head } = await h.control.start({ workflow: 'big', input });
    await h.drain();
    expect(h.outcomes[0]).toMatchObject({ status: 'retrying', error: { code: 'STATE_TOO_LARGE' } });
    await h.clock.advance(60_000);
    await h.drain();
    expect(h.outcomes[1]).toMatchObject({
      status: 'failed',
      error: { code: 'STATE_TOO_LARGE', message: expect.stringMatching(/4000-byte limit/) },
    });
    const { head: failed, checkpoints } = await h.control.get(head.id);
    expect(failed).toMatchObject({ state: 'failed', data: input });
    expect(checkpoints.items.map((c) => c.step)).toEqual([0]);
  });

  it('aborts the signal at the deadline minus the buffer and records a STEP_TIMEOUT attempt', async () => {
    let reason: unknown;
    const waits = (_s: unknown, ctx: StepContext) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          reason = ctx.signal.reason;
          reject(new Error('aborted'));
        });
      });
    const h = makeHarness({
      workflows: [defineWorkflow({ name: 'slow', steps: [{ name: 'slow', fn: waits }] })],
      config: { deadlineBufferMs: 1_000 },
    });
    const { head } = await h.control.start({ workflow: 'slow', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    const processing = h.process(message, {}, h.clock.now() + 1_005); // a 5 ms budget
    const ended = settledFlag(processing);
    await h.clock.advance(4);
    expect(reason).toBeUndefined();
    expect(ended.settled).toBe(false);
    await h.clock.advance(1);
    expect(reason).toMatchObject({ code: 'STEP_TIMEOUT', details: { budgetMs: 5 } });
    const outcome = await processing;
    expect(outcome).toMatchObject({ status: 'retrying', attempt: 0, error: { code: 'STEP_TIMEOUT' } });
    expect((await h.control.get(head.id)).head).toMatchObject({ currentStep: 0, error: { code: 'STEP_TIMEOUT' } });
  });

  it('ends the attempt at the deadline even when the step ignores its signal', async () => {
    const h = makeHarness({
      workflows: [
        defineWorkflow({ name: 'stuck', steps: [{ name: 'stuck', fn: () => new Promise(() => undefined) }] }),
      ],
      config: { deadlineBufferMs: 1_000, maxRetries: 0 },
    });
    await h.control.start({ workflow: 'stuck', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    const processing = h.process(message, {}, h.clock.now() + 1_003); // a 3 ms budget
    const ended = settledFlag(processing);
    await h.clock.advance(2);
    expect(ended.settled).toBe(false);
    await h.clock.advance(1);
    expect(ended.settled).toBe(true);
    expect(await processing).toMatchObject({
      status: 'failed',
      error: { code: 'STEP_TIMEOUT' },
    });
  });

  it('extends the lease at every heartbeat while a long step runs, so no other worker can claim it', async () => {
    const release = gate();
    const h = makeHarness({
      workflows: [
        defineWorkflow({ name: 'long', steps: [{ name: 'long', fn: async (s) => (await release.promise, s) }] }),
      ],
      config: { leaseMs: 1_000, heartbeatMs: 400 },
    });
    const { head } = await h.control.start({ workflow: 'long', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    const processing = h.process(message, { owner: 'worker' }, h.clock.now() + 60_000);
    await h.clock.advance(0);
    expect((await h.control.get(head.id)).head).toMatchObject({ leaseOwner: 'worker', leaseExpiresAt: T0 + 1_000 });
    await h.clock.advance(399);
    expect(h.calls.get('extendLease')).toBeUndefined();
    await h.clock.advance(1);
    expect(h.calls.get('extendLease')).toBe(1);
    expect((await h.control.get(head.id)).head.leaseExpiresAt).toBe(T0 + 1_400);
    await h.clock.advance(1_600);
    expect(h.calls.get('extendLease')).toBe(5);
    expect((await h.control.get(head.id)).head.leaseExpiresAt).toBe(T0 + 3_000);
    const rival = { id: head.id, token: 0, owner: 'rival', now: h.clock.now(), step: 0, leaseMs: 1_000 };
    expect(await h.store.claim(rival)).toBeUndefined();
    release.open();
    expect(await processing).toMatchObject({ status: 'completed' });
    await h.clock.advance(10_000);
    expect(h.calls.get('extendLease')).toBe(5);
  });

  it('reads the head instead of extending the lease once the lease reaches the invocation deadline', async () => {
    const release = gate();
    const h = makeHarness({
      workflows: [
        defineWorkflow({ name: 'long', steps: [{ name: 'long', fn: async (s) => (await release.promise, s) }] }),
      ],
      config: { leaseMs: 1_000, heartbeatMs: 400, deadlineBufferMs: 100 },
    });
    const { head } = await h.control.start({ workflow: 'long', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    const processing = h.process(message, { owner: 'worker' }, h.clock.now() + 1_900);
    await h.clock.advance(0);
    // Heartbeats at 400, 800 and 1,200 extend: the lease (to 1,000, 1,400, 1,800) is short of the deadline.
    await h.clock.advance(1_200);
    expect(h.calls.get('extendLease')).toBe(3);
    expect((await h.control.get(head.id)).head.leaseExpiresAt).toBe(T0 + 2_200);
    await h.control.cancel(head.id);
    const reads = h.calls.get('get') ?? 0;
    await h.clock.advance(400); // the lease now reaches past the deadline: the heartbeat at 1,600 reads, and sees the cancel
    expect(h.calls.get('extendLease')).toBe(3);
    expect(h.calls.get('get')).toBe(reads + 1);
    release.open();
    expect(await processing).toMatchObject({ status: 'cancelled' });
  });

  it('leaves the message for a fresh invocation when too little time is left, claiming nothing', async () => {
    const h = makeHarness({ config: { deadlineBufferMs: 5_000 } });
    const { head } = await h.control.start({ workflow: 'five', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    await expect(h.process(message, {}, h.clock.now() + 5_000)).rejects.toMatchObject({
      code: 'STEP_TIMEOUT',
      retryable: true,
    });
    expect((await h.control.get(head.id)).head.claims).toBe(0);
  });

  it('fails the attempt when a step returns something that is not plain JSON', async () => {
    const h = makeHarness({
      workflows: [defineWorkflow({ name: 'date', steps: [{ name: 'date', fn: () => ({ at: new Date(0) }) }] })],
    });
    await h.control.start({ workflow: 'date', input });
    await h.drain();
    expect(h.outcomes[0]).toMatchObject({
      status: 'retrying',
      error: { code: 'VALIDATION_ERROR', message: expect.stringMatching(/\$\.at is a Date/) },
    });
  });

  it.each([
    ['not JSON', '{'],
    ['a JSON string of an array', '[1]'],
    ['null', null],
    ['a number', 7],
    ['a wrong version', { v: 2, executionId: 'e', step: 0, token: 0 }],
    ['an unsafe id', { v: 1, executionId: '../x', step: 0, token: 0 }],
    ['a negative step', { v: 1, executionId: 'e', step: -1, token: 0 }],
    ['a fractional token', { v: 1, executionId: 'e', step: 0, token: 0.5 }],
    ['a string step', { v: 1, executionId: 'e', step: '0', token: 0 }],
    ['an extra field', { v: 1, executionId: 'e', step: 0, token: 0, extra: true }],
    ['a missing field', { v: 1, executionId: 'e', step: 0 }],
  ])('returns invalid for %s without touching the store', async (_what, body) => {
    const h = makeHarness();
    const outcome = await h.process(body);
    expect(outcome.status).toBe('invalid');
    expect(h.calls.size).toBe(0);
  });

  it('accepts a valid message as JSON text', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    h.queue.clear();
    expect(await h.process(JSON.stringify({ v: 1, executionId: head.id, step: 0, token: 0 }))).toMatchObject({
      status: 'committed',
    });
  });

  it('parks a step that is not registered, and resume after registering it completes', async () => {
    const [a, b, c] = countingSteps(3) as [
      ReturnType<typeof countingSteps>[number],
      ReturnType<typeof countingSteps>[number],
      ReturnType<typeof countingSteps>[number],
    ];
    const h = makeHarness({ workflows: [defineWorkflow<S>({ name: 'abc', steps: [a, b, c] })] });
    const worker = makeHarness({ workflows: [defineWorkflow<S>({ name: 'ac', steps: [a, c] })] }).workflows;
    const { head } = await h.control.start({ workflow: 'abc', input });
    await h.drain({ workflows: worker });
    expect(h.outcomes.map((o) => o.status)).toEqual(['committed', 'parked']);
    const parked = (await h.control.get(head.id)).head;
    expect(parked).toMatchObject({
      state: 'paused',
      currentStep: 1,
      error: { code: 'STEP_NOT_REGISTERED', message: expect.stringMatching(/"s1"/) },
    });
    expect(parked.leaseOwner).toBeUndefined();
    expect(h.queue.size).toBe(0);
    worker.register(defineWorkflow<S>({ name: 'hotfix', steps: [b] }));
    const { head: resumed } = await h.control.resume(head.id);
    expect(resumed.error).toBeUndefined();
    await h.drain({ workflows: worker });
    expect((await h.control.get(head.id)).head).toMatchObject({
      state: 'completed',
      data: { n: 3, trail: ['s0', 's1', 's2'] },
    });
  });

  it('records one event per step done on the head, and hands every event to onEvent', async () => {
    const h = makeHarness({
      workflows: [defineWorkflow({ name: 'two', steps: countingSteps(2) })],
      config: { retryBaseDelayMs: 1_000 },
    });
    const { head } = await h.control.start({ workflow: 'two', input });
    await h.drain();
    const recorded = (await h.control.get(head.id)).head.events;
    expect(recorded.map((e) => `${e.type}@${e.step}`)).toEqual([
      'step_completed@0',
      'step_completed@1',
      'execution_completed@2',
    ]);
    expect(recorded[0]).toMatchObject({ at: T0 });
    expect(h.events.map((e) => `${e.type}@${e.step}`)).toEqual([
      'step_started@0',
      'step_completed@0',
      'checkpointed@1',
      'step_started@1',
      'step_completed@1',
      'checkpointed@2',
      'execution_completed@2',
    ]);
    expect(h.events.every((e) => e.execId === head.id && e.timestamp instanceof Date)).toBe(true);
    expect(h.events.at(-1)?.state).toEqual({ n: 2, trail: ['s0', 's1'] });
  });

  it('records step_failed with the error and attempt', async () => {
    const h = makeHarness({
      workflows: [
        defineWorkflow({
          name: 'bad',
          steps: [
            {
              name: 'bad',
              fn: () => {
                throw new Error('nope');
              },
            },
          ],
        }),
      ],
      config: { maxRetries: 0 },
    });
    const { head } = await h.control.start({ workflow: 'bad', input });
    await h.drain();
    const recorded = (await h.control.get(head.id)).head.events;
    expect(recorded.map((e) => e.type)).toEqual(['step_started', 'step_failed', 'execution_failed']);
    expect(recorded[1]).toMatchObject({ attempt: 0, error: { code: 'STEP_FAILED', message: 'nope' } });
    expect(h.events.find((e) => e.type === 'execution_failed')?.error?.message).toBe('nope');
  });

  it('keeps processing when onEvent throws or rejects', async () => {
    const warn = vi.fn();
    let calls = 0;
    const onEvent = (): Promise<void> | void => {
      calls += 1;
      if (calls % 2 === 0) return Promise.reject(new Error('async observer bug'));
      throw new Error('observer bug');
    };
    const h = makeHarness({ onEvent });
    const logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    const { head } = await h.control.start({ workflow: 'five', input });
    await h.drain({ logger });
    await new Promise((resolve) => setImmediate(resolve));
    expect((await h.control.get(head.id)).head.state).toBe('completed');
    expect(calls).toBe(16);
    expect(warn).toHaveBeenCalledWith('onEvent handler failed', expect.objectContaining({ error: 'observer bug' }));
    expect(warn).toHaveBeenCalledWith(
      'onEvent handler failed',
      expect.objectContaining({ error: 'async observer bug' }),
    );
  });

  it('propagates a transient store error from the claim, so the message is redelivered', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    const store = overriding(h.memory, { claim: () => Promise.reject(new Error('ThrottlingException')) });
    await expect(h.process(message, { store })).rejects.toThrow('ThrottlingException');
    expect(await h.process(message)).toMatchObject({ status: 'committed' });
    expect((await h.control.get(head.id)).head.currentStep).toBe(1);
  });

  it('propagates a transient commit error without committing, and the redelivery reruns the step after the lease', async () => {
    const runs = vi.fn((s: S) => ({ ...s, n: s.n + 1 }));
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'one', steps: [{ name: 'a', fn: runs }] })],
      config: { leaseMs: 10_000, heartbeatMs: 5_000 },
    });
    const { head } = await h.control.start({ workflow: 'one', input });
    const message = h.queue.receive()[0]?.message as StepMessage;
    const flaky = overriding(h.memory, { commit: () => Promise.reject(new Error('InternalServerError')) });
    await expect(h.process(message, { store: flaky })).rejects.toThrow('InternalServerError');
    expect((await h.control.get(head.id)).checkpoints.items).toHaveLength(1);
    await h.clock.advance(10_000);
    expect(await h.process(message)).toMatchObject({ status: 'completed' });
    expect(runs).toHaveBeenCalledTimes(2);
    expect((await h.control.get(head.id)).head).toMatchObject({ data: { n: 1 }, claims: 0 });
  });

  it('keeps no checkpoint items for a workflow with checkpointHistory none, and the head runs on as usual', async () => {
    const h = makeHarness({
      workflows: [defineWorkflow({ name: 'lean', steps: countingSteps(3), checkpointHistory: 'none' })],
    });
    const { head } = await h.control.start({ workflow: 'lean', input: { n: 0, trail: [] } });
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed', currentStep: 3, data: { n: 3 } });
    expect((await h.store.listCheckpoints(head.id, { limit: 10 })).items.map((cp) => cp.seq)).toEqual([0]);
    expect(h.calls.get('commit')).toBe(3);
  });
});
