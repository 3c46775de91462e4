import { describe, expect, it } from 'vitest';
import { InMemoryStepQueue } from '../../../lib/testing/in-memory-step-queue.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import type { StepMessage } from '../../../lib/runtime/model.js';
import type { JobMessage } from '../../../lib/runtime/bulk-model.js';

const msg = (step: number): StepMessage => ({ v: 1, executionId: 'e1', step, token: step });
const stepOf = (m: StepMessage | JobMessage): number => ('step' in m ? m.step : -1);

describe('InMemoryStepQueue', () => {
  it('makes a message visible after its delay on the injected clock', async () => {
    const clock = new ManualClock(5_000);
    const queue = new InMemoryStepQueue({ clock });
    await queue.send(msg(0), 3);
    await queue.send(msg(1));
    expect(queue.sent.map((m) => [stepOf(m.message), m.delaySeconds, m.visibleAt])).toEqual([
      [0, 3, 8_000],
      [1, 0, 5_000],
    ]);
    expect(queue.receive().map((m) => stepOf(m.message))).toEqual([1]);
    expect(queue.receive()).toEqual([]);
    expect(queue.nextVisibleAt()).toBe(8_000);
    await clock.advance(2_999);
    expect(queue.receive()).toEqual([]);
    await clock.advance(1);
    expect(queue.receive().map((m) => stepOf(m.message))).toEqual([0]);
    expect(queue.size).toBe(0);
  });

  it.each([-1, 901, 1.5, Number.NaN])('refuses delaySeconds %s', async (delay) => {
    const queue = new InMemoryStepQueue();
    await expect(queue.send(msg(0), delay)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(queue.size).toBe(0);
  });

  it('accepts the 900 s maximum', async () => {
    const queue = new InMemoryStepQueue({ clock: new ManualClock(0) });
    await queue.send(msg(0), 900);
    expect(queue.pending()[0]?.visibleAt).toBe(900_000);
  });

  it('drains until nothing is visible, including messages sent by the handler', async () => {
    const queue = new InMemoryStepQueue({ clock: new ManualClock(0) });
    await queue.send(msg(0));
    const seen: number[] = [];
    const handled = await queue.drain(async (m) => {
      seen.push(stepOf(m));
      if (stepOf(m) < 3) await queue.send(msg(stepOf(m) + 1));
      if (stepOf(m) === 3) await queue.send(msg(99), 10);
    });
    expect(handled).toBe(4);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(queue.pending().map((m) => stepOf(m.message))).toEqual([99]);
  });

  it('returns a message whose handler threw after the visibility timeout, and rethrows', async () => {
    const clock = new ManualClock(0);
    const queue = new InMemoryStepQueue({ clock, visibilityTimeoutSeconds: 30 });
    await queue.send(msg(0));
    await expect(queue.drain(() => Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
    expect(queue.pending()).toEqual([expect.objectContaining({ visibleAt: 30_000 })]);
    await clock.advance(29_999);
    expect(await queue.drain(() => Promise.resolve())).toBe(0);
    await clock.advance(1);
    expect(await queue.drain(() => Promise.resolve())).toBe(1);
  });
});
