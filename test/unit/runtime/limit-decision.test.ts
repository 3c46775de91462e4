import { describe, expect, it } from 'vitest';
import {
  decideAcquire,
  decideRelease,
  LIMIT_RELEASE_ATTEMPTS,
  LIMIT_WRITE_ATTEMPTS,
  limitUseOf,
  releaseLimitRecord,
  updateLimitRecord,
  WAITER_STALE_MS,
  type AcquireRequest,
  type LimitRecord,
} from '../../../lib/runtime/limit-decision.js';

const req = (executionId: string, now: number, more: Partial<AcquireRequest> = {}): AcquireRequest => ({
  key: 'openai',
  executionId,
  holderId: `${executionId}#w`,
  leaseUntil: now + 60_000,
  now,
  concurrency: 2,
  ...more,
});

/** Applies acquires in order to one record, like the store would. */
function run(record: LimitRecord | undefined, r: AcquireRequest): { granted: boolean; record: LimitRecord } {
  const { result, next } = decideAcquire(record, r);
  return { granted: result.granted, record: next };
}

describe('decideAcquire', () => {
  it('grants up to the concurrency and refuses beyond it with the use', () => {
    let rec = run(undefined, req('a', 0)).record;
    rec = run(rec, req('b', 0)).record;
    const { result } = decideAcquire(rec, req('c', 0));
    expect(result).toEqual({ granted: false, inUse: 2, limit: 2 });
  });

  it('grants again to a holder already there, without a second slot', () => {
    const rec = run(undefined, req('a', 0)).record;
    const again = decideAcquire(rec, req('a', 0));
    expect(again.result.granted).toBe(true);
    expect(Object.keys(again.next.holders)).toEqual(['a#w']);
  });

  it('frees the slot of a holder whose lease passed', () => {
    let rec = run(undefined, req('a', 0, { leaseUntil: 1_000 })).record;
    rec = run(rec, req('b', 0)).record;
    expect(run(rec, req('c', 999)).granted).toBe(false);
    expect(run(rec, req('c', 1_000)).granted).toBe(true);
  });

  it('serves waiters in arrival order: a newcomer does not take the slot an older waiter waits for', () => {
    let rec = run(undefined, req('a', 0)).record;
    rec = run(rec, req('b', 0)).record;
    rec = run(rec, req('old', 10)).record; // refused, waits since 10
    rec = decideRelease(rec, 'a#w')!;
    expect(run(rec, req('new', 20)).granted).toBe(false);
    const served = run(rec, req('old', 30));
    expect(served.granted).toBe(true);
    expect(served.record.waiters['old']).toBeUndefined();
  });

  it('forgets a waiter not seen for a while, so it cannot block the key', () => {
    let rec = run(undefined, req('a', 0, { concurrency: 1 })).record;
    rec = run(rec, req('gone', 10, { concurrency: 1 })).record;
    rec = decideRelease(rec, 'a#w')!;
    expect(run(rec, req('new', 20, { concurrency: 1 })).granted).toBe(false);
    expect(run(rec, req('new', 10 + WAITER_STALE_MS, { concurrency: 1 })).granted).toBe(true);
  });

  it('refills the token bucket with the clock: 60 per minute over 150 calls spreads over about 2.5 minutes', () => {
    let rec: LimitRecord | undefined;
    let now = 0;
    const grantedAt: number[] = [];
    while (grantedAt.length < 150) {
      const { concurrency: _none, ...rateOnly } = req('x', now, { perMinute: 60 });
      const r = run(rec, rateOnly);
      rec = r.record;
      if (r.granted) grantedAt.push(now);
      now += 100;
    }
    expect(grantedAt[0]).toBe(0);
    expect(grantedAt.at(-1)).toBeGreaterThanOrEqual(148_000);
    expect(grantedAt.at(-1)).toBeLessThanOrEqual(150_000);
    // Never more than one start in any one second (the bucket holds one second's worth).
    for (let i = 1; i < grantedAt.length; i++) expect(grantedAt[i]! - grantedAt[i - 1]!).toBeGreaterThanOrEqual(1_000);
    expect(rec?.holders).toEqual({});
  });

  it('needs a slot and a token in every bucket', () => {
    const both = { concurrency: 5, perSecond: 1 };
    const first = run(undefined, req('a', 0, both));
    expect(first.granted).toBe(true);
    expect(run(first.record, req('b', 500, both)).granted).toBe(false);
    expect(run(first.record, req('b', 1_000, both)).granted).toBe(true);
  });
});

describe('decideRelease and limitUseOf', () => {
  it('removes the holder once; a second release writes nothing', () => {
    const rec = run(undefined, req('a', 0)).record;
    const released = decideRelease(rec, 'a#w');
    expect(released?.holders).toEqual({});
    expect(decideRelease(released, 'a#w')).toBeUndefined();
  });

  it('lists in use, the limit, waiters and tokens', () => {
    let rec = run(undefined, req('a', 0, { concurrency: 1, perSecond: 5 })).record;
    rec = run(rec, req('b', 0, { concurrency: 1, perSecond: 5 })).record;
    expect(limitUseOf(rec, 0)).toEqual({
      key: 'openai',
      inUse: 1,
      limit: 1,
      waiting: 1,
      perSecond: 5,
      tokens: { perSecond: 4 },
    });
  });
});

describe('updateLimitRecord', () => {
  it('decides again from a fresh read when another writer won, and gives up after a few tries', async () => {
    let reads = 0;
    const winsSecond = {
      read: () => Promise.resolve(undefined),
      write: () => Promise.resolve(++reads >= 2),
    };
    await expect(updateLimitRecord(winsSecond, 'k', (r) => decideAcquire(r, req('a', 0)))).resolves.toMatchObject({
      granted: true,
    });
    const never = { read: () => Promise.resolve(undefined), write: () => Promise.resolve(false) };
    await expect(updateLimitRecord(never, 'k', (r) => decideAcquire(r, req('a', 0)))).rejects.toThrow(
      `kept changing under ${LIMIT_WRITE_ATTEMPTS} tries`,
    );
  });

  it('tries a contended release many more times than an acquire, then gives up with CONFLICT', async () => {
    const held = decideAcquire(undefined, req('a', 0)).next;
    const losing = (losses: number) => {
      let writes = 0;
      let stored: LimitRecord | undefined = held;
      return {
        io: {
          read: () => Promise.resolve(stored),
          write: (next: LimitRecord) => {
            if (++writes <= losses) return Promise.resolve(false);
            stored = next;
            return Promise.resolve(true);
          },
        },
        stored: () => stored,
      };
    };
    const noPause = () => Promise.resolve();
    const wins = losing(LIMIT_RELEASE_ATTEMPTS - 1);
    await releaseLimitRecord(wins.io, 'k', 'a#w', noPause);
    expect(wins.stored()?.holders).toEqual({});
    const loses = losing(LIMIT_RELEASE_ATTEMPTS);
    await expect(releaseLimitRecord(loses.io, 'k', 'a#w', noPause)).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: true,
      message: `the limit record of "k" kept changing under ${LIMIT_RELEASE_ATTEMPTS} tries`,
    });
    expect(loses.stored()?.holders).toEqual({ 'a#w': expect.any(Number) as unknown });
    expect(LIMIT_RELEASE_ATTEMPTS).toBeGreaterThan(LIMIT_WRITE_ATTEMPTS);
  });
});
