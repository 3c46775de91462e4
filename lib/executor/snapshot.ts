import { ExecutionState } from '../core/execution-state.js';
import { newExecutionId, newSequentialId } from '../core/ids.js';
import type { Checkpoint, Execution } from '../core/types.js';

/**
 * A copy of an execution that callers may keep or change without touching the
 * executor's own record. Step data and event payloads are shared, not deep-copied.
 */
export function cloneExecution(exec: Execution): Execution {
  const copy: Execution = {
    ...exec,
    startTime: new Date(exec.startTime),
    lastUpdate: new Date(exec.lastUpdate),
    checkpoints: exec.checkpoints.map((cp) => ({ ...cp, timestamp: new Date(cp.timestamp) })),
    metadata: { ...exec.metadata },
  };
  if (exec.stepNames) copy.stepNames = [...exec.stepNames];
  if (exec.endTime) copy.endTime = new Date(exec.endTime);
  if (exec.wait) copy.wait = { ...exec.wait, ...(exec.wait.until ? { until: new Date(exec.wait.until) } : {}) };
  if (exec.inbox) copy.inbox = exec.inbox.map((e) => ({ ...e }));
  if (exec.seenEventIds) copy.seenEventIds = [...exec.seenEventIds];
  if (exec.openCallbacks) copy.openCallbacks = exec.openCallbacks.map((c) => ({ ...c }));
  if (exec.delivered) copy.delivered = { ...exec.delivered };
  if (exec.forkedFrom) copy.forkedFrom = { ...exec.forkedFrom };
  if (exec.superseded) copy.superseded = exec.superseded.map(([first, last]) => [first, last]);
  if (exec.usage) copy.usage = { ...exec.usage };
  if (exec.budget) copy.budget = { ...exec.budget };
  return copy;
}

/**
 * Appends a checkpoint of `data` taken at `timestamp` at the execution's current step
 * (with its step-run sequence and step name) and keeps only the `max` most recent,
 * so the cost of a save does not grow with the steps done.
 */
export function recordCheckpoint(exec: Execution, data: unknown, max: number, timestamp: Date): Checkpoint {
  const stepName = exec.stepNames?.[exec.currentStep];
  const id = newSequentialId('cp');
  const step = exec.currentStep;
  const seq = stepRunsOf(exec);
  // Two literals rather than a spread: one checkpoint is recorded per step.
  const cp: Checkpoint =
    stepName !== undefined
      ? { id, step, seq, stepName, state: data, timestamp }
      : { id, step, seq, state: data, timestamp };
  // A checkpoint taken in an event wait: the step after it takes the event. A pause,
  // failure or cancel that records the same point again (same seq) keeps the mark.
  const last = exec.checkpoints.at(-1);
  if (exec.wait?.kind === 'event' && exec.wait.eventType !== undefined) cp.awaits = exec.wait.eventType;
  else if (last?.awaits !== undefined && last.seq === seq && last.step === step) cp.awaits = last.awaits;
  exec.checkpoints.push(cp);
  if (exec.checkpoints.length > max) exec.checkpoints.splice(0, exec.checkpoints.length - max);
  return cp;
}

/** Step runs committed so far; an execution stored before they were counted has run `currentStep` of them. */
export function stepRunsOf(exec: Execution): number {
  return exec.stepRuns ?? exec.currentStep;
}

/** The state of the execution's last checkpoint: what its next step takes. */
export function lastCheckpointState(exec: Execution): unknown {
  return exec.checkpoints.at(-1)?.state;
}

/** A new execution record, `initialized`, with a fresh id. */
export function newExecution(name: string, totalSteps: number, stepNames: string[] | undefined, now: Date): Execution {
  return {
    id: newExecutionId(),
    name,
    state: ExecutionState.Initialized,
    progress: 0,
    currentStep: 0,
    totalSteps,
    startTime: now,
    lastUpdate: now,
    checkpoints: [],
    metadata: {},
    ...(stepNames ? { stepNames } : {}),
  };
}
