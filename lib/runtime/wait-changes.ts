import { ErrorCode, type ErrorInfo } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { ExecutionState } from '../core/execution-state.js';
import type { DeliveredEvent, EventOutcome, PendingWait } from '../core/waits.js';
import { appendEvents, overBudgetPause } from './head-changes.js';
import { recordedEvent } from './lifecycle-events.js';
import type { EpochMs, ExecutionHead, RecordedEvent } from './model.js';

// The head changes of waits and events, as pure functions: the runtime decides them
// from a head it read and writes them with one compare-and-set
// (ExecutionStore.replaceHead), deciding again when the head moved on meanwhile.

/** What every change here records. */
export interface ChangeFacts {
  now: EpochMs;
  events?: readonly RecordedEvent[];
}

/**
 * The head after an event was accepted (`receiveEvent`, lib/core/waits.ts): inbox and
 * remembered ids updated and `inboxSeq` bumped; when the event ended the wait, the
 * head runs on with it (see {@link wokenHead}, `sweepAt` then applies).
 */
export function eventReceivedHead(
  h: ExecutionHead,
  outcome: EventOutcome,
  facts: ChangeFacts & { sweepAt: EpochMs },
): ExecutionHead {
  const head: ExecutionHead = {
    ...touched(h, facts),
    inbox: outcome.inbox,
    seenEventIds: outcome.seenEventIds,
    inboxSeq: h.inboxSeq + 1,
  };
  // The events are recorded once, above.
  return outcome.delivered ? wokenHead(head, outcome.delivered, { ...facts, events: [] }) : head;
}

/**
 * The head after its wait ended: running (version + 1, claims reset), the wait
 * removed, `delivered` set to the event (null: timed out with 'continue'; absent
 * after a sleep), and due for the sweeper at `sweepAt`. A wait past the last step
 * (no step left to run) completes the execution instead. A head whose usage is
 * past its budget (lowered while it waited) is paused with BUDGET_EXCEEDED before
 * its next step runs, its `delivered` event kept for the resume, as the Executor
 * parks before a step: a `paused` event follows the `resumed` one.
 */
export function wokenHead(
  h: ExecutionHead,
  delivered: DeliveredEvent | undefined,
  facts: ChangeFacts & { sweepAt: EpochMs },
): ExecutionHead {
  const head: ExecutionHead = {
    ...touched(h, facts),
    state: ExecutionState.Running,
    version: h.version + 1,
    claims: 0,
    sweepAt: facts.sweepAt,
  };
  delete head.wait;
  delete head.error;
  delete head.endTime;
  if (h.currentStep >= h.totalSteps) {
    const done: ExecutionHead = {
      ...head,
      state: ExecutionState.Completed,
      progress: 100,
      endTime: facts.now,
      callbacks: [],
      events: appendEvents(head.events, [recordedEvent(EventType.ExecutionCompleted, h.currentStep, facts.now)]),
    };
    delete done.sweepAt;
    delete done.delivered;
    return done;
  }
  if (delivered === undefined) delete head.delivered;
  else head.delivered = delivered;
  return overBudgetPause(head, facts.now);
}

/** True for a head {@link wokenHead} paused because its usage is past its budget. */
export function heldByBudget(head: ExecutionHead): boolean {
  return head.state === ExecutionState.Paused && head.error?.code === ErrorCode.BudgetExceeded;
}

/** The head waiting (again) for `wait`: version + 1 (older timers die), claims reset, error and end cleared. */
export function waitingHead(
  h: ExecutionHead,
  wait: PendingWait,
  facts: ChangeFacts & { sweepAt: EpochMs | undefined },
): ExecutionHead {
  const head: ExecutionHead = {
    ...touched(h, facts),
    state: ExecutionState.Waiting,
    version: h.version + 1,
    claims: 0,
    wait,
  };
  for (const key of ['error', 'endTime', 'delivered', 'sweepAt'] as const) delete head[key];
  if (facts.sweepAt !== undefined) head.sweepAt = facts.sweepAt;
  return head;
}

/** The head of an event wait that timed out with 'fail': failed, version + 1; the wait is kept for `retry`. */
export function timedOutHead(h: ExecutionHead, error: ErrorInfo, facts: ChangeFacts): ExecutionHead {
  const head: ExecutionHead = {
    ...touched(h, facts),
    state: ExecutionState.Failed,
    version: h.version + 1,
    error,
    endTime: facts.now,
    callbacks: [],
  };
  delete head.sweepAt;
  return head;
}

/** The head with its sweep moved to `sweepAt` (the sweeper has sent the wake message). */
export function resweptHead(h: ExecutionHead, sweepAt: EpochMs, now: EpochMs): ExecutionHead {
  return { ...touched(h, { now }), sweepAt };
}

/** The head without the open callback `nonce` (its token is used). */
export function withoutCallback(h: ExecutionHead, nonce: string): ExecutionHead {
  return { ...h, callbacks: h.callbacks.filter((c) => c.nonce !== nonce) };
}

function touched(h: ExecutionHead, facts: ChangeFacts): ExecutionHead {
  return { ...h, lastUpdate: facts.now, events: appendEvents(h.events, facts.events ?? []) };
}
