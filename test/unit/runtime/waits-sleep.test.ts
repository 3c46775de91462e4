import { describe, expect, it } from 'vitest';
import type { StepContext } from '../../../lib/core/types.js';
import type { StepEvent } from '../../../lib/core/waits.js';
import { executionView } from '../../../lib/runtime/execution-view.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { makeHarness, T0 } from './harness.js';

type W = { seen: (StepEvent | null | 'none')[] };
const input: W = { seen: [] };
const record = (s: W, ctx: StepContext): W => ({ seen: [...s.seen, ctx.event === undefined ? 'none' : ctx.event] });

/** first -> sleep `ms` -> after. */
function sleeper(ms: number, config: Parameters<typeof makeHarness>[0] = {}) {
  const wf = defineWorkflow<W>({
    name: 'sleeper',
    steps: [
      { name: 'first', fn: (s, ctx) => ctx.sleep(ms, record(s, ctx)) },
      { name: 'after', fn: record },
    ],
  });
  return makeHarness({ workflows: [wf], ...config });
}

const MIN = 60_000;

describe('sleep on the serverless runtime', () => {
  it('commits the sleep, sends one wake message delayed to its end, and runs the next step then', async () => {
    const h = sleeper(2_000);
    const { head } = await h.control.start({ workflow: 'sleeper', input });
    await h.drain();
    const waiting = await h.store.get(head.id);
    expect(waiting).toMatchObject({
      state: 'waiting',
      currentStep: 1,
      stepRuns: 1,
      wait: { kind: 'sleep', until: T0 + 2_000 },
    });
    expect(waiting?.sweepAt).toBe(T0 + 2_000 + 300_000);
    expect(h.outcomes.at(-1)).toMatchObject({ status: 'waiting', wakeDelaySeconds: 2 });
    const wake = h.queue.pending();
    expect(wake).toEqual([
      expect.objectContaining({
        delaySeconds: 2,
        message: { v: 1, executionId: head.id, step: 1, token: 1, wake: true },
      }),
    ]);
    await h.clock.advance(1_999);
    expect(await h.drain()).toBe(0);
    await h.clock.advance(1);
    await h.drain();
    expect(h.outcomes.map((o) => o.status)).toEqual(['waiting', 'woken', 'completed']);
    expect(h.events.map((e) => e.type).filter((t) => t === 'waiting' || t === 'resumed')).toEqual([
      'waiting',
      'resumed',
    ]);
    const done = await h.store.get(head.id);
    expect(done).toMatchObject({ state: 'completed', stepRuns: 2, data: { seen: ['none', 'none'] } });
    expect(done?.wait).toBeUndefined();
    const cps = await h.store.listCheckpoints(head.id, { limit: 10 });
    expect(cps.items.map((c) => [c.seq, c.step, c.stepName])).toEqual([
      [2, 2, undefined],
      [1, 1, 'after'],
      [0, 0, 'first'],
    ]);
  });

  it('sends nothing for a sleep beyond one message delay; the sweeper sends the one wake message when it comes within reach', async () => {
    const h = sleeper(20 * MIN);
    const { head } = await h.control.start({ workflow: 'sleeper', input });
    await h.drain();
    const until = T0 + 20 * MIN;
    expect(await h.store.get(head.id)).toMatchObject({ state: 'waiting', sweepAt: until - 900_000 });
    expect(h.queue.size).toBe(0);
    await h.clock.advance(5 * MIN - 1);
    expect(await h.sweep()).toEqual({ examined: 0, reenqueued: 0 });
    await h.clock.advance(1);
    expect(await h.sweep()).toEqual({ examined: 1, reenqueued: 1 });
    expect(h.queue.pending()).toEqual([
      expect.objectContaining({ delaySeconds: 900, message: expect.objectContaining({ wake: true }) }),
    ]);
    expect((await h.store.get(head.id))?.sweepAt).toBe(until + 300_000);
    expect(await h.sweep()).toEqual({ examined: 0, reenqueued: 0 });
    await h.clock.advance(900_000);
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed' });
  });

  it('re-sends an early wake message for the time left, and a chain of hops never wakes early', async () => {
    const h = sleeper(150_000, { config: { maxDelaySeconds: 60 } });
    const { head } = await h.control.start({ workflow: 'sleeper', input });
    await h.drain();
    expect(h.queue.size).toBe(0);
    const wake = { v: 1, executionId: head.id, step: 1, token: 1, wake: true } as const;
    expect(await h.process(wake)).toMatchObject({ status: 'rescheduled', delaySeconds: 60 });
    await h.clock.advance(60_000);
    await h.drain();
    await h.clock.advance(60_000);
    await h.drain();
    expect(h.outcomes.map((o) => o.status)).toEqual(['waiting', 'rescheduled', 'rescheduled']);
    expect(h.queue.pending()[0]).toMatchObject({ delaySeconds: 30 });
    await h.clock.advance(30_000);
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed' });
  });

  it('drops a stale wake message (other version, or not waiting) without writing', async () => {
    const h = sleeper(2_000);
    const { head } = await h.control.start({ workflow: 'sleeper', input });
    await h.drain();
    await h.clock.advance(2_000);
    const stale = { v: 1, executionId: head.id, step: 1, token: 0, wake: true } as const;
    expect(await h.process(stale)).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    expect(await h.store.get(head.id)).toMatchObject({ state: 'waiting' });
    await h.control.cancel(head.id);
    await h.drain();
    expect(h.outcomes.at(-1)).toMatchObject({ status: 'dropped' });
    expect(await h.store.get(head.id)).toMatchObject({ state: 'cancelled' });
  });

  it('recovers a crash between the commit of a wait and its wake message with the sweeper', async () => {
    const h = sleeper(2_000);
    const { head } = await h.control.start({ workflow: 'sleeper', input });
    const [first] = h.queue.receive();
    const dying = { send: () => Promise.reject(new Error('killed before the send')) };
    await expect(h.process(first!.message, { queue: dying })).rejects.toThrow(/killed/);
    expect(await h.store.get(head.id)).toMatchObject({ state: 'waiting' });
    await h.clock.advance(2_000 + 300_000);
    expect(await h.sweep()).toEqual({ examined: 1, reenqueued: 1 });
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed' });
  });

  it('shows the wait in the view and lists waiting executions', async () => {
    const h = sleeper(2_000);
    const { head } = await h.control.start({ workflow: 'sleeper', input });
    await h.drain();
    const view = executionView((await h.control.get(head.id)).head);
    expect(view).toMatchObject({
      state: 'waiting',
      stepRuns: 1,
      inboxSize: 0,
      wait: { kind: 'sleep', until: new Date(T0 + 2_000).toISOString() },
    });
    expect((await h.control.list({ state: 'waiting' })).items.map((x) => x.id)).toEqual([head.id]);
  });

  it('keeps a paused sleep paused, and resume after its end wakes it at once', async () => {
    const h = sleeper(2_000);
    const { head } = await h.control.start({ workflow: 'sleeper', input });
    await h.drain();
    await h.control.pause(head.id);
    await h.clock.advance(5_000);
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'paused', wait: { kind: 'sleep' } });
    const resumed = await h.control.resume(head.id);
    expect(resumed).toMatchObject({ changed: true, head: { state: 'waiting', version: 2 } });
    expect(h.queue.pending()).toEqual([expect.objectContaining({ delaySeconds: 0 })]);
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed' });
  });

  it('resumes a paused long sleep into waiting with nothing sent, leaving the deadline to the sweeper', async () => {
    const h = sleeper(3 * 3_600_000);
    const { head } = await h.control.start({ workflow: 'sleeper', input });
    await h.drain();
    await h.control.pause(head.id);
    await h.clock.advance(60_000);
    const resumed = await h.control.resume(head.id);
    const until = T0 + 3 * 3_600_000;
    expect(resumed.head).toMatchObject({ state: 'waiting', wait: { until }, sweepAt: until - 900_000 });
    expect(h.queue.size).toBe(0);
    expect(await h.control.resume(head.id)).toMatchObject({ changed: false, head: { state: 'waiting' } });
  });

  it('keeps a sleep committed while a pause arrived paused, with its wait, until resume', async () => {
    const h = sleeper(2_000);
    const { head } = await h.control.start({ workflow: 'sleeper', input });
    const [first] = h.queue.receive();
    const running = h.process(first!.message);
    await h.control.pause(head.id);
    expect(await running).toMatchObject({ status: 'committed', enqueued: false });
    expect(await h.store.get(head.id)).toMatchObject({ state: 'paused', wait: { kind: 'sleep', until: T0 + 2_000 } });
    expect(h.queue.size).toBe(0);
    await h.control.resume(head.id);
    expect(h.queue.pending().map((m) => m.delaySeconds)).toEqual([2]);
    await h.clock.advance(2_000);
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed' });
  });
});

