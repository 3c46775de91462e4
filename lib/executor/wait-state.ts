import { openCallbacks, type OpenCallback } from '../core/callback-tokens.js';
import { ExecutionState } from '../core/execution-state.js';
import type { Execution, ExecutionWait } from '../core/types.js';
import type { AfterStep, InboxEvent, PendingWait, StepPosition, WaitFacts } from '../core/waits.js';
import { stepRunsOf } from './snapshot.js';

// The Executor's side of core's wait rules: the execution record as core's inputs,
// and core's answers written back onto the record (the Executor shows `until` as a
// Date where core counts epoch milliseconds).

/** The execution's wait as core reads it. */
export function pendingWaitOf(wait: ExecutionWait): PendingWait {
  const { until, ...rest } = wait;
  return until === undefined ? rest : { ...rest, until: until.getTime() };
}

/** Core's wait as the execution shows it. */
export function executionWaitOf(wait: PendingWait): ExecutionWait {
  const { until, ...rest } = wait;
  return until === undefined ? rest : { ...rest, until: new Date(until) };
}

/** What an arriving event needs to know about the execution. */
export function waitFactsOf(exec: Execution): WaitFacts {
  return {
    ...(exec.wait ? { wait: pendingWaitOf(exec.wait) } : {}),
    inbox: exec.inbox ?? [],
    seenEventIds: exec.seenEventIds ?? [],
  };
}

/**
 * Where the execution is, for core's `afterStep`. An execution of anonymous steps
 * has no names (so no goto target), but core counts its steps by its names: it gets
 * empty names, which no directive can target.
 */
export function stepPositionOf(exec: Execution, defaultMaxStepRuns: number): StepPosition {
  return {
    currentStep: exec.currentStep,
    stepNames: exec.stepNames ?? anonymousStepNames(exec),
    stepRuns: stepRunsOf(exec),
    maxStepRuns: exec.maxStepRuns ?? defaultMaxStepRuns,
    inbox: exec.inbox ?? [],
  };
}

/** Empty names, one per step, built once per execution rather than at every commit. */
const ANONYMOUS_NAMES = new WeakMap<Execution, readonly string[]>();

function anonymousStepNames(exec: Execution): readonly string[] {
  let names = ANONYMOUS_NAMES.get(exec);
  if (names?.length !== exec.totalSteps) {
    names = Object.freeze(Array.from({ length: exec.totalSteps }, () => ''));
    ANONYMOUS_NAMES.set(exec, names);
  }
  return names;
}

/**
 * Writes a step's commit onto the execution: the next step, the step-run count, the
 * inbox, the callbacks the step opened, the event for the next step (only when a wait
 * ended at once), and the state the commit leads to. Progress is the position in the
 * step list (`currentStep / totalSteps`), 100 once completed.
 */
export function applyAfterStep(exec: Execution, after: AfterStep, opened: readonly OpenCallback[], at: Date): void {
  exec.currentStep = after.nextStep;
  exec.stepRuns = after.stepRuns;
  exec.progress = after.kind === 'complete' ? 100 : (after.nextStep / exec.totalSteps) * 100;
  setInbox(exec, after.inbox);
  if (opened.length > 0) exec.openCallbacks = openCallbacks(exec.openCallbacks ?? [], opened);
  setDelivered(exec, after.kind === 'run' ? after.delivered : undefined);
  switch (after.kind) {
    case 'run':
      return;
    case 'wait':
      exec.state = ExecutionState.Waiting;
      exec.wait = executionWaitOf(after.wait);
      return;
    case 'complete':
      exec.state = ExecutionState.Completed;
      break;
    case 'limit':
      exec.state = ExecutionState.Failed;
      exec.error = after.error.message;
      exec.errorCode = after.error.code;
      break;
  }
  exec.endTime = at;
  delete exec.openCallbacks;
}

/** Sets the inbox, leaving the field out when it is empty. */
export function setInbox(exec: Execution, inbox: InboxEvent[]): void {
  if (inbox.length > 0) exec.inbox = inbox;
  else delete exec.inbox;
}

/** Sets the event the next step gets (`undefined`: none). */
export function setDelivered(exec: Execution, delivered: InboxEvent | null | undefined): void {
  if (delivered === undefined) delete exec.delivered;
  else exec.delivered = delivered;
}

const UNDOABLE = [
  'state',
  'currentStep',
  'progress',
  'stepRuns',
  'wait',
  'inbox',
  'seenEventIds',
  'openCallbacks',
  'delivered',
  'error',
  'errorCode',
  'endTime',
  'lastUpdate',
  'usage',
] as const;

/** Remembers the fields a commit or a delivery changes; the returned function puts them back (when its save fails). */
export function undoPoint(exec: Execution): () => void {
  const record = exec as unknown as Record<string, unknown>;
  const before = new Array<unknown>(UNDOABLE.length);
  for (let i = 0; i < UNDOABLE.length; i++) before[i] = record[UNDOABLE[i]!];
  return () => {
    for (let i = 0; i < UNDOABLE.length; i++) {
      const key = UNDOABLE[i]!;
      const value = before[i];
      if (value === undefined) delete record[key];
      else record[key] = value;
    }
  };
}
