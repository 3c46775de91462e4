import { backoffDelayMs } from '../core/backoff.js';
import type { OpenCallback } from '../core/callback-tokens.js';
import type { RepeatingJob } from '../core/clock.js';
import { type DirectiveHelpers, directiveHelpers } from '../core/directives.js';
import { toError } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { makeStepContext } from '../core/step-context.js';
import type { StepFunc } from '../core/types.js';
import { sleepUnless } from './deferred.js';
import type { ExecutionRun } from './execution-run.js';
import { bestEffort, now, type RunLoopDeps } from './run-loop-deps.js';
import { stepRunsOf } from './snapshot.js';
import { StepTimers } from './step-timers.js';

/** How the attempts at one step ended: its result and the callbacks the successful attempt opened. */
export type StepOutcome =
  { kind: 'ok'; result: unknown; opened: OpenCallback[] } | { kind: 'failed'; error: Error } | { kind: 'cancelled' };

const CANCELLED = Symbol('cancelled');
const NO_STEP_NAMES: readonly string[] = Object.freeze([]);

/**
 * Runs the execution's current step, retrying a throw with backoff up to maxRetries.
 * Each attempt gets a fresh context: `stepRun` is the step runs committed so far and
 * `event` the event that ended the wait before it (the same for every attempt).
 */
export async function runOneStep(run: ExecutionRun, fn: StepFunc, deps: RunLoopDeps): Promise<StepOutcome> {
  const { exec } = run;
  const { maxRetries, retryBaseDelayMs, retryMaxDelayMs } = deps.config;
  deps.emit(EventType.StepStarted, { state: run.data });
  const loop = loopParts(run, deps);
  let lastError = new Error('step did not run');
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    if (run.isCancelled) return { kind: 'cancelled' };
    const timers = startStepTimers(run, loop.timerJobs, deps);
    try {
      const { ctx, opened } = makeStepContext({
        signal: run.abort.signal,
        executionId: exec.id,
        step: exec.currentStep,
        attempt,
        heartbeat: loop.heartbeat,
        stepRun: stepRunsOf(exec),
        stepNames: exec.stepNames ?? NO_STEP_NAMES,
        delivered: exec.delivered,
        now: loop.now,
        callbackSecret: deps.config.callbackSecret,
        helpers: helpersOf(run, deps),
      });
      const result = await run.abortRelay.call(fn, run.data, ctx, CANCELLED);
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
      timers.end();
    }
  }
  return { kind: 'failed', error: lastError };
}

/** The run's directive helpers, made once per step list rather than once per step. */
function helpersOf(run: ExecutionRun, deps: RunLoopDeps): DirectiveHelpers {
  const stepNames = run.exec.stepNames ?? NO_STEP_NAMES;
  if (run.helpers?.stepNames !== stepNames) {
    run.helpers = { stepNames, helpers: directiveHelpers(() => deps.clock.now(), stepNames) };
  }
  return run.helpers.helpers;
}

async function heartbeat(run: ExecutionRun, deps: RunLoopDeps): Promise<void> {
  run.exec.lastUpdate = now(deps);
  await deps.persist();
}

/** What every step of one run loop shares: its context's functions and its timer jobs. */
interface LoopParts {
  heartbeat: () => Promise<void>;
  now: () => number;
  timerJobs: readonly RepeatingJob[];
}

/** The parts of each run loop, made once per loop rather than once per step. */
const loopPartsOf = new WeakMap<RunLoopDeps, LoopParts>();

function loopParts(run: ExecutionRun, deps: RunLoopDeps): LoopParts {
  let parts = loopPartsOf.get(deps);
  if (!parts) {
    parts = {
      heartbeat: () => heartbeat(run, deps),
      now: () => deps.clock.now(),
      timerJobs: [
        {
          ms: deps.config.heartbeatIntervalMs,
          callback: () => void bestEffort(heartbeat(run, deps), deps, run.exec.id),
        },
        { ms: deps.config.checkpointIntervalMs, callback: () => void bestEffort(deps.checkpoint(), deps, run.exec.id) },
      ],
    };
    loopPartsOf.set(deps, parts);
  }
  return parts;
}

/**
 * While a step runs: heartbeat every heartbeatIntervalMs, checkpoint every
 * checkpointIntervalMs, on the run's one background timer (see {@link StepTimers}).
 * It does not keep the process running on its own. The caller ends them.
 */
function startStepTimers(run: ExecutionRun, jobs: readonly RepeatingJob[], deps: RunLoopDeps): StepTimers {
  const timers = (run.stepTimers ??= new StepTimers(deps.clock));
  timers.begin(jobs);
  return timers;
}
