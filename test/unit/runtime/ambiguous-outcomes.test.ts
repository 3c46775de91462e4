import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, LongRunningError } from '../../../lib/core/errors.js';
import type { StepContext } from '../../../lib/core/types.js';
import type { StepMessage } from '../../../lib/runtime/model.js';
import type { ExecutionStore, StepQueue } from '../../../lib/runtime/ports.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { makeHarness, overriding } from './harness.js';

type S = { n: number; trail: string[] };
const input: S = { n: 0, trail: [] };

type Method = 'claim' | 'commit' | 'releaseForRetry' | 'fail';

/** A network fault as the SDK reports it: not an engine error, so the outcome is unknown. */
const lost = (): Error => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });

/** The store whose `method` does its write, then loses the response `times` times. */
function losingResponses(inner: ExecutionStore, method: Method, times = 1): ExecutionStore {
  let left = times;
  const real = inner[method].bind(inner) as (req: never) => Promise<unknown>;
  return overriding(inner, {
    [method]: async (req: never) => {
      const result = await real(req);
      if (left-- > 0) throw lost();
      return result;
    },
  });
}

/** The store whose `method` fails before writing anything `times` times. */
function failingBefore(inner: ExecutionStore, method: Method, times: number): ExecutionStore {
  let left = times;
  const real = inner[method].bind(inner) as (req: never) => Promise<unknown>;
  return overriding(inner, {
    [method]: (req: never) => (left-- > 0 ? Promise.reject(lost()) : real(req)),
  });
}

function counted() {
  const runs = vi.fn((s: S, ctx: StepContext) => ({ n: s.n + 1, trail: [...s.trail, `${ctx.step}/${ctx.attempt}`] }));
  const h = makeHarness({
    workflows: [defineWorkflow<S>({ name: 'three', steps: ['a', 'b', 'c'].map((name) => ({ name, fn: runs })) })],
  });
  return { h, runs };
}

async function firstMessage(h: ReturnType<typeof makeHarness>): Promise<{ id: string; message: StepMessage }> {
  const { head } = await h.control.start({ workflow: 'three', input });
  return { id: head.id, message: h.queue.receive()[0]?.message as StepMessage };
}

