import { openCallbacks } from '../core/callback-tokens.js';
import { ErrorCode, type ErrorInfo } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { addUsage, budgetMessage, isEmptyUsage, overBudget } from '../core/usage.js';
import { ExecutionState, isTerminalState } from '../core/execution-state.js';
import { supersede } from '../core/superseded.js';
import { afterStep, DEFAULT_MAX_STEP_RUNS, type StepPosition } from '../core/waits.js';
import { MAX_RECORDED_EVENTS } from './model.js';
import type { EpochMs, ExecutionHead, RecordedEvent, StoredCheckpoint } from './model.js';
import type { CommitRequest, NewExecution, RewindRequest, TransitionRequest } from './ports.js';
import { waitSweepAt } from './wait-timing.js';
import { MAX_DELAY_SECONDS } from './step-message.js';

// The head changes of the ExecutionStore port as pure functions, so that an
// in-memory adapter (and any adapter that computes items in code) applies exactly
// the documented semantics. Each returns a new head; none checks conditions.

/** The head of a new execution: running at its first step (`startStep`, 0 by default), version 0, no claims. */
export function createdHead(exec: NewExecution): ExecutionHead {
  const startStep = exec.startStep ?? 0;
  const head: ExecutionHead = {
    id: exec.id,
    name: exec.name,
    workflow: exec.workflow,
    ...(exec.workflowVersion === undefined ? {} : { workflowVersion: exec.workflowVersion }),
    state: ExecutionState.Running,
    stepNames: [...exec.stepNames],
    currentStep: startStep,
    totalSteps: exec.stepNames.length,
    progress: progressAt(startStep, exec.stepNames.length),
    data: exec.input,
    version: 0,
    claims: 0,
    startTime: exec.now,
    lastUpdate: exec.now,
    sweepAt: exec.sweepAt,
    metadata: { ...exec.metadata },
    ...(exec.idempotencyKey === undefined ? {} : { idempotencyKey: exec.idempotencyKey }),
    events: appendEvents([], exec.events),
    stepRuns: 0,
    maxStepRuns: exec.maxStepRuns ?? DEFAULT_MAX_STEP_RUNS,
    inbox: [],
    seenEventIds: [],
    callbacks: [],
    inboxSeq: 0,
  };
  if (exec.forkedFrom) head.forkedFrom = { ...exec.forkedFrom };
  if (exec.budget) head.budget = { ...exec.budget };
  return head;
}

/** The checkpoint a head's latest commit (or its creation) writes: `data` as step run `stepRuns`, the input of `currentStep`. */
export function checkpointOf(h: ExecutionHead, now: EpochMs): StoredCheckpoint {
  const stepName = h.stepNames[h.currentStep];
  return {
    id: `${h.id}/${h.stepRuns}`,
    executionId: h.id,
    seq: h.stepRuns,
    step: h.currentStep,
    ...(stepName === undefined ? {} : { stepName }),
    state: h.data,
    timestamp: now,
    ...(h.wait?.kind === 'event' && h.wait.eventType !== undefined ? { awaits: h.wait.eventType } : {}),
  };
}

/** Where the head is, for the step model's rules (lib/core/waits.ts). A `maxStepRuns` of 0 is no limit. */
export function positionOf(h: ExecutionHead): StepPosition {
  return {
    currentStep: h.currentStep,
    stepNames: h.stepNames,
    stepRuns: h.stepRuns,
    maxStepRuns: h.maxStepRuns === 0 ? Infinity : h.maxStepRuns,
    inbox: h.inbox,
  };
}

/**
 * Progress of a head at step `currentStep`: its position in the step list, as a
 * percentage (steps before it / all steps). A loop (`goto` back) moves it back,
 * honestly: it tells where the execution is, not how much work it has done
 * (`stepRuns` counts that).
 */
export function progressAt(currentStep: number, totalSteps: number): number {
  return (Math.min(currentStep, totalSteps) / totalSteps) * 100;
}

/** The head after a claim: one more claim, leased to `owner` until `expiresAt`. */
export function claimedHead(h: ExecutionHead, owner: string, expiresAt: EpochMs, now: EpochMs): ExecutionHead {
  const { throttled: _cleared, ...rest } = h;
  return { ...rest, claims: h.claims + 1, leaseOwner: owner, leaseExpiresAt: expiresAt, lastUpdate: now };
}

/**
 * The head after step `step` committed its result (`output`: a state, or a
 * directive), decided from the head as it stands by the step model's rule
 * (`afterStep`): the next step (the one after, or a `goto`/`next` target) running,
 * waiting (state waiting, `wait` set; a paused head stays paused with its wait),
 * completed, or failed with STEP_LIMIT_EXCEEDED. A wait whose event is in the inbox
 * takes it at once and runs on with it as `delivered`. Opened callbacks become valid;
 * a finished execution keeps none. `delivered` and the error are cleared. The
 * step run's `usage` is added to the head's; past the budget, an execution that
 * would run on (or wait) is paused instead (see {@link overBudgetPause}). With
 * `claimNext`, a head that runs on is also claimed for the owner it names.
 */
