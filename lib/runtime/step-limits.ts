/**
 * Flow control in the step protocol (docs/architecture.md, "Flow control"): after
 * the claim, a limited step takes a slot or token of each of its keys; when one is
 * refused, the claim is given back without counting an attempt and the message
 * comes back later. Steps without limits never reach this file.
 */
import { toError, ValidationError } from '../core/errors.js';
import { ExecutionState } from '../core/execution-state.js';
import { claimsOf, type KeyClaim, type LimitSpec } from '../core/limits.js';
import type { AcquireResult } from './limit-decision.js';
import type { EpochMs, ExecutionHead, StepMessage, ThrottledInfo } from './model.js';
import type { Limiter } from './ports.js';
import type { ResolvedRuntime } from './runtime-config.js';

/** The slots one attempt holds: released once its outcome is written. */
export interface HeldSlots {
  limiter: Limiter;
  holderId: string;
  keys: string[];
}

/** What taking a step's limits came to. */
export type TakeResult =
  | { kind: 'granted'; held: HeldSlots }
  /** Refused; `throttled` says why (absent: the limiter could not answer). */
  | { kind: 'refused'; throttled?: Omit<ThrottledInfo, 'since'> }
  /** A key function threw or gave a bad key (the error names the step). */
  | { kind: 'bad-key'; error: unknown }
  /** The runtime was built without a limiter: a deployment fault, mended by redeploying. */
  | { kind: 'no-limiter'; error: ValidationError };

/**
 * Takes every limit of step `stepName` in order, for the holder `<executionId>#<owner>`,
 * each slot leased until `leaseUntil` (the invocation's deadline: the attempt cannot
 * outlive it). On a refusal, the slots taken so far are given back.
 */
export async function takeLimits(
  rt: ResolvedRuntime,
  req: { head: ExecutionHead; owner: string; stepName: string; limits: readonly LimitSpec[]; leaseUntil: EpochMs },
): Promise<TakeResult> {
  const { head, stepName } = req;
  const limiter = rt.limiter;
  if (!limiter) {
    const why = `step "${stepName}" has limits, but the runtime has no limiter: pass one in the runtime deps (the deployed stack does)`;
    return { kind: 'no-limiter', error: new ValidationError(why) };
  }
  let claims: KeyClaim[];
  try {
    // Two limits on one key are one claim with the tighter of each bound: the limiter
    // knows one holder a key, so a second acquire of the same key would take nothing.
    claims = claimsOf(req.limits, head.data, stepName);
  } catch (error) {
    return { kind: 'bad-key', error };
  }
  const held: HeldSlots = { limiter, holderId: `${head.id}#${req.owner}`, keys: [] };
  for (const claim of claims) {
    const { key, concurrency, perSecond, perMinute } = claim;
    let result: AcquireResult;
    try {
      result = await limiter.acquire({
        key,
        executionId: head.id,
        holderId: held.holderId,
        leaseUntil: req.leaseUntil,
        now: rt.clock.now(),
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(perSecond === undefined ? {} : { perSecond }),
        ...(perMinute === undefined ? {} : { perMinute }),
      });
    } catch (err) {
      // A record too contended (or a store error): give the claim back like a refusal,
      // so the step comes back later instead of waiting out its lease.
      await releaseSlots(rt, held);
      rt.logger.warn('could not take a limit: trying the step again later', { key, error: toError(err).message });
      return { kind: 'refused' };
    }
    if (!result.granted) {
      await releaseSlots(rt, held);
      const limit = result.limit === undefined ? {} : { limit: result.limit };
      return { kind: 'refused', throttled: { key, inUse: result.inUse, ...limit } };
    }
    // Only a concurrency limit records a holder; a rate-only key has nothing to give back.
    if (concurrency !== undefined) held.keys.push(key);
  }
  return { kind: 'granted', held };
}

/** Gives back every slot in `held` (a failure is logged: the slot frees itself at its lease). */
export async function releaseSlots(rt: ResolvedRuntime, held: HeldSlots | undefined): Promise<void> {
  if (!held) return;
  for (const key of held.keys.splice(0)) {
    try {
      // The adapters try a contended release many times (LIMIT_RELEASE_ATTEMPTS) before giving up.
      await held.limiter.release({ key, holderId: held.holderId });
    } catch (err) {
      rt.logger.warn('could not release a limit slot: it frees itself when its lease ends', {
        key,
        holderId: held.holderId,
        error: toError(err).message,
      });
    }
  }
}

/**
 * The delay before a refused step is tried again: 1 s doubled with each refusal
 * in a row (`count`, from 0), up to `maxSeconds`, with up to a quarter less at
 * random so that refused executions do not all come back at once.
 */
export function throttleDelaySeconds(count: number, maxSeconds: number, random: () => number = Math.random): number {
  const full = Math.min(maxSeconds, 2 ** Math.min(count, 20));
  return Math.max(Math.min(1, maxSeconds), Math.round(full * (1 - random() / 4)));
}

/**
 * The head with its claim given back (claims - 1, no lease): after a refusal, with
 * `throttled` recorded, or after a chained step's hand-back. A running head gets
 * `sweepAt`; one paused meanwhile keeps what the pause left (resume sends the step).
 */
export function throttledHead(
  head: ExecutionHead,
  throttled: ThrottledInfo | undefined,
  req: { now: EpochMs; sweepAt: EpochMs },
): ExecutionHead {
  const { leaseOwner: _owner, leaseExpiresAt: _until, sweepAt: kept, ...rest } = head;
  const why = throttled === undefined ? {} : { throttled };
  const sweepAt = head.state === ExecutionState.Running ? req.sweepAt : kept;
  return {
    ...rest,
    claims: Math.max(0, head.claims - 1),
    ...why,
    lastUpdate: req.now,
    ...(sweepAt === undefined ? {} : { sweepAt }),
  };
}

/** The message that tries a refused step again. */
export function throttledMessage(msg: StepMessage, since: EpochMs): StepMessage {
  return {
    v: 1,
    executionId: msg.executionId,
    step: msg.step,
    token: msg.token,
    throttle: { count: (msg.throttle?.count ?? 0) + 1, since },
  };
}
