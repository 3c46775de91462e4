import { expect, it } from 'vitest';
import type { ControlPlane } from '../../../lib/runtime/control-plane.js';
import { InMemoryLimiter } from '../../../lib/testing/in-memory-limiter.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { makeHarness } from './harness.js';

type S = { n: number };

/**
 * One execution whose step's limit key is full (another execution holds its only
 * slot for an hour), with `onRefusal` run on the control plane each time the limiter
 * refuses it, while the worker still holds the claim.
 */
async function refusedWhile(onRefusal: (control: ControlPlane, id: string) => Promise<unknown>) {
  const wf = defineWorkflow<S>({
    name: 'limited',
    limits: [{ key: 'openai', concurrency: 1 }],
    steps: [{ name: 'call', fn: (s) => s }],
  });
  const h = makeHarness({ workflows: [wf], config: { maxRetries: 1 } });
  const inner = new InMemoryLimiter();
  const now = h.clock.now();
  await inner.acquire({
    key: 'openai',
    executionId: 'other',
    holderId: 'other#w',
    leaseUntil: now + 3_600_000,
    now,
    concurrency: 1,
  });
  const { head } = await h.control.start({ workflow: 'limited', input: { n: 1 } });
  h.deps.limiter = {
    acquire: async (req) => {
      const result = await inner.acquire(req);
      if (!result.granted) await onRefusal(h.control, head.id);
      return result;
    },
    release: (req) => inner.release(req),
    list: (at) => inner.list(at),
  };
  return { h, id: head.id };
}

const note = (control: ControlPlane, id: string) => control.sendEvent(id, { type: 'note' });

it('throttles a refused step, keeping an event that landed while the limit was taken', async () => {
  const { h, id } = await refusedWhile(note);
  await h.drain();
  expect(h.outcomes.at(-1)).toMatchObject({ status: 'throttled' });
  // The event was kept, and the claim given back.
  const after = (await h.store.get(id))!;
  expect(after).toMatchObject({ claims: 0, inbox: [expect.objectContaining({ type: 'note' })] });
  expect(after.leaseOwner).toBeUndefined();
});

it('never fails an execution whose refusals keep being raced by events', async () => {
  const { h, id } = await refusedWhile(note);
  for (let i = 0; i < 4; i++) {
    await h.drain();
    await h.clock.advance(300_000 + 60_000);
    await h.sweep();
  }
  await h.drain();
  const after = (await h.store.get(id))!;
  expect(after.events.filter((e) => e.type === 'step_failed')).toEqual([]);
  expect(after.state).toBe('running');
});

it('throttles a refused step paused while its limit was taken, sending nothing until resume', async () => {
  const { h, id } = await refusedWhile((control, execId) => control.pause(execId));
  await h.drain();
  expect(h.outcomes.at(-1)).toMatchObject({ status: 'throttled' });
  const paused = (await h.store.get(id))!;
  expect(paused).toMatchObject({ state: 'paused', claims: 0 });
  expect(paused.leaseOwner).toBeUndefined();
  expect(h.queue.pending()).toEqual([]);
  await h.control.resume(id);
  expect(h.queue.pending()).toHaveLength(1);
});
