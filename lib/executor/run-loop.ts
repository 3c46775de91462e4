import { backoffDelayMs } from '../core/backoff.js';
import type { OpenCallback } from '../core/callback-tokens.js';
import { LongRunningError, toError, toErrorInfo } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { ExecutionState } from '../core/execution-state.js';
import { afterStep, type AfterStep } from '../core/waits.js';
import { deferred, sleepUnless } from './deferred.js';
import type { ExecutionRun } from './execution-run.js';
import { bestEffort, now, type RunLoopDeps } from './run-loop-deps.js';
import { runOneStep } from './step-attempts.js';
import { applyAfterStep, stepPositionOf, undoPoint } from './wait-state.js';

export type { RunLoopDeps } from './run-loop-deps.js';

/**
 * Drives `run` from its current step until it completes, fails, is cancelled, or
 * commits a wait (then it returns with the execution `waiting`, and the Executor
 * arms the wait). A pause asked for meanwhile parks it at the next step boundary.
 */
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
      // A rewind replaced this run: the execution is no longer this loop's to save.
      if (run.retired) return;
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
    if (!(await commitStep(run, deps, index, outcome.result, outcome.opened, finishedAt))) return;
  }
  markCompleted(run, now(deps));
  await bestEffort(deps.checkpoint(), deps, exec.id);
  deps.emit(EventType.ExecutionCompleted, { state: run.data });
}

/**
 * Commits step `index`'s result as core's `afterStep` reads it (the next step, a
 * goto, a wait, the end, or the step-run limit) with one checkpoint. Resolves true
 * when the loop goes on to the next step.
 */
async function commitStep(
  run: ExecutionRun,
  deps: RunLoopDeps,
  index: number,
  result: unknown,
  opened: OpenCallback[],
  at: Date,
): Promise<boolean> {
  const { exec } = run;
  let after: AfterStep;
  try {
    after = afterStep(stepPositionOf(exec, deps.config.maxStepRuns), result, at.getTime());
  } catch (err) {
    await finishFailed(run, deps, toError(err));
    return false;
  }
  const input = run.data;
  const undo = undoPoint(exec);
  run.data = after.state;
  applyAfterStep(exec, after, opened, at);
  const saved = await checkpointDurably(run, deps, () =>
    deps.emit(EventType.StepCompleted, { step: index, state: run.data }),
  );
  if (saved !== true) {
    // The result could not be made durable: back to the step's input, and fail
    // visibly. After a restart the execution resumes from its last saved checkpoint.
    run.data = input;
    undo();
    const error = new Error(`could not save the checkpoint after step ${index}: ${saved.message}`);
    await finishFailed(run, deps, error);
    return false;
  }
  switch (after.kind) {
    case 'run':
      return true;
    case 'wait':
      return false;
    case 'complete':
      deps.emit(EventType.ExecutionCompleted, { state: run.data });
      return false;
    case 'limit':
      deps.emit(EventType.ExecutionFailed, {
        error: new LongRunningError(after.error.code, after.error.message),
        state: run.data,
      });
      return false;
  }
}

async function finishFailed(run: ExecutionRun, deps: RunLoopDeps, error: Error): Promise<void> {
  const at = now(deps);
  run.exec.state = ExecutionState.Failed;
  run.exec.error = error.message || error.name;
  run.exec.errorCode = toErrorInfo(error).code;
  run.exec.endTime = at;
  run.exec.lastUpdate = at;
  await bestEffort(deps.checkpoint(), deps, run.exec.id);
  deps.emit(EventType.ExecutionFailed, { error, state: run.data });
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

function markCompleted(run: ExecutionRun, at: Date): void {
  run.exec.state = ExecutionState.Completed;
  run.exec.progress = 100;
  run.exec.endTime = at;
  run.exec.lastUpdate = at;
  delete run.exec.openCallbacks;
}

async function finishCancelled(run: ExecutionRun, deps: RunLoopDeps): Promise<void> {
  const at = now(deps);
  run.exec.state = ExecutionState.Cancelled;
  run.exec.endTime = at;
  run.exec.lastUpdate = at;
  await bestEffort(deps.checkpoint(), deps, run.exec.id);
  deps.emit(EventType.ExecutionCancelled, { state: run.data });
}