describe('a wait after the last step', () => {
  const tail = defineWorkflow<{ n: number }>({
    name: 'tail',
    steps: [
      {
        name: 'only',
        fn: (s, ctx) => (s.n === 0 ? ctx.sleep(1_000, { n: 1 }) : ctx.waitForEvent('done', { state: { n: s.n + 1 } })),
      },
    ],
  });

  it('completes the execution when a sleep ends, without a step message', async () => {
    const h = makeHarness({ workflows: [tail] });
    const { head } = await h.control.start({ workflow: 'tail', input: { n: 0 } });
    await h.drain();
    await h.clock.advance(1_000);
    await h.drain();
    expect(h.outcomes.map((o) => o.status)).toEqual(['waiting', 'completed']);
    expect(await h.store.get(head.id)).toMatchObject({
      state: 'completed',
      progress: 100,
      endTime: T0 + 1_000,
      data: { n: 1 },
    });
    expect(h.queue.pending()).toEqual([]);
  });

  it('completes the execution when its event arrives', async () => {
    const h = makeHarness({ workflows: [tail] });
    const { head } = await h.control.start({ workflow: 'tail', input: { n: 5 } });
    await h.drain();
    const { delivery, head: after } = await h.control.sendEvent(head.id, { type: 'done' });
    expect(delivery).toBe('resumed');
    expect(after).toMatchObject({ state: 'completed', data: { n: 6 } });
    expect(await h.drain()).toBe(0);
  });
});
