import { describe, expect, it } from 'vitest';
import { type Clock, MAX_TIMER_MS, setRepeatingTimer } from '../../../lib/core/clock.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';

const T0 = Date.UTC(2025, 0, 1);

/** Resolves after `ms` on `clock`. */
const sleep = (clock: Clock, ms: number): Promise<void> => new Promise((resolve) => clock.setTimer(ms, resolve));

describe('ManualClock', () => {
  it('starts at the given time and moves only when advanced, by exactly the amount', async () => {
    const clock = new ManualClock(T0);
    expect(clock.now()).toBe(T0);
    await clock.advance(0);
    expect(clock.now()).toBe(T0);
    await clock.advance(1_500);
    expect(clock.now()).toBe(T0 + 1_500);
    expect(new ManualClock().now()).toBe(0);
  });

  it('fires a timer at its due time and not a millisecond before', async () => {
    const clock = new ManualClock(T0);
    const fired: number[] = [];
    clock.setTimer(10, () => fired.push(clock.now()));
    await clock.advance(9);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt).toBe(T0 + 10);
    await clock.advance(1);
    expect(fired).toEqual([T0 + 10]);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextTimerAt).toBeUndefined();
  });

  it('fires timers in time order, those due together in the order they were set, at their own times', async () => {
    const clock = new ManualClock(T0);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now() - T0}`);
    clock.setTimer(30, at('c'));
    clock.setTimer(10, at('a1'));
    clock.setTimer(20, at('b'));
    clock.setTimer(10, at('a2'));
    await clock.advance(100);
    expect(fired).toEqual(['a1@10', 'a2@10', 'b@20', 'c@30']);
    expect(clock.now()).toBe(T0 + 100);
  });

  it('never fires a timer synchronously, even one of 0 ms, and clamps delays like the system clock', async () => {
    const clock = new ManualClock(T0);
    const fired: string[] = [];
    clock.setTimer(0, () => fired.push('zero'));
    clock.setTimer(-5, () => fired.push('negative'));
    clock.setTimer(Number.NaN, () => fired.push('nan'));
    clock.setTimer(MAX_TIMER_MS * 2, () => fired.push('huge'));
    expect(fired).toEqual([]);
    await clock.advance(0);
    expect(fired).toEqual(['zero', 'negative', 'nan']);
    expect(clock.nextTimerAt).toBe(T0 + MAX_TIMER_MS);
  });

  it('does not fire a cancelled timer, and cancelling twice or after it fired does nothing', async () => {
    const clock = new ManualClock(T0);
    const fired: string[] = [];
    const cancelA = clock.setTimer(5, () => fired.push('a'));
    const cancelB = clock.setTimer(5, () => fired.push('b'));
    cancelA();
    cancelA();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(5);
    cancelB();
    expect(fired).toEqual(['b']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('drives a retry loop (fail, sleep the backoff, retry) through every round in one advance', async () => {
    const clock = new ManualClock(T0);
    const attempts: number[] = [];
    const loop = (async () => {
      for (let attempt = 0; attempt < 4; attempt++) {
        attempts.push(clock.now() - T0);
        await Promise.resolve(); // the step, failing after some promise hops
        await Promise.resolve();
        if (attempt < 3) await sleep(clock, 10 * 2 ** attempt);
      }
    })();
    await clock.advance(69);
    expect(attempts).toEqual([0, 10, 30]);
    await clock.advance(1);
    expect(attempts).toEqual([0, 10, 30, 70]);
    await loop;
  });

  it('fires a timer set after an earlier timer fired before a later timer that was set first', async () => {
    const clock = new ManualClock(T0);
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push(`late@${clock.now() - T0}`));
    void sleep(clock, 10).then(async () => {
      fired.push(`first@${clock.now() - T0}`);
      await Promise.resolve();
      clock.setTimer(5, () => fired.push(`follow-up@${clock.now() - T0}`));
    });
    await clock.advance(25);
    expect(fired).toEqual(['first@10', 'follow-up@15', 'late@20']);
  });

  it('lets pending promise callbacks run on advance(0) without moving time', async () => {
    const clock = new ManualClock(T0);
    let done = false;
    void Promise.resolve()
      .then(() => undefined)
      .then(() => (done = true));
    await clock.advance(0);
    expect(done).toBe(true);
    expect(clock.now()).toBe(T0);
  });

  it('runs the next timer alone with runNext, and reports when none is pending', async () => {
    const clock = new ManualClock(T0);
    const fired: number[] = [];
    clock.setTimer(300, () => fired.push(clock.now() - T0));
    clock.setTimer(700, () => fired.push(clock.now() - T0));
    expect(await clock.runNext()).toBe(true);
    expect(fired).toEqual([300]);
    expect(clock.now()).toBe(T0 + 300);
    expect(await clock.runNext()).toBe(true);
    expect(await clock.runNext()).toBe(false);
    expect(fired).toEqual([300, 700]);
    expect(clock.now()).toBe(T0 + 700);
  });

  it('runs timers until a promise settles, and returns its value or throws its error', async () => {
    const clock = new ManualClock(T0);
    const slow = async (): Promise<string> => {
      await sleep(clock, 1_000);
      await sleep(clock, 2_000);
      return 'done';
    };
    expect(await clock.runUntilSettled(slow())).toBe('done');
    expect(clock.now()).toBe(T0 + 3_000);
    const failing = sleep(clock, 50).then(() => Promise.reject(new Error('boom')));
    await expect(clock.runUntilSettled(failing)).rejects.toThrow('boom');
    expect(clock.now()).toBe(T0 + 3_050);
  });

  it('refuses to wait forever: a promise no timer settles, or one that outlasts maxTimers, is an error', async () => {
    const clock = new ManualClock(T0);
    await expect(clock.runUntilSettled(new Promise(() => undefined))).rejects.toThrow(/no timer is set/);
    const stop = setRepeatingTimer(clock, 1_000, () => undefined);
    await expect(clock.runUntilSettled(new Promise(() => undefined), 5)).rejects.toThrow(/after 5 timers/);
    expect(clock.now()).toBe(T0 + 5_000);
    stop();
  });

  it('drives setRepeatingTimer every interval until it is stopped', async () => {
    const clock = new ManualClock(T0);
    const ticks: number[] = [];
    const stop = setRepeatingTimer(clock, 250, () => ticks.push(clock.now() - T0));
    await clock.advance(1_000);
    expect(ticks).toEqual([250, 500, 750, 1_000]);
    stop();
    await clock.advance(1_000);
    expect(ticks).toHaveLength(4);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects a negative or non-finite advance, a bad start, and an advance while one runs', async () => {
    const clock = new ManualClock(T0);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await expect(clock.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(() => new ManualClock(Number.NaN)).toThrow(RangeError);
    const first = clock.advance(10);
    await expect(clock.advance(10)).rejects.toThrow(/already advancing/);
    await first;
    expect(clock.now()).toBe(T0 + 10);
  });

  it('rejects the advance whose timer callback throws, with time at that timer', async () => {
    const clock = new ManualClock(T0);
    const fired: string[] = [];
    clock.setTimer(10, () => {
      throw new Error('callback bug');
    });
    clock.setTimer(20, () => fired.push('later'));
    await expect(clock.advance(30)).rejects.toThrow('callback bug');
    expect(clock.now()).toBe(T0 + 10);
    await clock.advance(10);
    expect(fired).toEqual(['later']);
  });
});
