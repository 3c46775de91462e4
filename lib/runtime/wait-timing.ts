import type { PendingWait } from '../core/waits.js';
import type { EpochMs } from './model.js';

/**
 * What a wait's timers are scheduled with: the runtime's `stallAfterMs`, and the
 * longest delay one queue message can carry (SQS: 900 s; shorter only in tests).
 */
export interface WaitTiming {
  stallAfterMs: number;
  maxDelayMs: number;
}

/**
 * When the sweeper should look at a head waiting for `wait`, decided at `now`:
 * - no deadline (an event wait without timeout): never (undefined), nothing is due;
 * - a deadline further than one message's delay: `until - maxDelayMs`, when the
 *   sweeper sends the one wake message that reaches it;
 * - a nearer deadline: its wake message is sent at once, so the sweeper only looks
 *   `stallAfterMs` after the deadline, in case that message was lost.
 */
export function waitSweepAt(wait: PendingWait, now: EpochMs, timing: WaitTiming): EpochMs | undefined {
  if (wait.until === undefined) return undefined;
  if (wait.until - now > timing.maxDelayMs) return wait.until - timing.maxDelayMs;
  return wait.until + timing.stallAfterMs;
}

/**
 * The delay, in whole seconds, of the wake message to send at `now` for `wait`, or
 * undefined when none is sent now (no deadline, or a deadline further than one
 * message's delay: the sweeper sends it later). Rounded up, so a wake message never
 * arrives before the deadline on the sender's clock; one that does anyway re-sends
 * itself for the rest.
 */
export function wakeDelaySeconds(wait: PendingWait, now: EpochMs, timing: WaitTiming): number | undefined {
  if (wait.until === undefined) return undefined;
  const remaining = wait.until - now;
  if (remaining > timing.maxDelayMs) return undefined;
  return hopSeconds(remaining, timing);
}

/** The delay of the next hop towards a deadline `remainingMs` away: all of it, up to one message's delay. */
export function hopSeconds(remainingMs: number, timing: Pick<WaitTiming, 'maxDelayMs'>): number {
  const seconds = Math.ceil(Math.max(0, remainingMs) / 1000);
  return Math.min(seconds, Math.floor(timing.maxDelayMs / 1000));
}
