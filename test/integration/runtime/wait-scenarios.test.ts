import { describe, expect, it } from 'vitest';
import { defineWorkflow, sweep, type RuntimeDeps, type StepContext, WorkflowRegistry } from '../../../lib/index.js';
import type { StepEvent } from '../../../lib/core/waits.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { useAwsResources } from '../aws/aws-test-context.js';
import { checkpointSteps, scenario, type Scenario } from './scenario-harness.js';

const aws = useAwsResources();
const secrets = { callbackSecrets: ['emulator-callback-secret-0123456789'] };

type W = { seen: (StepEvent | null | 'none')[]; token?: string; i?: number };
const input: W = { seen: [] };
const record = (s: W, ctx: StepContext): W => ({
  ...s,
  seen: [...s.seen, ctx.event === undefined ? 'none' : ctx.event],
});

function registry(wf: Parameters<typeof defineWorkflow<W>>[0]): WorkflowRegistry {
  const r = new WorkflowRegistry();
  r.register(defineWorkflow<W>(wf));
  return r;
}

/** ask (opens a callback, waits for 'go') -> done. */
function approvalScenario(
  options: { timeoutMs?: number; onTimeout?: 'fail' | 'continue' } = {},
  settings: Partial<RuntimeDeps> = {},
) {
  return scenario(
    aws(),
    registry({
      name: `approve${options.timeoutMs ?? ''}${options.onTimeout ?? ''}`,
      steps: [
        {
          name: 'ask',
          fn: (s, ctx) =>
            ctx.waitForEvent('go', {
              state: { ...record(s, ctx), token: ctx.callbackToken('go') },
              ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
              ...(options.onTimeout === undefined ? {} : { onTimeout: options.onTimeout }),
            }),
        },
        { name: 'done', fn: record },
      ],
    }),
    { ...secrets, ...settings },
  );
}

/** Receives until one message is there (long polls of 1 s), at most `seconds`. */
async function nextMessage(s: Scenario, seconds = 10) {
  for (let i = 0; i < seconds; i++) {
    const [m] = await s.receive(1);
    if (m) return m;
  }
  throw new Error(`no message within ${seconds} s`);
}

async function headOf(s: Scenario, id: string) {
  return (await s.control.get(id)).head;
}

