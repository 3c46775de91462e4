import { backoffDelayMs } from '../core/backoff.js';
import { LongRunningError, toError, toErrorInfo } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { ExecutionState } from '../core/execution-state.js';
import type { BudgetOverrun } from '../core/usage.js';
import { afterStep, type AfterStep } from '../core/waits.js';
import { budgetOverruns, commitUsage, markBudgetPaused } from './budget.js';
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
    // A pause asked for, or a committed step's usage past the budget: park before the
    // next step, then look again (cancelled meanwhile, or still to pause).
    const overruns = budgetOverruns(exec);
    if (run.pauseRequested || overruns.length > 0) {
      run.pauseRequested = false;
      await parkPaused(run, deps, overruns);
      // A rewind replaced this run: the execution is no longer this loop's to save.
      if (run.retired) return;
      continue;
    }
    const index = exec.currentStep;
    const fn = steps[index];
    if (!fn) throw new Error(`internal: step ${index} of ${exec.id} has no function`);
    const outcome = await runOneStep(run, fn, deps);
    if (outcome.kind === 'cancelled') return finishCancelled(run, deps);
    if (outcome.kind === 'failed') return finishFailed(run, deps, outcome.error);
    // A pause ended its wait for a limit: park at the top, and begin the step again on resume.
    if (outcome.kind === 'paused') continue;
    // The commit: core's `afterStep` reads the result (the next step, a goto, a wait,
    // the end, or the step-run limit), and one checkpoint saves it.
    const finishedAt = now(deps);
    exec.lastUpdate = finishedAt;
    let after: AfterStep;
    try {
      after = afterStep(stepPositionOf(exec, deps.config.maxStepRuns), outcome.result, finishedAt.getTime());
    } catch (err) {
      return finishFailed(run, deps, toError(err));
    }
    const input = run.data;
    const undo = undoPoint(exec);
    run.data = after.state;
    applyAfterStep(exec, after, outcome.opened, finishedAt);
    commitUsage(exec, outcome.usage);
    try {
      // The save tried once here; the retries only once it fails.
      await deps.checkpoint(index, finishedAt);
    } catch (thrown) {
      const saved = await checkpointDurably(run, deps, index, thrown);
      if (saved !== true) {
        // The result could not be made durable: back to the step's input, and fail
        // visibly. After a restart the execution resumes from its last saved checkpoint.
        run.data = input;
        undo();
        const error = new Error(`could not save the checkpoint after step ${index}: ${saved.message}`);
        return finishFailed(run, deps, error);
      }
    }
    if (after.kind !== 'run') return void endsAfterCommit(run, deps, after);
  }
  markCompleted(run, now(deps));
  await bestEffort(deps.checkpoint(), deps, exec.id);
  deps.emit(EventType.ExecutionCompleted, { state: run.data });
}

/**
 * Saves and announces the execution paused (by its budget, with `BUDGET_EXCEEDED`,
 * when `overruns` names units past it), then waits for resume or cancel.
 */
async function parkPaused(run: ExecutionRun, deps: RunLoopDeps, overruns: readonly BudgetOverrun[]): Promise<void> {
  const { exec } = run;
  run.resumed = deferred();
  const parked = deferred();
  run.parked = parked.promise;
  const error = overruns.length > 0 ? markBudgetPaused(exec, overruns) : undefined;
  exec.state = ExecutionState.Paused;
  exec.lastUpdate = now(deps);
  await bestEffort(deps.checkpoint(), deps, exec.id);
  if (error) {
    deps.logger.info('execution paused by its budget', { executionId: exec.id, error: error.message });
    deps.emit(EventType.Paused, { state: run.data, error });
  } else deps.emit(EventType.Paused, { state: run.data });
  parked.resolve();
  await Promise.race([run.resumed.promise, run.cancelled.promise]);
}

/** The commit ended the loop: a wait (armed by the Executor), the end, or the step-run limit. */
function endsAfterCommit(run: ExecutionRun, deps: RunLoopDeps, after: AfterStep): void {
  switch (after.kind) {
    case 'run':
    case 'wait':
      return;
    case 'complete':
      deps.emit(EventType.ExecutionCompleted, { state: run.data });
      return;
    case 'limit':
      deps.emit(EventType.ExecutionFailed, {
        error: new LongRunningError(after.error.code, after.error.message),
        state: run.data,
      });
      return;
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
 * Saves the checkpoint of finished step `step` again after its first save threw
 * `thrown`, retrying transient failures with the step backoff (up to maxRetries
 * retries). Resolves true once saved, or with the last error when the failure is
 * permanent (a non-retryable LongRunningError, such as a state that cannot be
 * serialised) or retries ran out.
 */
async function checkpointDurably(
  run: ExecutionRun,
  deps: RunLoopDeps,
  step: number,
  thrown: unknown,
): Promise<true | Error> {
  const { maxRetries, retryBaseDelayMs, retryMaxDelayMs } = deps.config;
  for (let attempt = 0; ; attempt++) {
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
    try {
      await deps.checkpoint(step);
      return true;
    } catch (again) {
      thrown = again;
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
