import { NotFoundError, ValidationError } from '../core/errors.js';
import { ExecutionState } from '../core/execution-state.js';
import { assertJsonValue } from '../core/json.js';
import { checkOptions } from '../core/options.js';
import { assertExecutionName, assertStepName } from '../core/step-list.js';
import { isSuperseded, supersede } from '../core/superseded.js';
import type { Checkpoint, Execution, ForkOptions, RewindOptions } from '../core/types.js';
import { stepRunsOf } from './snapshot.js';

const FORK_KEYS: ReadonlySet<string> = new Set(['fromCheckpoint', 'state', 'name', 'steps']);
const REWIND_KEYS: ReadonlySet<string> = new Set(['toCheckpoint', 'state']);

/** Checks fork options (VALIDATION_ERROR naming the problem); whether the steps are registered is the caller's. */
export function checkForkOptions(options: unknown): ForkOptions {
  const o = checkOptions(options, 'fork', FORK_KEYS);
  const checked: ForkOptions = { fromCheckpoint: checkSeq(o['fromCheckpoint'], 'fork', 'fromCheckpoint') };
  if (o['state'] !== undefined) {
    assertJsonValue(o['state'], 'fork options.state');
    checked.state = o['state'];
  }
  if (o['name'] !== undefined) {
    assertExecutionName(o['name']);
    checked.name = o['name'];
  }
  if (o['steps'] !== undefined) {
    const steps = o['steps'];
    if (!Array.isArray(steps) || steps.length === 0) {
      throw new ValidationError('fork options.steps must be a non-empty array of registered step names', {
        field: 'steps',
      });
    }
    steps.forEach((name: unknown) => assertStepName(name));
    checked.steps = [...(steps as string[])];
  }
  return checked;
}

/** Checks rewind options (VALIDATION_ERROR naming the problem). */
export function checkRewindOptions(options: unknown): RewindOptions {
  const o = checkOptions(options, 'rewind', REWIND_KEYS);
  const checked: RewindOptions = { toCheckpoint: checkSeq(o['toCheckpoint'], 'rewind', 'toCheckpoint') };
  if (o['state'] !== undefined) {
    assertJsonValue(o['state'], 'rewind options.state');
    checked.state = o['state'];
  }
  return checked;
}

function checkSeq(value: unknown, action: string, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      `${action} options.${field} must be a checkpoint sequence number (a whole number >= 0), got ${String(value)}`,
      { field },
    );
  }
  return value;
}

/**
 * The kept checkpoint of `exec` with sequence number `seq` (the latest, when a pause
 * or a failure recorded the same point again). NOT_FOUND naming the checkpoint and
 * the execution when none is kept: the Executor keeps only the last `maxCheckpoints`.
 */
export function findCheckpoint(exec: Execution, seq: number, maxCheckpoints: number): Checkpoint {
  for (let i = exec.checkpoints.length - 1; i >= 0; i--) {
    const cp = exec.checkpoints[i]!;
    if (cp.seq === seq) return cp;
  }
  const kept = exec.checkpoints.map((cp) => cp.seq).filter((s) => s !== undefined);
  const range = kept.length > 0 ? `${Math.min(...kept)} to ${Math.max(...kept)}` : 'none';
  throw new NotFoundError(
    'checkpoint',
    `${seq} of execution ${exec.id} (kept: ${range}; the executor keeps the last ${maxCheckpoints} checkpoints)`,
  );
}

/** VALIDATION_ERROR for a checkpoint with no step after it (a completed execution's final state). */
export function assertRunsOnFrom(exec: Execution, cp: Checkpoint): void {
  if (cp.step >= exec.totalSteps) {
    throw new ValidationError(
      `checkpoint ${cp.seq ?? cp.step} of execution ${exec.id} is its final state: no step runs on from it (choose an earlier checkpoint)`,
    );
  }
  if (cp.awaits !== undefined) {
    throw new ValidationError(
      `checkpoint ${cp.seq ?? cp.step} of execution ${exec.id} began a wait for event "${cp.awaits}": step ${cp.step} would run without it; choose the checkpoint before it, whose step waits again`,
    );
  }
}

/** VALIDATION_ERROR for a checkpoint an earlier rewind went back past: a rewind runs on from its history only. */
export function assertInHistory(exec: Execution, cp: Checkpoint): void {
  if (cp.superseded || (cp.seq !== undefined && isSuperseded(exec.superseded, cp.seq)))
    throw new ValidationError(
      `checkpoint ${cp.seq ?? cp.step} of execution ${exec.id} was gone back past by an earlier rewind (superseded): nothing runs on from it; rewind to one in its history, or fork from it`,
    );
}

/** A deep copy of a checkpoint state, so that the steps that take it cannot change the checkpoint. */
export function copyState(state: unknown): unknown {
  return state === undefined ? undefined : structuredClone(state);
}

/** What a fork starts with. */
export interface ForkPlan {
  name: string;
  stepNames: string[];
  /** The step the fork runs first. */
  currentStep: number;
  state: unknown;
  metadata: Record<string, unknown>;
  maxStepRuns: number | undefined;
}

/**
 * The start of a fork of `source` at checkpoint `cp`: the source's step names (it
 * needs them) and the checkpoint's step, or `steps` from their first step.
 */
export function planFork(source: Execution, cp: Checkpoint, options: ForkOptions): ForkPlan {
  let stepNames: string[];
  let currentStep: number;
  if (options.steps) {
    stepNames = [...options.steps];
    currentStep = 0;
  } else {
    if (!source.stepNames?.length) {
      throw new ValidationError(
        `execution ${source.id} has no step names (made with createExecution), so it cannot be forked without options.steps`,
      );
    }
    stepNames = [...source.stepNames];
    currentStep = cp.step;
  }
  return {
    name: options.name ?? source.name,
    stepNames,
    currentStep,
    state: options.state !== undefined ? options.state : copyState(cp.state),
    metadata: structuredClone(source.metadata),
    maxStepRuns: source.maxStepRuns,
  };
}

/**
 * Moves `exec` back to checkpoint `cp` (run on with `state`): its current step is the
 * checkpoint's, it is running again, its error, end, wait, delivered event and open
 * callbacks are gone (the steps that made them are undone), its inbox is kept. Step
 * runs grow by one for the rewind, so the checkpoint recorded next has the sequence
 * number `previous step runs + 1`; the sequence numbers after `cp`'s up to the previous
 * step runs are recorded as superseded, and the kept checkpoints in them marked.
 */
export function applyRewind(exec: Execution, cp: Checkpoint, at: Date): void {
  const previousRuns = stepRunsOf(exec);
  const to = cp.seq ?? 0;
  if (to < previousRuns) {
    exec.superseded = supersede(exec.superseded ?? [], to + 1, previousRuns);
  }
  for (const kept of exec.checkpoints) {
    if (kept.seq !== undefined && isSuperseded(exec.superseded, kept.seq)) kept.superseded = true;
  }
  exec.currentStep = cp.step;
  exec.progress = exec.totalSteps > 0 ? (cp.step / exec.totalSteps) * 100 : 0;
  exec.stepRuns = previousRuns + 1;
  exec.state = ExecutionState.Running;
  exec.lastUpdate = at;
  delete exec.error;
  delete exec.errorCode;
  delete exec.endTime;
  delete exec.wait;
  delete exec.delivered;
  delete exec.openCallbacks;
}
