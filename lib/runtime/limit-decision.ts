/**
 * The pure rules of flow control (lib/core/limits.ts): what one key's record says
 * after pruning, whether a step run may take the key now, and what the record
 * becomes. The limiter adapters read the record, decide here and write it back
 * conditional on its revision (see {@link updateLimitRecord}).
 */
import { LongRunningError, ErrorCode } from '../core/errors.js';
import type { EpochMs } from './model.js';

/** The rate bounds a key can have, each with its own token bucket. */
export type RateBound = 'perSecond' | 'perMinute';

/** One key's record: who holds it, the token buckets, who waits, and the bounds last declared. */
export interface LimitRecord {
  key: string;
  /** Slot holders (execution id + claim owner) and when each slot's lease ends. */
  holders: Record<string, EpochMs>;
  /** One bucket per rate bound: tokens left and when they were last refilled. */
  buckets: Partial<Record<RateBound, { tokens: number; refilledAt: EpochMs }>>;
  /** Executions refused so far: when first refused, and when last seen (fairness). */
  waiters: Record<string, [first: EpochMs, last: EpochMs]>;
  /** Bumped by every write: each write is conditional on the revision it read. */
  revision: number;
  concurrency?: number;
  perSecond?: number;
  perMinute?: number;
}

/** What a step run asks of one key. */
export interface AcquireRequest {
  key: string;
  executionId: string;
  /** Unique per claim: `<executionId>#<owner>`. */
  holderId: string;
  /** When the slot frees itself if never released (a crashed worker). */
  leaseUntil: EpochMs;
  now: EpochMs;
  concurrency?: number;
  perSecond?: number;
  perMinute?: number;
}

/** What an acquire decided: granted, or refused with the key's use at that moment. */
export interface AcquireResult {
  granted: boolean;
  /** Slots held (after pruning expired ones). */
  inUse: number;
  /** The key's concurrency, when it has one. */
  limit?: number;
}

/** A waiter not seen for this long (its execution cancelled, or gone elsewhere) no longer holds its place. */
export const WAITER_STALE_MS = 120_000;
/**
 * The longest delay a refused step may wait before it tries again. A waiter is seen
 * again only when it retries, so this stays well under {@link WAITER_STALE_MS}: a
 * longer delay would drop the oldest waiters from the queue and let newcomers pass.
 */
export const MAX_THROTTLE_DELAY_SECONDS = 90;
/** The most waiters a record keeps (the newest beyond it are not queued, and simply retry). */
export const MAX_WAITERS = 1_000;

const RATE_MS: Record<RateBound, number> = { perSecond: 1_000, perMinute: 60_000 };

/** A bucket's size: one second's worth of the rate, at least one token (a burst never exceeds it). */
export function bucketCapacity(bound: RateBound, rate: number): number {
  return Math.max(1, (rate * 1_000) / RATE_MS[bound]);
}

/** A fresh record for `key`. */
export function emptyLimitRecord(key: string): LimitRecord {
  return { key, holders: {}, buckets: {}, waiters: {}, revision: 0 };
}

/** `record` at `now`: expired holders and stale waiters dropped, buckets refilled under the bounds of `bounds`. */
export function pruneLimitRecord(
  record: LimitRecord,
  now: EpochMs,
  bounds: Pick<AcquireRequest, 'concurrency' | 'perSecond' | 'perMinute'> = record,
): LimitRecord {
  const holders = Object.fromEntries(Object.entries(record.holders).filter(([, until]) => until > now));
  const waiters = Object.fromEntries(
    Object.entries(record.waiters).filter(([, [, last]]) => last + WAITER_STALE_MS > now),
  );
  const buckets: LimitRecord['buckets'] = {};
  for (const bound of ['perSecond', 'perMinute'] as const) {
    const rate = bounds[bound];
    if (rate === undefined) continue;
    const capacity = bucketCapacity(bound, rate);
    const old = record.buckets[bound];
    const elapsed = old === undefined ? Infinity : Math.max(0, now - old.refilledAt);
    const tokens = Math.min(capacity, (old?.tokens ?? capacity) + (elapsed * rate) / RATE_MS[bound]);
    buckets[bound] = { tokens, refilledAt: now };
  }
  const { concurrency, perSecond, perMinute } = bounds;
  return {
    key: record.key,
    holders,
    buckets,
    waiters,
    revision: record.revision,
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(perSecond === undefined ? {} : { perSecond }),
    ...(perMinute === undefined ? {} : { perMinute }),
  };
}

/** How many more runs may take the key right now: free slots and whole tokens, the fewest of them. */
export function freeSlots(record: LimitRecord): number {
  let free = record.concurrency === undefined ? Infinity : record.concurrency - Object.keys(record.holders).length;
  for (const bucket of Object.values(record.buckets)) free = Math.min(free, Math.floor(bucket.tokens + 1e-9));
  return Math.max(0, free);
}

/**
 * Decides an acquire. Granted when there is a free slot and a token in every bucket
 * and no older waiter is left out: the execution must be among the oldest `free`
 * waiters (counting itself, as a waiter since now if it was not one). A granted run
 * becomes a holder (when the key has a concurrency), takes a token from each bucket
 * and stops waiting; a refused one is recorded as a waiter (first seen kept). An
 * acquire by a holder already there (a repeated write) is granted again unchanged.
 */
