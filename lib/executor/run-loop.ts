import { backoffDelayMs } from '../core/backoff.js';
import { type Clock, setRepeatingTimer } from '../core/clock.js';
import { LongRunningError, toError } from '../core/errors.js';
import { EventType, type ExecutionEvent } from '../core/events.js';
import { ExecutionState } from '../core/execution-state.js';
import type { Logger } from '../core/logger.js';
import { makeStepContext } from '../core/step-context.js';
import type { StepFunc } from '../core/types.js';
import type { ExecutorConfig } from './config.js';
import { deferred, sleepUnless } from './deferred.js';
import type { ExecutionRun } from './execution-run.js';

/** What the run loop needs from its Executor. */
export interface RunLoopDeps {
  config: ExecutorConfig;
  /** Where the loop reads the time and sets its backoff, heartbeat and checkpoint timers. */
  clock: Clock;
  logger: Logger;
  emit(type: EventType, extra?: Partial<ExecutionEvent>): void;
  /** Records a checkpoint and saves; `beforeEvent` runs after the save, before `checkpointed`. */
  checkpoint(beforeEvent?: () => void): Promise<void>;
  /** Saves the snapshot without a new checkpoint (heartbeats). */
  persist(): Promise<void>;
}

type StepOutcome = { kind: 'ok'; result: unknown } | { kind: 'failed'; error: Error } | { kind: 'cancelled' };

const CANCELLED = Symbol('cancelled');

/** In-process, a callback token's nonce (recorded on the execution) is the credential; the MAC only spares a lookup. */
const IN_PROCESS_CALLBACK_KEY = 'longrunning-in-process-callbacks';

/** Drives `run` from its current step to the end, a pause, a failure or a cancel. */
export async function runSteps(run: ExecutionRun, deps: RunLoopDeps): Promise<void> {
  const { exec } = run;
  const steps = run.steps ?? [];
  while (exec.currentStep < exec.totalSteps) {
    if (run.isCancelled) return finishCancelled(run, deps);
    if (run.pauseRequested) {
      run.pauseRequested = false;
      run.resumed = deferred();
      const parked = deferred();
      run.parked = parked.promise;
      exec.state = ExecutionState.Paused;
      exec.lastUpdate = now(deps);
      await bestEffort(deps.checkpoint(), deps, exec.id);
      deps.emit(EventType.Paused, { state: run.data });
      parked.resolve();
      await Promise.race([run.resumed.promise, run.cancelled.promise]);
      if (run.isCancelled) return finishCancelled(run, deps);
    }
    const index = exec.currentStep;
    const fn = steps[index];
    if (!fn) throw new Error(`internal: step ${index} of ${exec.id} has no function`);
    const outcome = await runOneStep(run, fn, deps);
    if (outcome.kind === 'cancelled') return finishCancelled(run, deps);
    const finishedAt = now(deps);
    exec.lastUpdate = finishedAt;
    if (outcome.kind === 'failed') return finishFailed(run, deps, outcome.error);
    const input = run.data;
    run.data = outcome.result;
    exec.currentStep = index + 1;
    exec.progress = (exec.currentStep / exec.totalSteps) * 100;
    if (exec.currentStep === exec.totalSteps) markCompleted(run, finishedAt);
    const saved = await checkpointDurably(run, deps, () =>
      deps.emit(EventType.StepCompleted, { step: index, state: run.data }),
    );
    if (saved !== true) {
      // The result could not be made durable: back to the step's input, and fail
      // visibly. After a restart the execution resumes from its last saved checkpoint.
      run.data = input;
      exec.currentStep = index;
      exec.progress = (index / exec.totalSteps) * 100;
      const error = new Error(`could not save the checkpoint after step ${index}: ${saved.message}`);
      return finishFailed(run, deps, error);
    }
    if (exec.state === ExecutionState.Completed) {
      deps.emit(EventType.ExecutionCompleted, { state: run.data });
      return;
    }
  }
  if (exec.state !== ExecutionState.Completed) {
    markCompleted(run, now(deps));
    await bestEffort(deps.checkpoint(), deps, exec.id);
    deps.emit(EventType.ExecutionCompleted, { state: run.data });
  }
}

async function finishFailed(run: ExecutionRun, deps: RunLoopDeps, error: Error): Promise<void> {
  const at = now(deps);
  run.exec.state = ExecutionState.Failed;
  run.exec.error = error.message || error.name;
  run.exec.endTime = at;
  run.exec.lastUpdate = at;
  await bestEffort(deps.checkpoint(), deps, run.exec.id);
  deps.emit(EventType.ExecutionFailed, { error, state: run.data });
}

/** Logs a failed lifecycle save instead of throwing: the next save writes the whole snapshot again. */
async function bestEffort(save: Promise<void>, deps: RunLoopDeps, executionId: string): Promise<void> {
  try {
    await save;
  } catch (err) {
    deps.logger.error('checkpoint save failed', { executionId, error: toError(err).message });
  }
}

