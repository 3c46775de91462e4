import type { ErrorInfo } from '../core/errors.js';
import { ExecutionState, isTerminalState } from '../core/execution-state.js';
import { MAX_RECORDED_EVENTS } from './model.js';
import type { EpochMs, ExecutionHead, RecordedEvent, StoredCheckpoint } from './model.js';
import type { NewExecution, TransitionRequest } from './ports.js';

// The head changes of the ExecutionStore port as pure functions, so that an
// in-memory adapter (and any adapter that computes items in code) applies exactly
// the documented semantics. Each returns a new head; none checks conditions.

/** The head of a new execution: running at step 0, version 0, no claims. */
export function createdHead(exec: NewExecution): ExecutionHead {
  return {
    id: exec.id,
    name: exec.name,
    workflow: exec.workflow,
    state: ExecutionState.Running,
    stepNames: [...exec.stepNames],
    currentStep: 0,
    totalSteps: exec.stepNames.length,
    progress: 0,
    data: exec.input,
    version: 0,
    claims: 0,
    startTime: exec.now,
    lastUpdate: exec.now,
    sweepAt: exec.sweepAt,
    metadata: { ...exec.metadata },
    ...(exec.idempotencyKey === undefined ? {} : { idempotencyKey: exec.idempotencyKey }),
    events: appendEvents([], exec.events),
  };
}

/** The checkpoint of step `step` (the input of that step). */
export function checkpointOf(executionId: string, step: number, state: unknown, now: EpochMs): StoredCheckpoint {
  return { id: `${executionId}/${step}`, executionId, step, state, timestamp: now };
}

/** The head after a claim: one more claim, leased to `owner` until `expiresAt`. */
export function claimedHead(h: ExecutionHead, owner: string, expiresAt: EpochMs, now: EpochMs): ExecutionHead {
  return { ...h, claims: h.claims + 1, leaseOwner: owner, leaseExpiresAt: expiresAt, lastUpdate: now };
}

/** The head after step `step` committed `output`: next step, or completed after the last. */
export function committedHead(
  h: ExecutionHead,
  req: {
    owner: string;
    step: number;
    output: unknown;
    now: EpochMs;
    sweepAt: EpochMs;
    events: readonly RecordedEvent[];
  },
): ExecutionHead {
  const next = req.step + 1;
  const done = next >= h.totalSteps;
  const head = withoutLease({
    ...h,
    currentStep: next,
    version: h.version + 1,
    claims: 0,
    data: req.output,
    progress: done ? 100 : (next / h.totalSteps) * 100,
    lastUpdate: req.now,
    lastWriter: req.owner,
    sweepAt: req.sweepAt,
    events: appendEvents(h.events, req.events),
  });
  delete head.error;
  if (done) {
    head.state = ExecutionState.Completed;
    head.endTime = req.now;
    delete head.sweepAt;
  }
  return head;
}

/** What a fenced outcome write (release, fail, park) records besides its change. */
export interface OutcomeChange {
  /** The writer's lease owner, recorded as the head's `lastWriter`. */
  owner: string;
  now: EpochMs;
  error: ErrorInfo;
  events: readonly RecordedEvent[];
}

/** The head after a failed attempt with retries left: same state, version + 1, lease removed. */
export function releasedHead(h: ExecutionHead, req: OutcomeChange & { sweepAt: EpochMs }): ExecutionHead {
  return { ...outcome(h, req), version: h.version + 1, sweepAt: req.sweepAt };
}

/** The head after retries ran out: failed, ended, version + 1. */
export function failedHead(h: ExecutionHead, req: OutcomeChange): ExecutionHead {
  const head: ExecutionHead = {
    ...outcome(h, req),
    state: ExecutionState.Failed,
    version: h.version + 1,
    endTime: req.now,
  };
  delete head.sweepAt;
  return head;
}

/** The head parked as paused with an error (a step not registered); version kept. */
export function parkedHead(h: ExecutionHead, req: OutcomeChange): ExecutionHead {
  const head: ExecutionHead = { ...outcome(h, req), state: ExecutionState.Paused };
  delete head.sweepAt;
  return head;
}

/** The head after a control action (conditions already checked). */
export function transitionedHead(h: ExecutionHead, req: TransitionRequest): ExecutionHead {
  let head: ExecutionHead = {
    ...h,
    state: req.to,
    lastUpdate: req.now,
    version: req.bumpVersion ? h.version + 1 : h.version,
    events: appendEvents(h.events, [req.event]),
  };
  if (req.resetAttempts) {
    head.claims = 0;
    delete head.error;
    delete head.endTime;
  }
  if (req.end) head.endTime = req.now;
  if (isTerminalState(req.to)) {
    head = withoutLease(head);
    delete head.sweepAt;
  } else if (req.to === ExecutionState.Running && req.sweepAt !== undefined) {
    head.sweepAt = req.sweepAt;
  }
  return head;
}

/** `current` then `added`, keeping the last {@link MAX_RECORDED_EVENTS}. */
export function appendEvents(current: readonly RecordedEvent[], added: readonly RecordedEvent[]): RecordedEvent[] {
  return [...current, ...added].slice(-MAX_RECORDED_EVENTS);
}

function outcome(h: ExecutionHead, req: OutcomeChange): ExecutionHead {
  return withoutLease({
    ...h,
    lastUpdate: req.now,
    lastWriter: req.owner,
    error: req.error,
    events: appendEvents(h.events, req.events),
  });
}

function withoutLease(head: ExecutionHead): ExecutionHead {
  const copy = { ...head };
  delete copy.leaseOwner;
  delete copy.leaseExpiresAt;
  return copy;
}
