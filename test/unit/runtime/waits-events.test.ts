import type { StepMessage } from '../../../lib/runtime/model.js';
import { describe, expect, it } from 'vitest';
import { MAX_INBOX_EVENTS, type StepEvent } from '../../../lib/core/waits.js';
import type { StepContext } from '../../../lib/core/types.js';
import type { ControlPlane } from '../../../lib/runtime/control-plane.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { makeHarness, T0 } from './harness.js';

type W = { seen: (StepEvent | null | 'none')[]; token?: string };
const input: W = { seen: [] };
const record = (s: W, ctx: StepContext): W => ({
  ...s,
  seen: [...s.seen, ctx.event === undefined ? 'none' : ctx.event],
});

/** ask -> wait for 'approval' -> done. `during` runs inside the asking step (a fast approver). */
function approval(
  options: {
    timeoutMs?: number;
    onTimeout?: 'fail' | 'continue';
    during?: (control: ControlPlane, id: string) => Promise<unknown>;
  } = {},
) {
  const ref: { control?: ControlPlane } = {};
  const wf = defineWorkflow<W>({
    name: 'approval',
    steps: [
      {
        name: 'ask',
        fn: async (s, ctx) => {
          const token = ctx.callbackToken('approval');
          if (options.during && ref.control) await options.during(ref.control, ctx.executionId);
          const { timeoutMs, onTimeout } = options;
          return ctx.waitForEvent('approval', {
            state: { ...record(s, ctx), token },
            ...(timeoutMs === undefined ? {} : { timeoutMs }),
            ...(onTimeout === undefined ? {} : { onTimeout }),
          });
        },
      },
      { name: 'done', fn: record },
    ],
  });
  const h = makeHarness({ workflows: [wf] });
  ref.control = h.control;
  return h;
}