describe('waits, events and loops on DynamoDB and SQS (moto)', () => {
  it('wakes a 2 s sleep by its delayed wake message, and runs the next step after it', async () => {
    const s = scenario(
      aws(),
      registry({
        name: 'nap',
        steps: [
          { name: 'nap', fn: (x, ctx) => ctx.sleep(2_000, record(x, ctx)) },
          { name: 'up', fn: record },
        ],
      }),
      secrets,
    );
    const { head } = await s.control.start({ workflow: 'nap', input });
    const delayedBefore = await s.delayed();
    const [committed] = await s.drain();
    expect(committed).toMatchObject({ status: 'waiting', wakeDelaySeconds: 2 });
    expect(await s.delayed()).toBe(delayedBefore + 1);
    const until = (await headOf(s, head.id)).wait?.until ?? 0;
    const wake = await nextMessage(s);
    const lateness = Date.now() - until;
    expect(wake.body).toEqual({ v: 1, executionId: head.id, step: 1, token: 1, wake: true });
    const woken = await s.deliver(wake);
    // SQS may hand a delayed message over a little early; the wake then re-sends itself for the rest.
    if (woken.status === 'rescheduled') await s.deliver(await nextMessage(s));
    else expect(woken.status).toBe('woken');
    await s.drain();
    expect(await headOf(s, head.id)).toMatchObject({
      state: 'completed',
      stepRuns: 2,
      data: { seen: ['none', 'none'] },
    });
    expect(Number.isFinite(lateness)).toBe(true);
  });

  it('reaches the end of a 20-minute sleep through the sweeper and a chain of wake messages', async () => {
    const clock = new ManualClock(Date.now());
    const s = scenario(
      aws(),
      registry({
        name: 'long',
        steps: [
          { name: 'long', fn: (x, ctx) => ctx.sleep(20 * 60_000, record(x, ctx)) },
          { name: 'after', fn: record },
        ],
      }),
      // A hop limit of 1 s instead of SQS's 900 s, so the chain is short in real time.
      { ...secrets, clock, maxDelaySeconds: 1 },
    );
    const { head } = await s.control.start({ workflow: 'long', input });
    expect((await s.drain()).map((o) => o.status)).toEqual(['waiting']);
    const until = clock.now() + 20 * 60_000;
    expect(await headOf(s, head.id)).toMatchObject({ state: 'waiting', sweepAt: until - 1_000 });
    expect(await sweep({ now: until - 1_001 }, s.deps)).toEqual({ examined: 0, reenqueued: 0 });
    await clock.advance(20 * 60_000 - 1_500);
    expect(await sweep({}, s.deps)).toEqual({ examined: 0, reenqueued: 0 });
    await clock.advance(500);
    expect(await sweep({}, s.deps)).toEqual({ examined: 1, reenqueued: 1 });
    expect((await headOf(s, head.id)).sweepAt).toBe(until + 300_000);
    expect(await sweep({}, s.deps)).toEqual({ examined: 0, reenqueued: 0 });
    // The sweeper's wake message comes 1 s later in real time; on the runtime's clock it is still early.
    expect(await s.deliver(await nextMessage(s))).toMatchObject({ status: 'rescheduled', delaySeconds: 1 });
    await clock.advance(1_000);
    expect(await s.deliver(await nextMessage(s))).toMatchObject({ status: 'woken' });
    await s.drain();
    expect(await headOf(s, head.id)).toMatchObject({ state: 'completed', stepRuns: 2 });
  });

  it('consumes an event sent before the wait, and delivers a repeated eventId once', async () => {
    const s = approvalScenario();
    const { head } = await s.control.start({ workflow: 'approve', input });
    const sent = await s.control.sendEvent(head.id, { type: 'go', payload: 'early', eventId: 'e-1' });
    const again = await s.control.sendEvent(head.id, { type: 'go', payload: 'again', eventId: 'e-1' });
    expect([sent.delivery, again.delivery]).toEqual(['buffered', 'duplicate']);
    expect((await s.drain()).map((o) => o.status)).toEqual(['committed', 'completed']);
    const done = await headOf(s, head.id);
    expect((done.data as W).seen[1]).toMatchObject({ id: 'e-1', type: 'go', payload: 'early' });
    expect(done.inbox).toEqual([]);
  });

  it('pauses a waiting execution; an event then is kept, and resume runs the next step with it', async () => {
    const s = approvalScenario();
    const { head } = await s.control.start({ workflow: 'approve', input });
    await s.drain();
    expect((await s.control.pause(head.id)).head).toMatchObject({ state: 'paused', wait: { eventType: 'go' } });
    expect((await s.control.sendEvent(head.id, { type: 'go', payload: 'while paused' })).delivery).toBe('buffered');
    expect(await s.drain()).toEqual([]);
    expect((await s.control.resume(head.id)).head).toMatchObject({ state: 'running', inbox: [] });
    await s.drain();
    const done = await headOf(s, head.id);
    expect(done.state).toBe('completed');
    expect((done.data as W).seen[1]).toMatchObject({ payload: 'while paused' });
  });

  it("fails a timed-out wait with WAIT_TIMEOUT, or runs on with a null event with onTimeout 'continue'", async () => {
    for (const onTimeout of ['fail', 'continue'] as const) {
      const s = approvalScenario({ timeoutMs: 1_000, onTimeout });
      const { head } = await s.control.start({ workflow: `approve1000${onTimeout}`, input });
      expect((await s.drain())[0]).toMatchObject({ status: 'waiting', wakeDelaySeconds: 1 });
      let outcome = await s.deliver(await nextMessage(s));
      if (outcome.status === 'rescheduled') outcome = await s.deliver(await nextMessage(s));
      await s.drain();
      const after = await headOf(s, head.id);
      if (onTimeout === 'fail') {
        expect(outcome).toMatchObject({ status: 'failed', error: { code: 'WAIT_TIMEOUT' } });
        expect(after).toMatchObject({ state: 'failed', error: { code: 'WAIT_TIMEOUT' }, wait: { kind: 'event' } });
      } else {
        expect(after.state).toBe('completed');
        expect((after.data as W).seen).toEqual(['none', null]);
      }
    }
  });

  it('accepts a callback token once: the second use is NOT_FOUND', async () => {
    const s = approvalScenario();
    const { head } = await s.control.start({ workflow: 'approve', input });
    await s.drain();
    const token = ((await headOf(s, head.id)).data as W).token ?? '';
    expect((await s.control.completeCallback(token, { ok: 1 })).delivery).toBe('resumed');
    await expect(s.control.completeCallback(token, { ok: 2 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'callback not found',
    });
    await s.drain();
    expect(((await headOf(s, head.id)).data as W).seen[1]).toMatchObject({ payload: { ok: 1 } });
  });

  it('runs a goto loop of 50 runs with 51 checkpoints, and stops a runaway loop at maxStepRuns', async () => {
    const s = scenario(
      aws(),
      registry({
        name: 'loop',
        steps: [
          { name: 'again', fn: (x, ctx) => ((x.i ?? 0) + 1 < 50 ? ctx.goto('again', { ...x, i: (x.i ?? 0) + 1 }) : x) },
        ],
      }),
      secrets,
    );
    const { head } = await s.control.start({ workflow: 'loop', input: { seen: [], i: 0 } });
    await s.drain();
    expect(await headOf(s, head.id)).toMatchObject({ state: 'completed', stepRuns: 50, data: { i: 49 } });
    const cps = await s.control.get(head.id, { checkpointsLimit: 100 });
    expect(cps.checkpoints.items.map((c) => c.seq)).toEqual(Array.from({ length: 51 }, (_, i) => 50 - i));
    expect(await checkpointSteps(s.control, head.id)).toHaveLength(51);
    const capped = await s.control.start({ workflow: 'loop', input: { seen: [], i: 0 }, maxStepRuns: 5 });
    const outcomes = await s.drain();
    expect(outcomes.at(-1)).toMatchObject({ status: 'failed', error: { code: 'STEP_LIMIT_EXCEEDED' } });
    expect(await headOf(s, capped.head.id)).toMatchObject({ state: 'failed', stepRuns: 5 });
  }, 120_000);
});
