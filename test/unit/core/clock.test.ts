import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../lib/core/clock.js';

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