export function decideAcquire(
  stored: LimitRecord | undefined,
  req: AcquireRequest,
): { result: AcquireResult; next: LimitRecord } {
  const record = pruneLimitRecord(stored ?? emptyLimitRecord(req.key), req.now, req);
  const inUse = Object.keys(record.holders).length;
  const limit = record.concurrency === undefined ? {} : { limit: record.concurrency };
  const next = { ...record, revision: record.revision + 1 };
  if (record.holders[req.holderId] !== undefined) return { result: { granted: true, inUse, ...limit }, next };
  const free = freeSlots(record);
  const mine = record.waiters[req.executionId]?.[0] ?? req.now;
  const ahead = Object.entries(record.waiters).filter(
    ([id, [first]]) => id !== req.executionId && (first < mine || (first === mine && id < req.executionId)),
  ).length;
  if (ahead < free) {
    const waiters = { ...record.waiters };
    delete waiters[req.executionId];
    const buckets: LimitRecord['buckets'] = {};
    for (const [bound, b] of Object.entries(record.buckets) as [RateBound, { tokens: number; refilledAt: EpochMs }][])
      buckets[bound] = { tokens: b.tokens - 1, refilledAt: b.refilledAt };
    const holders =
      record.concurrency === undefined ? record.holders : { ...record.holders, [req.holderId]: req.leaseUntil };
    const granted = { ...next, holders, buckets, waiters };
    return { result: { granted: true, inUse: Object.keys(holders).length, ...limit }, next: granted };
  }
  const waiters = { ...record.waiters };
  if (waiters[req.executionId] !== undefined || Object.keys(waiters).length < MAX_WAITERS)
    waiters[req.executionId] = [mine, req.now];
  return { result: { granted: false, inUse, ...limit }, next: { ...next, waiters } };
}

/** The record without `holderId`'s slot, or undefined when it holds none (nothing to write). */
export function decideRelease(stored: LimitRecord | undefined, holderId: string): LimitRecord | undefined {
  if (stored?.holders[holderId] === undefined) return undefined;
  const holders = { ...stored.holders };
  delete holders[holderId];
  return { ...stored, holders, revision: stored.revision + 1 };
}

/** One key's use, as `GET /limits` lists it. */
export interface LimitUse {
  key: string;
  inUse: number;
  limit?: number;
  waiting: number;
  perSecond?: number;
  perMinute?: number;
  /** Whole tokens left in each rate bucket. */
  tokens?: Partial<Record<RateBound, number>>;
}

/** What `record` shows at `now`. */
export function limitUseOf(stored: LimitRecord, now: EpochMs): LimitUse {
  const r = pruneLimitRecord(stored, now);
  const tokens = Object.fromEntries(Object.entries(r.buckets).map(([b, v]) => [b, Math.floor(v.tokens + 1e-9)]));
  return {
    key: r.key,
    inUse: Object.keys(r.holders).length,
    ...(r.concurrency === undefined ? {} : { limit: r.concurrency }),
    waiting: Object.keys(r.waiters).length,
    ...(r.perSecond === undefined ? {} : { perSecond: r.perSecond }),
    ...(r.perMinute === undefined ? {} : { perMinute: r.perMinute }),
    ...(Object.keys(tokens).length === 0 ? {} : { tokens }),
  };
}

/** How a limiter adapter reads a record and writes it conditional on the revision it read. */
export interface LimitRecordIo {
  read(key: string): Promise<LimitRecord | undefined>;
  /** Writes `next` only while the stored record has revision `expected` (absent when undefined); false otherwise. */
  write(next: LimitRecord, expected: number | undefined): Promise<boolean>;
}

/** How many times a read-modify-write of one record is tried before a CONFLICT error. */
export const LIMIT_WRITE_ATTEMPTS = 8;

/**
 * How many times a release is tried: a slot not given back stands idle until its
 * lease ends (the invocation's deadline), so a release outlasts more contention
 * than an acquire, whose refusal only sends the step back a little later.
 */
export const LIMIT_RELEASE_ATTEMPTS = 4 * LIMIT_WRITE_ATTEMPTS;

/** Between tries: a random wait of up to 10 ms times the try, so contending workers spread out. */
function jitteredPause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
}

/**
 * Read (consistent), decide, write conditional on the revision read; again from a
 * fresh read (after a short random pause) when another writer won, up to
 * `attempts` times ({@link LIMIT_WRITE_ATTEMPTS} by default), then CONFLICT (retryable).
 * `decide` returns no `next` when nothing needs writing.
 */
export async function updateLimitRecord<T>(
  io: LimitRecordIo,
  key: string,
  decide: (record: LimitRecord | undefined) => { result: T; next?: LimitRecord | undefined },
  pause: (attempt: number) => Promise<void> = jitteredPause,
  attempts = LIMIT_WRITE_ATTEMPTS,
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await pause(i);
    const stored = await io.read(key);
    const { result, next } = decide(stored);
    if (next === undefined || (await io.write(next, stored?.revision))) return result;
  }
  throw new LongRunningError(ErrorCode.Conflict, `the limit record of "${key}" kept changing under ${attempts} tries`, {
    retryable: true,
  });
}

/** Removes `holderId`'s slot from `key`'s record, tried {@link LIMIT_RELEASE_ATTEMPTS} times; no write when it holds none. */
export function releaseLimitRecord(
  io: LimitRecordIo,
  key: string,
  holderId: string,
  pause: (attempt: number) => Promise<void> = jitteredPause,
): Promise<void> {
  const decide = (r: LimitRecord | undefined) => ({ result: undefined, next: decideRelease(r, holderId) });
  return updateLimitRecord(io, key, decide, pause, LIMIT_RELEASE_ATTEMPTS);
}