export function committedHead(h: ExecutionHead, req: CommitRequest): ExecutionHead {
  const after = afterStep(positionOf(h), req.output, req.now);
  const head = withoutLease({
    ...h,
    currentStep: after.nextStep,
    stepRuns: after.stepRuns,
    version: h.version + 1,
    claims: 0,
    data: after.state,
    inbox: after.inbox,
    callbacks: openCallbacks(h.callbacks, req.opened ?? []),
    progress: progressAt(after.nextStep, h.totalSteps),
    lastUpdate: req.now,
    lastWriter: req.owner,
    sweepAt: req.sweepAt,
    events: appendEvents(h.events, req.events),
  });
  for (const key of ['error', 'delivered', 'wait'] as const) delete head[key];
  if (!isEmptyUsage(req.usage)) head.usage = addUsage(h.usage, req.usage);
  switch (after.kind) {
    case 'run': {
      if (after.delivered) head.delivered = after.delivered;
      head.sweepAt = keptSweepAt(h.sweepAt, req.now, req.sweepAt);
      const next = overBudgetPause(head, req.now);
      // A chained claim: only a head that runs on, so a pause or a budget stop holds.
      if (req.claimNext === undefined || next.state !== ExecutionState.Running) return next;
      return claimedHead(next, req.claimNext.owner, req.now + req.claimNext.leaseMs, req.now);
    }
    case 'wait': {
      head.wait = after.wait;
      if (head.state === ExecutionState.Running) head.state = ExecutionState.Waiting;
      const timing = req.timing ?? { stallAfterMs: req.sweepAt - req.now, maxDelayMs: MAX_DELAY_SECONDS * 1000 };
      const sweepAt = waitSweepAt(after.wait, req.now, timing);
      if (sweepAt === undefined) delete head.sweepAt;
      else head.sweepAt = sweepAt;
      return overBudgetPause(head, req.now);
    }
    case 'complete':
      return finished(head, ExecutionState.Completed, req.now);
    case 'limit':
      return { ...finished(head, ExecutionState.Failed, req.now), error: after.error };
  }
}

/**
 * A committed head that runs on (or waits), or that head paused with
 * BUDGET_EXCEEDED when its usage is past its budget: state paused (a wait is kept,
 * as for any pause), `currentStep` at the next step, no `sweepAt`, a `paused` event
 * carrying the error. Resume sends the next step as after any pause, once the
 * budget allows it. A head without a budget is returned as it is.
 */
export function overBudgetPause(head: ExecutionHead, now: EpochMs): ExecutionHead {
  const overruns = overBudget(head.usage, head.budget);
  if (overruns.length === 0) return head;
  const error: ErrorInfo = { code: ErrorCode.BudgetExceeded, message: budgetMessage(overruns) };
  const paused: ExecutionHead = { ...head, state: ExecutionState.Paused, error };
  delete paused.sweepAt;
  if (head.state !== ExecutionState.Paused)
    paused.events = appendEvents(head.events, [{ type: EventType.Paused, step: head.currentStep, at: now, error }]);
  return paused;
}

/**
 * The `sweepAt` a commit leaves on a head that runs on: its current one while that
 * is still at least half a stall threshold away and no further than `target` (now
 * plus the threshold), else `target`. `sweepAt` is the sort key of the `active`
 * index, and moving it rewrites the index entry (a delete and a put, 2 write units),
 * so a run of quick steps moves it about once per half threshold instead of at every
 * step. A stall is then found between half a threshold and a whole one after the
 * commit, never later.
 */
export function keptSweepAt(current: EpochMs | undefined, now: EpochMs, target: EpochMs): EpochMs {
  const half = (target - now) / 2;
  return current !== undefined && current >= now + half && current <= target ? current : target;
}

function finished(head: ExecutionHead, state: ExecutionState, now: EpochMs): ExecutionHead {
  const done: ExecutionHead = { ...head, state, endTime: now, callbacks: [] };
  if (state === ExecutionState.Completed) done.progress = 100;
  delete done.sweepAt;
  return done;
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
    callbacks: [],
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
    head = { ...withoutLease(head), callbacks: [] };
    delete head.sweepAt;
    delete head.wait;
  } else if (req.to === ExecutionState.Running && req.sweepAt !== undefined) {
    head.sweepAt = req.sweepAt;
  }
  return head;
}

/**
 * The head after a rewind to checkpoint `cp` (checked by `assertRewind`), running
 * on with `state`: see {@link RewindRequest}. `stepRuns` grows by one, for the
 * checkpoint the rewind writes (see {@link rewindCheckpointOf}).
 */
export function rewoundHead(h: ExecutionHead, cp: StoredCheckpoint, state: unknown, req: RewindRequest): ExecutionHead {
  const head = withoutLease({
    ...h,
    state: ExecutionState.Running,
    currentStep: cp.step,
    progress: progressAt(cp.step, h.totalSteps),
    data: state,
    version: h.version + 1,
    claims: 0,
    stepRuns: h.stepRuns + 1,
    lastUpdate: req.now,
    sweepAt: req.sweepAt,
    callbacks: [],
    events: appendEvents(h.events, [{ ...req.event, step: cp.step }]),
  });
  for (const key of ['error', 'endTime', 'wait', 'delivered', 'lastWriter'] as const) delete head[key];
  const superseded = supersede(h.superseded ?? [], cp.seq + 1, h.stepRuns);
  if (superseded.length > 0) head.superseded = superseded;
  return head;
}

/** The checkpoint a rewind writes: the state run on from, as step run `stepRuns` of the rewound head. */
export function rewindCheckpointOf(h: ExecutionHead, toCheckpoint: number, now: EpochMs): StoredCheckpoint {
  return { ...checkpointOf(h, now), rewoundTo: toCheckpoint };
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
