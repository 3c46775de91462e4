import { backoffDelayMs } from '../core/backoff.js';
import type { OpenCallback } from '../core/callback-tokens.js';
import { setRepeatingTimers } from '../core/clock.js';
import { toError } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { makeStepContext } from '../core/step-context.js';
import type { StepFunc } from '../core/types.js';
import { settleUnlessAborted, sleepUnless } from './deferred.js';
import type { ExecutionRun } from './execution-run.js';
import { bestEffort, now, type RunLoopDeps } from './run-loop-deps.js';
import { stepRunsOf } from './snapshot.js';

/** How the attempts at one step ended: its result and the callbacks the successful attempt opened. */
export type StepOutcome =
  { kind: 'ok'; result: unknown; opened: OpenCallback[] } | { kind: 'failed'; error: Error } | { kind: 'cancelled' };

const CANCELLED = Symbol('cancelled');

/**
 * Runs the execution's current step, retrying a throw with backoff up to maxRetries.
 * Each attempt gets a fresh context: `stepRun` is the step runs committed so far and
 * `event` the event that ended the wait before it (the same for every attempt).
 */
export async function runOneStep(run: ExecutionRun, fn: StepFunc, deps: RunLoopDeps): Promise<StepOutcome> {
  const { exec } = run;
  const { maxRetries, retryBaseDelayMs, retryMaxDelayMs } = deps.config;
  deps.emit(EventType.StepStarted, { state: run.data });
  let lastError = new Error('step did not run');
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    if (run.isCancelled) return { kind: 'cancelled' };
    const stopTimers = startStepTimers(run, deps);
    try {
      const { ctx, opened } = makeStepContext({
        signal: run.abort.signal,
        executionId: exec.id,
        step: exec.currentStep,
        attempt,
        heartbeat: () => heartbeat(run, deps),
        stepRun: stepRunsOf(exec),
        stepNames: exec.stepNames ?? [],
        delivered: exec.delivered,
        now: () => deps.clock.now(),
        callbackSecret: deps.config.callbackSecret,
      });
      const input = run.data;
      const result = await settleUnlessAborted(
        run.abort.signal,
        Promise.resolve().then(() => fn(input, ctx)),
        CANCELLED,
      );
      if (result === CANCELLED || run.isCancelled) return { kind: 'cancelled' };
      return { kind: 'ok', result, opened };
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

/**
 * While a step runs: heartbeat every heartbeatIntervalMs, checkpoint every
 * checkpointIntervalMs, on one timer set for whichever is due first. It does not
 * keep the process running on its own.
 */
function startStepTimers(run: ExecutionRun, deps: RunLoopDeps): () => void {
  return setRepeatingTimers(
    deps.clock,
    [
      { ms: deps.config.heartbeatIntervalMs, callback: () => void bestEffort(heartbeat(run, deps), deps, run.exec.id) },
      { ms: deps.config.checkpointIntervalMs, callback: () => void bestEffort(deps.checkpoint(), deps, run.exec.id) },
    ],
    { keepAlive: false },
  );
}
