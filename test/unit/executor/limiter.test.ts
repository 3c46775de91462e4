import { describe, expect, it } from 'vitest';
import { claimsOf } from '../../../lib/core/limits.js';
import { Limiter, type WaitMark } from '../../../lib/executor/limiter.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';

const T0 = Date.UTC(2025, 0, 1);

/** Takes `key` with `bounds` for a new waiter; records when it was granted. */
function taker(limiter: Limiter, clock: ManualClock, granted: number[]) {
  return async (bounds: { perSecond?: number; perMinute?: number; concurrency?: number }, key = 'k') => {
    const mark: WaitMark = { throttled: undefined };
    const lease = await limiter.acquire([{ key, ...bounds }], new AbortController().signal, mark);
    granted.push(clock.now() - T0);
    return lease;
  };
}

describe('Limiter', () => {
  it('merges two limits on one key into the tighter bounds and sorts the keys', () => {
    const claims = claimsOf(
      [
        { key: 'openai', concurrency: 5 },
        { key: (s: { tenant: string }) => `tenant:${s.tenant}`, perSecond: 2 },
        { key: 'openai', concurrency: 3, perMinute: 100 },
        { key: 'anthropic', perMinute: 10 },
      ],
      { tenant: 'x' },
      'call',
    );
    expect(claims).toEqual([
      { key: 'anthropic', perMinute: 10 },
      { key: 'openai', concurrency: 3, perMinute: 100 },
      { key: 'tenant:x', perSecond: 2 },
    ]);
  });

  it('throws an error naming the step when a key function returns no valid key', () => {
    expect(() => claimsOf([{ key: () => '', concurrency: 1 }], {}, 'call')).toThrow(/step "call"/);
  });

  it('spaces starts by the slower of two rates on one key', async () => {
    const clock = new ManualClock(T0);
    const limiter = new Limiter(clock);
    const granted: number[] = [];
    const take = taker(limiter, clock, granted);
    const all = Promise.all([1, 2, 3, 4].map(() => take({ perSecond: 4, perMinute: 30 })));
    await clock.runUntilSettled(all);
    expect(granted).toEqual([0, 2_000, 4_000, 6_000]);
  });

  it('shows a waiter throttled with the key in use and no limit for a rate-only key, cleared once granted', async () => {
    const clock = new ManualClock(T0);
    const limiter = new Limiter(clock);
    const mark: WaitMark = { throttled: undefined };
    const signal = new AbortController().signal;
    await limiter.acquire([{ key: 'k', perSecond: 1 }], signal, { throttled: undefined });
    const second = limiter.acquire([{ key: 'k', perSecond: 1 }], signal, mark);
    await clock.advance(0);
    expect(limiter.throttledView(mark)).toEqual({ key: 'k', inUse: 1, limit: undefined, since: new Date(T0) });
    await clock.advance(1_000);
    await second;
    expect(limiter.throttledView(mark)).toBeUndefined();
  });

  it('lets waiters in at once when a later declaration raises the key concurrency', async () => {
    const clock = new ManualClock(T0);
    const limiter = new Limiter(clock);
    const granted: number[] = [];
    const take = taker(limiter, clock, granted);
    await take({ concurrency: 1 });
    const waiting = take({ concurrency: 1 });
    await clock.advance(0);
    expect(granted).toHaveLength(1);
    await take({ concurrency: 3 });
    await waiting;
    expect(limiter.limits()).toEqual([{ key: 'k', concurrency: 3, inUse: 3, waiting: 0 }]);
  });
});
