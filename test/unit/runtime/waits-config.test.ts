import { describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../lib/runtime/control-plane.js';
import { parseStepMessage } from '../../../lib/runtime/step-message.js';
import { processStepMessage } from '../../../lib/runtime/step-processor.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { makeHarness } from './harness.js';

describe('wait settings and messages of the runtime', () => {
  it('checks callbackSecrets and maxDelaySeconds, naming the problem', () => {
    const { deps } = makeHarness();
    expect(() => new ControlPlane({ ...deps, callbackSecrets: [] })).toThrow(/non-empty list/);
    expect(() => new ControlPlane({ ...deps, callbackSecrets: ['0123456789abcdef', 'x'] })).toThrow(/16 bytes/);
    expect(() => new ControlPlane({ ...deps, maxDelaySeconds: 901 })).toThrow(/maxDelaySeconds/);
    expect(() => new ControlPlane({ ...deps, maxDelaySeconds: 0 })).toThrow(/maxDelaySeconds/);
  });

  it('fails the attempt of a step that asks for a callback token when the runtime has no secret, saying why', async () => {
    const wf = defineWorkflow({ name: 'cb', steps: [{ name: 'cb', fn: (s, ctx) => (ctx.callbackToken('go'), s) }] });
    const h = makeHarness({ workflows: [wf], config: { maxRetries: 0 } });
    const { head } = await h.control.start({ workflow: 'cb', input: 1 });
    const { callbackSecrets: _unused, ...noSecrets } = h.deps;
    await h.queue.drain((m) => processStepMessage(m, { deadline: h.clock.now() + 60_000 }, noSecrets));
    const failed = await h.store.get(head.id);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'VALIDATION_ERROR' } });
    expect(failed?.error?.message).toMatch(/callbackSecrets/);
    await expect(new ControlPlane(noSecrets).completeCallback('cb1.x.y')).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
  });

  it('parses a wake message and refuses any other value of wake', () => {
    const wake = { v: 1, executionId: 'e1', step: 2, token: 3, wake: true };
    expect(parseStepMessage(JSON.stringify(wake))).toEqual({ ok: true, message: wake });
    expect(parseStepMessage({ ...wake, wake: false })).toMatchObject({ ok: false, reason: /wake must be true/ });
    expect(parseStepMessage({ ...wake, wake: true, extra: 1 })).toMatchObject({ ok: false });
  });

  it('kills the callbacks of a cancelled waiting execution', async () => {
    type W = { token?: string };
    const wf = defineWorkflow<W>({
      name: 'ask',
      steps: [{ name: 'ask', fn: (_s, ctx) => ctx.waitForEvent('go', { state: { token: ctx.callbackToken('go') } }) }],
    });
    const h = makeHarness({ workflows: [wf] });
    const { head } = await h.control.start({ workflow: 'ask', input: {} });
    await h.drain();
    const token = ((await h.store.get(head.id))?.data as W).token ?? '';
    expect((await h.control.cancel(head.id)).head).toMatchObject({ state: 'cancelled', callbacks: [] });
    await expect(h.control.completeCallback(token)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'callback not found',
    });
    await expect(h.control.sendEvent(head.id, { type: 'go' })).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
  });
});