describe('events on the serverless runtime', () => {
  it('ends an event wait with the event: the next step sees it as ctx.event', async () => {
    const h = approval();
    const { head } = await h.control.start({ workflow: 'approval', input });
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({
      state: 'waiting',
      wait: { kind: 'event', eventType: 'approval' },
    });
    expect((await h.store.get(head.id))?.sweepAt).toBeUndefined();
    const sent = await h.control.sendEvent(head.id, { type: 'approval', payload: { ok: true }, eventId: 'r1' });
    expect(sent).toMatchObject({
      delivery: 'resumed',
      head: { state: 'running', version: 2, delivered: { id: 'r1' } },
    });
    // The head keeps its last few events: the event is recorded once, not once per change it makes.
    expect(sent.head.events.map((e) => e.type).slice(-2)).toEqual(['step_completed', 'resumed']);
    await h.drain();
    const done = await h.store.get(head.id);
    expect(done?.state).toBe('completed');
    expect((done?.data as W).seen[1]).toEqual({
      id: 'r1',
      type: 'approval',
      payload: { ok: true },
      receivedAt: new Date(T0).toISOString(),
    });
    expect(done?.delivered).toBeUndefined();
  });

  it('keeps an event sent while the step runs, and the wait takes it at once (no lost wake-up)', async () => {
    const h = approval({ during: (control, id) => control.sendEvent(id, { type: 'approval', payload: 'fast' }) });
    const { head } = await h.control.start({ workflow: 'approval', input });
    await h.drain();
    expect(h.outcomes.map((o) => o.status)).toEqual(['committed', 'completed']);
    const done = await h.store.get(head.id);
    expect((done?.data as W).seen[1]).toMatchObject({ type: 'approval', payload: 'fast' });
    expect(done?.inbox).toEqual([]);
  });

  it('buffers an event sent before the wait, and delivers a repeated eventId once', async () => {
    const h = approval();
    const { head } = await h.control.start({ workflow: 'approval', input });
    const first = await h.control.sendEvent(head.id, { type: 'approval', payload: 1, eventId: 'k' });
    const again = await h.control.sendEvent(head.id, { type: 'approval', payload: 2, eventId: 'k' });
    expect([first.delivery, again.delivery]).toEqual(['buffered', 'duplicate']);
    expect(first.head).toMatchObject({ state: 'running', inboxSeq: 1, inbox: [{ id: 'k', payload: 1 }] });
    await h.drain();
    const done = await h.store.get(head.id);
    expect(done).toMatchObject({ state: 'completed', inbox: [] });
    expect((done?.data as W).seen[1]).toMatchObject({ id: 'k', payload: 1 });
    expect(
      await h.control.sendEvent(head.id, { type: 'approval', eventId: 'k' }).catch((e: unknown) => e),
    ).toMatchObject({ code: 'ILLEGAL_TRANSITION' });
  });

  it('refuses events to unknown executions, malformed events, and a full inbox', async () => {
    const h = approval();
    await expect(h.control.sendEvent('exec_missing', { type: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { head } = await h.control.start({ workflow: 'approval', input });
    await expect(h.control.sendEvent(head.id, { type: '' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    for (let i = 0; i < MAX_INBOX_EVENTS; i++) await h.control.sendEvent(head.id, { type: 'other' });
    await expect(h.control.sendEvent(head.id, { type: 'other' })).rejects.toMatchObject({ code: 'INBOX_FULL' });
    expect((await h.store.get(head.id))?.inbox).toHaveLength(MAX_INBOX_EVENTS);
  });

  it('pauses a waiting execution; an event then is kept, and resume runs the next step with it', async () => {
    const h = approval();
    const { head } = await h.control.start({ workflow: 'approval', input });
    await h.drain();
    expect(await h.control.pause(head.id)).toMatchObject({
      changed: true,
      head: { state: 'paused', wait: { kind: 'event' } },
    });
    expect((await h.control.sendEvent(head.id, { type: 'approval', payload: 'p' })).delivery).toBe('buffered');
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'paused' });
    expect(await h.control.resume(head.id)).toMatchObject({ changed: true, head: { state: 'running', inbox: [] } });
    await h.drain();
    const done = await h.store.get(head.id);
    expect(done?.state).toBe('completed');
    expect((done?.data as W).seen[1]).toMatchObject({ payload: 'p' });
  });

  it('tells of the resume and the end, and of no wait, when resume delivers the kept event to a last step that waited', async () => {
    const solo = defineWorkflow<W>({
      name: 'solo',
      steps: [{ name: 'ask', fn: (s, ctx) => ctx.waitForEvent('approval', { state: s }) }],
    });
    const h = makeHarness({ workflows: [solo] });
    const { head } = await h.control.start({ workflow: 'solo', input });
    await h.drain();
    await h.control.pause(head.id);
    expect((await h.control.sendEvent(head.id, { type: 'approval', payload: 'p' })).delivery).toBe('buffered');
    const told = h.events.length;
    expect(await h.control.resume(head.id)).toMatchObject({ head: { state: 'completed' } });
    expect(h.events.slice(told).map((e) => e.type)).toEqual(['resumed', 'execution_completed']);
    expect(h.queue.pending()).toEqual([]);
  });

  it('resumes a paused wait without its event back to waiting, with the same deadline', async () => {
    const h = approval({ timeoutMs: 60_000 });
    const { head } = await h.control.start({ workflow: 'approval', input });
    await h.drain();
    await h.control.pause(head.id);
    await h.clock.advance(10_000);
    const told = h.events.length;
    expect(await h.control.resume(head.id)).toMatchObject({ head: { state: 'waiting', wait: { until: T0 + 60_000 } } });
    expect(h.events.slice(told).map((e) => e.type)).toEqual(['resumed', 'waiting']);
    // The first wake message (60 s) is still queued; its token is now stale.
    expect(h.queue.pending().map((m) => [m.delaySeconds, (m.message as StepMessage).token])).toEqual([
      [60, 1],
      [50, 2],
    ]);
    await h.clock.advance(50_000);
    await h.drain();
    expect(
      h.outcomes
        .slice(-2)
        .map((o) => o.status)
        .sort(),
    ).toEqual(['dropped', 'failed']);
    expect(await h.store.get(head.id)).toMatchObject({ state: 'failed', error: { code: 'WAIT_TIMEOUT' } });
  });

  it('fails a timed-out wait with WAIT_TIMEOUT, and retry waits again with a fresh timeout', async () => {
    const h = approval({ timeoutMs: 5_000 });
    const { head } = await h.control.start({ workflow: 'approval', input });
    await h.drain();
    await h.clock.advance(5_000);
    await h.drain();
    const failed = await h.store.get(head.id);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'WAIT_TIMEOUT' }, callbacks: [] });
    await h.clock.advance(1_000);
    const retried = await h.control.retry(head.id);
    expect(retried).toMatchObject({ changed: true, head: { state: 'waiting', wait: { until: T0 + 11_000 } } });
    expect(retried.head.error).toBeUndefined();
    await h.control.sendEvent(head.id, { type: 'approval' });
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'completed' });
  });

  it("runs on with ctx.event null after a timeout with onTimeout 'continue'", async () => {
    const h = approval({ timeoutMs: 5_000, onTimeout: 'continue' });
    const { head } = await h.control.start({ workflow: 'approval', input });
    await h.drain();
    await h.clock.advance(5_000);
    await h.drain();
    const done = await h.store.get(head.id);
    expect(done?.state).toBe('completed');
    expect((done?.data as W).seen).toEqual(['none', null]);
  });

  it('delivers a callback once: a used, forged or dead token is NOT_FOUND with one message', async () => {
    const h = approval();
    const { head } = await h.control.start({ workflow: 'approval', input });
    await h.drain();
    const token = ((await h.store.get(head.id))?.data as W).token ?? '';
    expect((await h.store.get(head.id))?.callbacks).toHaveLength(1);
    const forged = `${token.slice(0, -2)}xx`;
    await expect(h.control.completeCallback(forged)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'callback not found',
    });
    const used = await h.control.completeCallback(token, { approved: true });
    expect(used).toMatchObject({ delivery: 'resumed', head: { callbacks: [] } });
    await expect(h.control.completeCallback(token)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'callback not found',
    });
    await h.drain();
    const done = await h.store.get(head.id);
    expect((done?.data as W).seen[1]).toMatchObject({ type: 'approval', payload: { approved: true } });
  });

  it('verifies tokens signed with an older secret while rotating', async () => {
    const h = approval();
    const { head } = await h.control.start({ workflow: 'approval', input });
    await h.drain();
    const token = ((await h.store.get(head.id))?.data as W).token ?? '';
    const { ControlPlane } = await import('../../../lib/runtime/control-plane.js');
    const rotated = new ControlPlane({
      ...h.deps,
      callbackSecrets: ['the-new-secret-of-32-characters!', ...(h.deps.callbackSecrets ?? [])],
    });
    expect((await rotated.completeCallback(token)).delivery).toBe('resumed');
    const withoutOld = new ControlPlane({ ...h.deps, callbackSecrets: ['the-new-secret-of-32-characters!'] });
    await expect(withoutOld.completeCallback(token)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(() => new ControlPlane({ ...h.deps, callbackSecrets: ['short'] })).toThrow(/16 bytes/);
  });
});