describe('a worker that cannot tell whether its write landed reads the head', () => {
  it('carries on after a lost commit response: the next step is sent at once, and each step runs once', async () => {
    const { h, runs } = counted();
    const { id, message } = await firstMessage(h);
    const outcome = await h.process(message, { store: losingResponses(h.memory, 'commit') });
    expect(outcome).toMatchObject({ status: 'committed', enqueued: true, head: { currentStep: 1, version: 1 } });
    expect(h.queue.sent.slice(1).map((m) => m.message)).toEqual([{ v: 1, executionId: id, step: 1, token: 1 }]);
    await h.drain();
    expect(runs).toHaveBeenCalledTimes(3);
    expect((await h.control.get(id)).head).toMatchObject({
      state: 'completed',
      data: { trail: ['0/0', '1/0', '2/0'] },
    });
  });

  it('sends the next step only once when a duplicate delivery races a lost commit response', async () => {
    const { h } = counted();
    const { message } = await firstMessage(h);
    await h.process(message, { store: losingResponses(h.memory, 'commit') });
    expect(await h.process(message)).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    expect(h.queue.receive()).toHaveLength(1);
  });

  it('runs the step as attempt 0 after a lost claim response, instead of burning an attempt', async () => {
    const { h } = counted();
    const { id, message } = await firstMessage(h);
    const outcome = await h.process(message, { store: losingResponses(h.memory, 'claim') });
    expect(outcome).toMatchObject({ status: 'committed', head: { claims: 0 } });
    expect((await h.control.get(id)).head.data).toEqual({ n: 1, trail: ['0/0'] });
  });

  it('claims again when the claim failed before it was written', async () => {
    const { h } = counted();
    const { message } = await firstMessage(h);
    const outcome = await h.process(message, { store: failingBefore(h.memory, 'claim', 1) });
    expect(outcome).toMatchObject({ status: 'committed', head: { currentStep: 1 } });
  });

  it('commits again when the commit failed before it was written, while the lease is still its own', async () => {
    const { h, runs } = counted();
    const { id, message } = await firstMessage(h);
    const outcome = await h.process(message, { store: failingBefore(h.memory, 'commit', 2) });
    expect(outcome).toMatchObject({ status: 'committed', enqueued: true });
    expect(runs).toHaveBeenCalledTimes(1);
    expect((await h.control.get(id, { checkpointsLimit: 10 })).checkpoints.items.map((c) => c.step)).toEqual([1, 0]);
  });

  it('drops the outcome when the head shows another writer won while the response was lost', async () => {
    const { h } = counted();
    const { id, message } = await firstMessage(h);
    const cancelling = overriding(h.memory, {
      commit: async () => {
        await h.control.cancel(id);
        throw lost();
      },
    });
    expect(await h.process(message, { store: cancelling })).toMatchObject({ status: 'dropped', reason: 'superseded' });
    expect(h.queue.receive()).toEqual([]);
  });

  it('sends the retry after a lost release response, and reports the failed execution after a lost fail response', async () => {
    const boom = (): never => {
      throw new Error('flaky tool');
    };
    const h = makeHarness({
      workflows: [defineWorkflow({ name: 'flaky', steps: [{ name: 'x', fn: boom }] })],
      config: { maxRetries: 1 },
    });
    const { head } = await h.control.start({ workflow: 'flaky', input });
    const first = h.queue.receive()[0]?.message as StepMessage;
    const retrying = await h.process(first, { store: losingResponses(h.memory, 'releaseForRetry') });
    expect(retrying).toMatchObject({ status: 'retrying', attempt: 0, head: { version: 1 } });
    await h.clock.advance(60_000);
    const second = h.queue.receive()[0]?.message as StepMessage;
    expect(second).toEqual({ v: 1, executionId: head.id, step: 0, token: 1 });
    const failed = await h.process(second, { store: losingResponses(h.memory, 'fail') });
    expect(failed).toMatchObject({ status: 'failed', head: { state: 'failed', version: 2 } });
  });

  it('gives up with the first error when the head cannot be read either, or after three tries', async () => {
    const { h } = counted();
    const { message } = await firstMessage(h);
    const blind = overriding(losingResponses(h.memory, 'commit'), { get: () => Promise.reject(new Error('down')) });
    await expect(h.process(message, { store: blind })).rejects.toThrow('socket hang up');
    const { message: next } = await firstMessage(h);
    await expect(h.process(next, { store: failingBefore(h.memory, 'commit', 3) })).rejects.toThrow('socket hang up');
  });

  it('does not read the head after an answer (a refused fence, an oversized state)', async () => {
    const { h } = counted();
    const { message } = await firstMessage(h);
    const get = vi.fn(h.memory.get.bind(h.memory));
    const tooLarge = new LongRunningError(ErrorCode.StateTooLarge, 'too large');
    const store = overriding(h.memory, { get, commit: () => Promise.reject(tooLarge) });
    expect(await h.process(message, { store })).toMatchObject({ status: 'retrying' });
    expect(get).not.toHaveBeenCalled();
  });

  it('sends the next step again after a failed send, and throws once three sends failed', async () => {
    const { h } = counted();
    const { id, message } = await firstMessage(h);
    let failures = 1;
    const queue: StepQueue = {
      send: (m, delay) => (failures-- > 0 ? Promise.reject(lost()) : h.queue.send(m, delay)),
    };
    expect(await h.process(message, { queue })).toMatchObject({ status: 'committed', enqueued: true });
    const next = h.queue.receive()[0]?.message as StepMessage;
    expect(h.queue.sent.slice(1).map((m) => m.message)).toEqual([next]);
    expect(next.step).toBe(1);
    failures = 3;
    await expect(h.process(next, { queue })).rejects.toThrow('socket hang up');
    expect((await h.control.get(id)).head.currentStep).toBe(2);
  });
});
