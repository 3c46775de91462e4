import { ErrorCode, LongRunningError, NotFoundError, ValidationError } from '../core/errors.js';
import { budgetMessage, overBudget } from '../core/usage.js';
import { EventType } from '../core/events.js';
import { ExecutionState } from '../core/execution-state.js';
import { assertTransition, legalFrom } from '../core/transitions.js';
import { resumeWait, retriedWait } from '../core/waits.js';
import { transitionedHead } from './head-changes.js';
import { decideAndWrite } from './head-writes.js';
import { emitEvents, recordedEvent } from './lifecycle-events.js';
import type { EpochMs, ExecutionHead } from './model.js';
import type { ResolvedRuntime } from './runtime-config.js';
import { stepMessage } from './step-message.js';
import { waitingHead, wokenHead } from './wait-changes.js';
import { sendWakeIfNear, sweepAtOfWait } from './wait-scheduling.js';

/** What a control action answers (see ControlPlane). */
export interface ActionResult {
  head: ExecutionHead;
  changed: boolean;
}

/**
 * Resume (paused -> running) and retry (failed -> running), decided from the head
 * and written with one compare-and-set, then the message the new head needs. A head
 * paused in a wait resumes by the step model's `resumeWait`: waiting again with the
 * same deadline (its wake message sent when near, or left to the sweeper), or on to
 * the next step with the event that arrived meanwhile. Retry of a WAIT_TIMEOUT
 * failure waits again with a fresh timeout (`retriedWait`). Otherwise resume keeps
 * the version (a step in flight across pause/resume still commits) and retry bumps
 * it. A head already running or waiting answers `changed: false` and gets its
 * message sent again (a duplicate is dropped by the claim or the token). With a
 * `guard`, a head it refuses is left alone and nothing is sent (`changed: false`).
 */
export async function resumeOrRetry(
  rt: ResolvedRuntime,
  id: string,
  action: 'resume' | 'retry',
  guard?: (head: ExecutionHead) => boolean,
): Promise<ActionResult> {
  const now = rt.clock.now();
  let refused = false;
  const { head, written } = await decideAndWrite(rt, id, (h) => {
    if (!h) throw new NotFoundError('execution', id);
    refused = guard !== undefined && !guard(h);
    if (refused) return undefined;
    return resumedHead(rt, h, action, now);
  });
  if (!head) throw new NotFoundError('execution', id);
  // Not as the caller listed it (a bulk redrive): left alone, and nothing is sent.
  if (refused) return { head, changed: false };
  await afterResume(rt, head, written, now);
  return { head, changed: written };
}

/**
 * The head `h` resumed (paused -> running or waiting) or retried (failed -> running),
 * by the rules of {@link resumeOrRetry}; undefined when it runs or waits already.
 * ILLEGAL_TRANSITION from any other state; BUDGET_EXCEEDED (409) while its usage is
 * past its budget: it would only pause again, so the budget has to be raised first.
 */
export function resumedHead(
  rt: ResolvedRuntime,
  h: ExecutionHead,
  action: 'resume' | 'retry',
  now: EpochMs,
): ExecutionHead | undefined {
  const id = h.id;
  if (h.state === ExecutionState.Running || h.state === ExecutionState.Waiting) return undefined;
  assertTransition(id, h.state, action);
  if (action === 'retry' && h.maxStepRuns > 0 && h.stepRuns >= h.maxStepRuns) {
    // Its next step would be past the limit at once (STEP_LIMIT_EXCEEDED again), as a rewind would.
    throw new ValidationError(
      `execution ${id} has used ${h.stepRuns} of its ${h.maxStepRuns} step runs: a retry could run no step; fork it instead (a fork starts its own count)`,
    );
  }
  const overruns = overBudget(h.usage, h.budget);
  if (overruns.length > 0) {
    throw new LongRunningError(
      ErrorCode.BudgetExceeded,
      `cannot ${action} execution ${id}: ${budgetMessage(overruns)} (POST /executions/${id}/budget)`,
      { details: { id, overruns } },
    );
  }
  const event = recordedEvent(EventType.Resumed, h.currentStep, now);
  const facts = { now, sweepAt: now + rt.stallAfterMs, events: [event] };
  const timedOut = action === 'retry' && h.error?.code === ErrorCode.WaitTimeout;
  const wait = h.wait && (action === 'resume' ? h.wait : timedOut ? retriedWait(h.wait, now) : undefined);
  if (wait) {
    const resumed = action === 'resume' ? resumeWait(wait, h.inbox) : { kind: 'waiting' as const };
    if (resumed.kind === 'run') return wokenHead({ ...h, inbox: resumed.inbox }, resumed.delivered, facts);
    return waitingHead(h, wait, { ...facts, sweepAt: sweepAtOfWait(rt, { ...h, wait }, now) });
  }
  return transitionedHead(h, {
    id,
    from: legalFrom(action),
    to: ExecutionState.Running,
    now,
    action,
    event,
    bumpVersion: action === 'retry',
    resetAttempts: true,
    sweepAt: facts.sweepAt,
  });
}

/** What a resumed head needs: its events to `onEvent` (when `written`), then its step message, or its wake message when near. */
export async function afterResume(
  rt: ResolvedRuntime,
  head: ExecutionHead,
  written: boolean,
  now: EpochMs,
): Promise<void> {
  const id = head.id;
  // The write's events: its `resumed`, and the end when the kept event let the execution complete at once.
  const resumedAt = head.events.map((e) => e.type).lastIndexOf(EventType.Resumed);
  if (written) emitEvents(rt, id, head.events.slice(resumedAt >= 0 ? resumedAt : -1), { state: head.data });
  if (head.state === ExecutionState.Running) await rt.queue.send(stepMessage(head.id, head.currentStep, head.version));
  else if (head.state === ExecutionState.Waiting) {
    if (written) emitEvents(rt, id, [recordedEvent(EventType.Waiting, head.currentStep, now)], { state: head.data });
    await sendWakeIfNear(rt, head, now);
  }
  // Otherwise the kept event ended its wait and there was no step left: it completed, and the event said so.
}