/**
 * Saves the checkpoint of a finished step, retrying transient failures with the
 * step backoff (up to maxRetries). Resolves true once saved, or with the last
 * error when the failure is permanent (a non-retryable LongRunningError, such as
 * a state that cannot be serialised) or retries ran out.
 */
async function checkpointDurably(run: ExecutionRun, deps: RunLoopDeps, beforeEvent: () => void): Promise<true | Error> {
  const { maxRetries, retryBaseDelayMs, retryMaxDelayMs } = deps.config;
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.checkpoint(beforeEvent);
      return true;
    } catch (thrown) {
      const error = toError(thrown);
      deps.logger.error('checkpoint save failed', {
        executionId: run.exec.id,
        step: run.exec.currentStep,
        attempt,
        error: error.message,
      });
      const permanent = thrown instanceof LongRunningError && !thrown.retryable;
      if (permanent || attempt >= maxRetries || run.isCancelled) return error;
      await sleepUnless(
        deps.clock,
        backoffDelayMs(attempt, { baseDelayMs: retryBaseDelayMs, maxDelayMs: retryMaxDelayMs }),
        run.cancelled.promise,
      );
    }
  }
}

function markCompleted(run: ExecutionRun, now: Date): void {
  run.exec.state = ExecutionState.Completed;
  run.exec.progress = 100;
  run.exec.endTime = now;
  run.exec.lastUpdate = now;
}

async function finishCancelled(run: ExecutionRun, deps: RunLoopDeps): Promise<void> {
  const at = now(deps);
  run.exec.state = ExecutionState.Cancelled;
  run.exec.endTime = at;
  run.exec.lastUpdate = at;
  await bestEffort(deps.checkpoint(), deps, run.exec.id);
  deps.emit(EventType.ExecutionCancelled, { state: run.data });
}

async function runOneStep(run: ExecutionRun, fn: StepFunc, deps: RunLoopDeps): Promise<StepOutcome> {
  const { exec } = run;
  const { maxRetries, retryBaseDelayMs, retryMaxDelayMs } = deps.config;
  deps.emit(EventType.StepStarted, { state: run.data });
  let lastError = new Error('step did not run');
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    if (run.isCancelled) return { kind: 'cancelled' };
    const stopTimers = startStepTimers(run, deps);
    try {
      const { ctx } = makeStepContext({
        signal: run.abort.signal,
        executionId: exec.id,
        step: exec.currentStep,
        attempt,
        heartbeat: () => heartbeat(run, deps),
        stepRun: exec.stepRuns ?? exec.currentStep,
        stepNames: exec.stepNames ?? [],
        delivered: undefined,
        now: () => deps.clock.now(),
        callbackSecret: IN_PROCESS_CALLBACK_KEY,
      });
      const input = run.data;
      const result = await Promise.race([
        Promise.resolve().then(() => fn(input, ctx)),
        run.cancelled.promise.then(() => CANCELLED),
      ]);
      if (result === CANCELLED || run.isCancelled) return { kind: 'cancelled' };
      return { kind: 'ok', result };
    } catch (thrown) {
      if (run.isCancelled) return { kind: 'cancelled' };
      lastError = toError(thrown);
      deps.logger.warn('step failed', {
        executionId: exec.id,
        step: exec.currentStep,
        attempt,
        error: lastError.message,
      });
      deps.emit(EventType.StepFailed, { error: lastError, state: run.data });
      if (attempt < maxRetries) {
        const delay = backoffDelayMs(attempt, { baseDelayMs: retryBaseDelayMs, maxDelayMs: retryMaxDelayMs });
        await sleepUnless(deps.clock, delay, run.cancelled.promise);
      }
    } finally {
      stopTimers();
    }
  }
  return { kind: 'failed', error: lastError };
}

async function heartbeat(run: ExecutionRun, deps: RunLoopDeps): Promise<void> {
  run.exec.lastUpdate = now(deps);
  await deps.persist();
}

/** The clock's time as a Date. */
function now(deps: RunLoopDeps): Date {
  return new Date(deps.clock.now());
}

/**
 * While a step runs: heartbeat every heartbeatIntervalMs, checkpoint every
 * checkpointIntervalMs. Neither timer keeps the process running on its own.
 */
function startStepTimers(run: ExecutionRun, deps: RunLoopDeps): () => void {
  const background = { keepAlive: false };
  const stopBeat = setRepeatingTimer(
    deps.clock,
    deps.config.heartbeatIntervalMs,
    () => void bestEffort(heartbeat(run, deps), deps, run.exec.id),
    background,
  );
  const stopSave = setRepeatingTimer(
    deps.clock,
    deps.config.checkpointIntervalMs,
    () => void bestEffort(deps.checkpoint(), deps, run.exec.id),
    background,
  );
  return () => {
    stopBeat();
    stopSave();
  };
}
