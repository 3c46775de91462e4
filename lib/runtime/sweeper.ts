import { toError, ValidationError } from '../core/errors.js';
import { ExecutionState } from '../core/execution-state.js';
import { decideAndWrite } from './head-writes.js';
import { hasLiveLease } from './store-rules.js';
import type { EpochMs, ExecutionHead } from './model.js';
import { resolveRuntime, type ResolvedRuntime, type RuntimeDeps } from './runtime-config.js';
import { stepMessage, wakeMessage } from './step-message.js';
import { resweptHead } from './wait-changes.js';
import { waitTiming } from './wait-scheduling.js';
import { hopSeconds } from './wait-timing.js';

/** What one sweep looks at. */
export interface SweepRequest {
  /** The time of the sweep; the runtime clock by default. */
  now?: EpochMs;
  /** Most executions re-enqueued per sweep; default 100. */
  limit?: number;
  /**
   * How long past due a running execution must be to count as stalled, for this
   * sweep only; the runtime's `stallAfterMs` by default. Heads store
   * `sweepAt = due + stallAfterMs`, so a different threshold shifts the cut-off by
   * the difference, exactly.
   */
  stallAfterMs?: number;
}

/** What one sweep did. */
export interface SweepResult {
  /** Stalled executions found. */
  examined: number;
  /** Messages sent for them. */
  reenqueued: number;
}

/**
 * Re-sends `{currentStep, version}` for every running execution that is overdue
 * (and moves its `sweepAt` one stall threshold on, see {@link resendStep}), and
 * the wake message of every waiting execution whose deadline is within one
 * message's delay (see {@link wakeWaiting}):
 * its `sweepAt` has passed and no live lease holds it. Every write of the protocol
 * sets `sweepAt` to when the next message was due plus `stallAfterMs`, so this
 * finds a crash between commit and enqueue, a lost message, and a worker that died
 * mid-step once its lease lapses. Safe to run concurrently and repeatedly: a
 * duplicate message is dropped by the claim. Sends are attempted for every stalled
 * execution; the first failure is rethrown afterwards, so the scheduler retries.
 *
 * @example
 * // EventBridge-scheduled Lambda:
 * export const handler = () => sweep({}, deps);
 */
export async function sweep(request: SweepRequest, deps: RuntimeDeps): Promise<SweepResult> {
  const rt = resolveRuntime(deps);
  const now = request.now ?? rt.clock.now();
  const limit = request.limit ?? 100;
  const stallAfterMs = request.stallAfterMs ?? rt.stallAfterMs;
  if (!Number.isSafeInteger(stallAfterMs) || stallAfterMs < 0) {
    throw new ValidationError(`stallAfterMs must be a whole number of milliseconds >= 0, got ${String(stallAfterMs)}`);
  }
  const stalled = await rt.store.findStalled({ now, dueBefore: now + rt.stallAfterMs - stallAfterMs, limit });
  const sends = await Promise.allSettled(
    stalled.map((head) =>
      head.state === ExecutionState.Waiting ? wakeWaiting(rt, head, now) : resendStep(rt, head, now),
    ),
  );
  const failures = sends.flatMap((s) => (s.status === 'rejected' ? [toError(s.reason)] : []));
  const result = { examined: stalled.length, reenqueued: stalled.length - failures.length };
  if (stalled.length > 0)
    rt.logger.info('sweep re-enqueued stalled executions', { ...result, ids: stalled.map((h) => h.id) });
  const first = failures[0];
  if (first) {
    rt.logger.error('sweep could not re-enqueue some executions', { failed: failures.length, error: first.message });
    throw first;
  }
  return result;
}

/**
 * Re-sends a stalled running head's step, then moves its `sweepAt` to `now +
 * stallAfterMs` with a compare-and-set on the head as read (same version and step,
 * still no live lease), so that the next sweeps leave it alone for one more stall
 * threshold instead of sending another copy every minute while the first one waits
 * in a backlogged queue. A head that moved on meanwhile needs nothing. The move is
 * best effort: if it fails, the send already happened and the next sweep simply
 * sends again, as it would have anyway.
 */
async function resendStep(rt: ResolvedRuntime, found: ExecutionHead, now: EpochMs): Promise<void> {
  await rt.queue.send(stepMessage(found.id, found.currentStep, found.version));
  const sweepAt = now + rt.stallAfterMs;
  try {
    await decideAndWrite(
      rt,
      found.id,
      (h) =>
        h?.state === ExecutionState.Running &&
        h.version === found.version &&
        h.currentStep === found.currentStep &&
        !hasLiveLease(h, now) &&
        (h.sweepAt ?? 0) < sweepAt
          ? { ...h, sweepAt }
          : undefined,
      found,
    );
  } catch (thrown) {
    rt.logger.warn('sweep re-sent a step but could not move its sweepAt', {
      executionId: found.id,
      error: toError(thrown).message,
    });
  }
}

/**
 * The sweeper's part in a wait: sends a *wake* message (never a step message, so a
 * wait never ends early) delayed by the time left (at most one message's delay),
 * then moves the head's `sweepAt` past the deadline (`max(until, now) +
 * stallAfterMs`) with a write conditional on the head as read, so that the next
 * sweeps leave it alone unless that message is lost. A head that moved on meanwhile
 * needs nothing.
 */
async function wakeWaiting(rt: ResolvedRuntime, found: ExecutionHead, now: EpochMs): Promise<void> {
  const until = found.wait?.until;
  if (until === undefined) return;
  await rt.queue.send(wakeMessage(found.id, found.currentStep, found.version), hopSeconds(until - now, waitTiming(rt)));
  await decideAndWrite(
    rt,
    found.id,
    (h) =>
      h?.state === ExecutionState.Waiting && h.version === found.version
        ? resweptHead(h, Math.max(until, now) + rt.stallAfterMs, now)
        : undefined,
    found,
  );
}
