import { ExecutionState } from '../core/execution-state.js';
import { settledSend } from './ambiguous-outcomes.js';
import type { EpochMs, ExecutionHead } from './model.js';
import type { ResolvedRuntime } from './runtime-config.js';
import { wakeMessage } from './step-message.js';
import { waitSweepAt, wakeDelaySeconds, type WaitTiming } from './wait-timing.js';

/** The runtime's wait timing: its `stallAfterMs`, and one message's longest delay. */
export function waitTiming(rt: Pick<ResolvedRuntime, 'stallAfterMs' | 'maxDelaySeconds'>): WaitTiming {
  return { stallAfterMs: rt.stallAfterMs, maxDelayMs: rt.maxDelaySeconds * 1000 };
}

/** The `sweepAt` of a head entering (or re-entering) `head.wait` at `now`. */
export function sweepAtOfWait(rt: ResolvedRuntime, head: ExecutionHead, now: EpochMs): EpochMs | undefined {
  return head.wait ? waitSweepAt(head.wait, now, waitTiming(rt)) : undefined;
}

/**
 * Sends the wake message a waiting head needs now: one delayed to its deadline when
 * that is within one message's delay. A further deadline gets none now (the sweeper
 * sends it when it comes within reach: the head's `sweepAt`), nor does an event wait
 * without timeout. Returns the delay sent, or undefined.
 */
export async function sendWakeIfNear(
  rt: ResolvedRuntime,
  head: ExecutionHead,
  now: EpochMs,
): Promise<number | undefined> {
  if (head.state !== ExecutionState.Waiting || !head.wait) return undefined;
  const delaySeconds = wakeDelaySeconds(head.wait, now, waitTiming(rt));
  if (delaySeconds === undefined) return undefined;
  await settledSend(rt, wakeMessage(head.id, head.currentStep, head.version), delaySeconds);
  return delaySeconds;
}
