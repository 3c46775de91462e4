import { EventType } from '../core/events.js';
import { ExecutionState } from '../core/execution-state.js';
import { wake, type WakeOutcome } from '../core/waits.js';
import { settledSend } from './ambiguous-outcomes.js';
import { decideAndWrite } from './head-writes.js';
import { emitEvents, recordedEvent } from './lifecycle-events.js';
import type { EpochMs, StepMessage } from './model.js';
import type { ResolvedRuntime } from './runtime-config.js';
import { stepMessage, wakeMessage } from './step-message.js';
import type { StepOutcome } from './step-outcome.js';
import { hopSeconds } from './wait-timing.js';
import { heldByBudget, timedOutHead, wokenHead } from './wait-changes.js';
import { waitTiming } from './wait-scheduling.js';

/**
 * Handles a wake message (`wake: true`): the timer of a sleep or of an event wait's
 * timeout. It acts only on a head still waiting at the message's version (the
 * token): anything else (the event came, the execution was paused, resumed into a
 * new wait, cancelled) makes it stale, and it is dropped. Then, by the step model's
 * `wake` rule at `now`:
 * - not due yet (SQS delivered early, or one hop of a long chain): it re-sends
 *   itself, delayed by the rest (at most one message's delay);
 * - due: one compare-and-set moves the head waiting -> running (version + 1, the
 *   wait removed, `delivered` null after an event wait's 'continue' timeout), then
 *   the step message is sent; a head whose usage is past a budget lowered while it
 *   waited is paused with BUDGET_EXCEEDED instead (`parked`), and nothing is sent;
 * - an event wait's timeout with 'fail': the execution fails with WAIT_TIMEOUT (the
 *   wait is kept, so that `retry` waits again).
 * Costs one consistent read, and one write and one send when due.
 */
export async function processWake(rt: ResolvedRuntime, msg: StepMessage, now: EpochMs): Promise<StepOutcome> {
  const decided: { outcome?: WakeOutcome } = {};
  const { head, written } = await decideAndWrite(rt, msg.executionId, (h) => {
    delete decided.outcome;
    if (!h?.wait || h.state !== ExecutionState.Waiting || h.version !== msg.token) return undefined;
    const ends = wake(h.wait, now);
    decided.outcome = ends;
    if (ends.kind === 'run') {
      const events = [recordedEvent(EventType.Resumed, h.currentStep, now)];
      return wokenHead(h, ends.delivered, { now, sweepAt: now + rt.stallAfterMs, events });
    }
    if (ends.kind === 'fail') {
      const events = [recordedEvent(EventType.ExecutionFailed, h.currentStep, now, { error: ends.error })];
      return timedOutHead(h, ends.error, { now, events });
    }
    return undefined;
  });
  const base = { executionId: msg.executionId, step: msg.step };
  const ended = decided.outcome;
  if (!ended || ended.kind === 'none' || (ended.kind !== 'early' && !written) || !head) {
    rt.logger.debug('dropping a stale wake message', { ...msg });
    return { status: 'dropped', ...base, reason: 'not-claimable' };
  }
  if (ended.kind === 'early') {
    const delaySeconds = hopSeconds(ended.remainingMs, waitTiming(rt));
    await settledSend(rt, wakeMessage(msg.executionId, msg.step, msg.token), delaySeconds);
    return { status: 'rescheduled', ...base, delaySeconds, head };
  }
  const held = ended.kind === 'run' && heldByBudget(head);
  emitEvents(rt, msg.executionId, head.events.slice(held ? -2 : -1), { state: head.data });
  if (held && head.error) {
    rt.logger.info('execution paused by its budget as its wait ended', { executionId: msg.executionId });
    return { status: 'parked', ...base, error: head.error, head };
  }
  if (ended.kind === 'fail') {
    rt.logger.info('wait timed out: execution failed', { executionId: msg.executionId, code: ended.error.code });
    return { status: 'failed', ...base, error: ended.error, head };
  }
  if (head.state === ExecutionState.Completed) return { status: 'completed', ...base, head };
  await settledSend(rt, stepMessage(head.id, head.currentStep, head.version));
  return { status: 'woken', ...base, head };
}
