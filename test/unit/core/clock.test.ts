import { describe, expect, it } from 'vitest';
import { setRepeatingTimers, systemClock } from '../../../lib/core/clock.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';

const T0 = Date.UTC(2026, 11, 2);

/** Timers that keep this process running now. */
const liveTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('systemClock', () => {
  it('reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('keeps the process running for a timer until cancelled, unless it is set with keepAlive false', () => {
    const idle = liveTimers();
    const cancelKept = systemClock.setTimer(3_600_000, () => undefined);
    expect(liveTimers()).toBe(idle + 1);
    const cancelBackground = systemClock.setTimer(3_600_000, () => undefined, { keepAlive: false });
    expect(liveTimers()).toBe(idle + 1);
    cancelKept();
    cancelBackground();
    expect(liveTimers()).toBe(idle);
  });
});

describe('setRepeatingTimers', () => {
  it('runs each job at its own interval, in the given order when both are due, on one timer at a time', async () => {
    const clock = new ManualClock(T0);
    const calls: string[] = [];
    const at = (name: string) => () => calls.push(`${name}@${clock.now() - T0}`);
    const stop = setRepeatingTimers(clock, [
      { ms: 300, callback: at('beat') },
      { ms: 200, callback: at('save') },
    ]);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(600);
    expect(calls).toEqual(['save@200', 'beat@300', 'save@400', 'beat@600', 'save@600']);
    expect(clock.pendingTimers).toBe(1);
    stop();
    await clock.advance(1_000);
    expect(calls).toHaveLength(5);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs no later job once a job stops them all', async () => {
    const clock = new ManualClock(T0);
    const calls: string[] = [];
    const stop: () => void = setRepeatingTimers(clock, [
      { ms: 100, callback: () => (calls.push('first'), stop()) },
      { ms: 100, callback: () => calls.push('second') },
    ]);
    await clock.advance(500);
    expect(calls).toEqual(['first']);
    expect(clock.pendingTimers).toBe(0);
  });
});
