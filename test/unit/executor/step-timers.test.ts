import { describe, expect, it } from 'vitest';
import { StepTimers } from '../../../lib/executor/step-timers.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';

const T0 = Date.UTC(2026, 11, 2);

/** Timers one test's jobs record firing at, relative to T0. */
function recorder(clock: ManualClock): { fired: number[]; job: (ms: number) => { ms: number; callback: () => void } } {
  const fired: number[] = [];
  return { fired, job: (ms) => ({ ms, callback: () => fired.push(clock.now() - T0) }) };
}

describe('StepTimers', () => {
  it('runs a job every ms from the moment its step began', async () => {
    const clock = new ManualClock(T0);
    const { fired, job } = recorder(clock);
    const timers = new StepTimers(clock);
    timers.begin([job(5)]);
    await clock.advance(14);
    expect(fired).toEqual([5, 10]);
    timers.stop();
  });

  it('counts from the later step, not the first, when one timer serves several steps', async () => {
    const clock = new ManualClock(T0);
    const { fired, job } = recorder(clock);
    const timers = new StepTimers(clock);
    const jobs = [job(5)];
    timers.begin(jobs);
    await clock.advance(3);
    timers.end();
    timers.begin(jobs);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(4);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([8]);
    timers.stop();
  });

  it('runs nothing between steps, and leaves no timer once stopped', async () => {
    const clock = new ManualClock(T0);
    const { fired, job } = recorder(clock);
    const timers = new StepTimers(clock);
    timers.begin([job(5), job(7)]);
    await clock.advance(5);
    timers.end();
    await clock.advance(20);
    expect(fired).toEqual([5]);
    expect(clock.pendingTimers).toBe(0);
    timers.begin([job(5)]);
    timers.stop();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(20);
    expect(fired).toEqual([5]);
  });

  it('stops at once when a job ends its step', async () => {
    const clock = new ManualClock(T0);
    const fired: string[] = [];
    const timers = new StepTimers(clock);
    timers.begin([
      { ms: 5, callback: () => (fired.push('first'), timers.end()) },
      { ms: 5, callback: () => fired.push('second') },
    ]);
    await clock.advance(20);
    expect(fired).toEqual(['first']);
  });
});
