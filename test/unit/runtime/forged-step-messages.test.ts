import { describe, expect, it, vi } from 'vitest';
import type { StepContext } from '../../../lib/core/types.js';
import type { StepMessage } from '../../../lib/runtime/model.js';
import { sweep } from '../../../lib/runtime/sweeper.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { gate, makeHarness, T0 } from './harness.js';

// What a step message sent by someone else than the runtime can do (docs/security.md,
// "A forged step message"): it names an execution, a step and a token, nothing more,
// and the claim decides whether anything runs.

type S = { n: number };
const input: S = { n: 0 };
const forged = (executionId: string, step: number, token: number): StepMessage => ({ v: 1, executionId, step, token });
const add = (s: S): S => ({ n: s.n + 1 });

describe('a forged step message', () => {
  it('writes nothing for an execution that does not exist', async () => {
    const h = makeHarness();
    const id = 'exec_00000000000000000000000000000000';
    expect(await h.process(forged(id, 0, 0))).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    expect(Object.fromEntries(h.calls)).toEqual({ claim: 1 });
    expect(await h.store.get(id)).toBeUndefined();
    expect(h.queue.sent).toEqual([]);
  });

  it('runs nothing for a step or a token other than the head is at', async () => {
    const runs = vi.fn(add);
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'three', steps: ['a', 'b', 'c'].map((name) => ({ name, fn: runs })) })],
    });
    const { head } = await h.control.start({ workflow: 'three', input });
    expect(await h.process(h.queue.receive()[0]?.message)).toMatchObject({ status: 'committed', step: 0 });
    const before = (await h.control.get(head.id)).head;
    expect(before).toMatchObject({ currentStep: 1, version: 1, claims: 0 });
    for (const [step, token] of [
      [0, 0], // the step already committed, with its old token
      [0, 1], // the step already committed, with the current token
      [1, 0], // the current step with an old token
      [1, 2], // the current step with a token not issued yet
      [2, 1], // a later step with the current token
    ] as const) {
      expect(await h.process(forged(head.id, step, token))).toMatchObject({
        status: 'dropped',
        reason: 'not-claimable',
      });
    }
    expect(runs).toHaveBeenCalledTimes(1);
    expect((await h.control.get(head.id)).head).toEqual(before);
  });

  it('runs nothing for a paused, cancelled, failed or completed execution, even with its current token', async () => {
    const runs = vi.fn(add);
    const h = makeHarness({
      workflows: [
        defineWorkflow<S>({ name: 'one', steps: [{ name: 'one', fn: runs }] }),
        defineWorkflow<S>({ name: 'bad', steps: [{ name: 'bad', fn: () => Promise.reject(new Error('no')) }] }),
      ],
      config: { maxRetries: 0 },
    });
    const paused = (await h.control.start({ workflow: 'one', input })).head.id;
    await h.control.pause(paused);
    const cancelled = (await h.control.start({ workflow: 'one', input })).head.id;
    await h.control.cancel(cancelled);
    h.queue.clear();
    const failed = (await h.control.start({ workflow: 'bad', input })).head.id;
    const completed = (await h.control.start({ workflow: 'one', input })).head.id;
    await h.drain();
    runs.mockClear();
    for (const id of [paused, cancelled, failed, completed]) {
      const head = (await h.control.get(id)).head;
      expect(await h.process(forged(id, head.currentStep, head.version))).toMatchObject({ status: 'dropped' });
      expect((await h.control.get(id)).head).toEqual(head);
    }
    expect(runs).not.toHaveBeenCalled();
  });

  it('can at worst run a retry before its backoff ends: the delayed message is then dropped', async () => {
    const attempts: number[] = [];
    const flaky = (s: S, ctx: StepContext): S => {
      attempts.push(ctx.attempt);
      if (ctx.attempt === 0) throw new Error('flake');
      return add(s);
    };
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'flaky', steps: [{ name: 'flaky', fn: flaky }] })],
      config: { retryBaseDelayMs: 60_000, retryMaxDelayMs: 60_000 },
    });
    const { head } = await h.control.start({ workflow: 'flaky', input });
    await h.drain();
    expect(h.outcomes[0]).toMatchObject({ status: 'retrying', delaySeconds: 60 });
    const waiting = (await h.control.get(head.id)).head;
    expect(await h.process(forged(head.id, 0, waiting.version))).toMatchObject({ status: 'completed' });
    await h.clock.advance(60_000);
    expect(await h.drain()).toBe(1);
    expect(h.outcomes[1]).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    expect(attempts).toEqual([0, 1]);
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 1 } });
  });

  it('sent by a sweep told a far-future time, still cannot run a step beside the worker that holds its lease', async () => {
    const release = gate();
    const runs = vi.fn(async (s: S) => (await release.promise, add(s)));
    const h = makeHarness({ workflows: [defineWorkflow<S>({ name: 'slow', steps: [{ name: 'slow', fn: runs }] })] });
    const { head } = await h.control.start({ workflow: 'slow', input });
    const running = h.process(h.queue.receive()[0]?.message, { owner: 'worker' });
    await h.clock.advance(0);
    expect(await sweep({ now: T0 + 30 * 86_400_000 }, h.deps)).toEqual({ examined: 1, reenqueued: 1 });
    const resent = h.queue.receive()[0]?.message;
    expect(resent).toEqual(forged(head.id, 0, 0));
    expect(await h.process(resent)).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    release.open();
    expect(await running).toMatchObject({ status: 'completed' });
    expect(runs).toHaveBeenCalledTimes(1);
  });
});
