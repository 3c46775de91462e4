import { backoffDelayMs } from '../core/backoff.js';
import type { OpenCallback } from '../core/callback-tokens.js';
import type { RepeatingJob } from '../core/clock.js';
import { type DirectiveHelpers, directiveHelpers } from '../core/directives.js';
import { toError } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { makeStepContext } from '../core/step-context.js';
import type { StepFunc } from '../core/types.js';
import type { Usage } from '../core/usage.js';
import { sleepUnless } from './deferred.js';
import { callLimited, PAUSED } from './limited-call.js';
import type { ExecutionRun } from './execution-run.js';
import { bestEffort, now, type RunLoopDeps } from './run-loop-deps.js';
import { stepRunsOf } from './snapshot.js';
import { StepTimers } from './step-timers.js';

/**
 * How the attempts at one step ended: its result, and the callbacks the successful
 * attempt opened and the usage it reported (the failed attempts' are never kept).
 */
export type StepOutcome =
  | { kind: 'ok'; result: unknown; opened: OpenCallback[]; usage: Usage | undefined }
  | { kind: 'failed'; error: Error }
  | { kind: 'cancelled' }
  /** A pause stopped the step's wait for a limit before the attempt ran. */
  | { kind: 'paused' };

/** What an attempt settles with when the execution was cancelled under it. */
const CANCELLED = Symbol('cancelled');
const CANCELLED_OUTCOME: StepOutcome = Object.freeze({ kind: 'cancelled' });
const PAUSED_OUTCOME: StepOutcome = Object.freeze({ kind: 'paused' });
const NO_STEP_NAMES: readonly string[] = Object.freeze([]);

/**
 * One attempt at a step, begun: `result` settles with what the step returned (or
 * {@link CANCELLED} once the execution is cancelled), or rejects with what it threw.
 * The caller ends `timers` once the attempt is over.
 */
interface StepAttempt {
  result: Promise<unknown>;
  opened: OpenCallback[];
  /** What the attempt reported using, so far. */
  usage: () => Usage | undefined;
  timers: StepTimers;
  attempt: number;
}

const NO_USAGE = (): undefined => undefined;

/**
 * Runs the execution's current step, retrying a throw with backoff up to maxRetries
 * (see {@link retryStep}). The first attempt is awaited in this small function and
 * the retries are left to another: an async function holding the whole retry loop
 * (an await inside try/catch/finally inside a loop) cost more than the rest of the
 * step together. It takes the same turns as before: callers that race a step's
 * commit count on them.
 */
export async function runOneStep(run: ExecutionRun, fn: StepFunc, deps: RunLoopDeps): Promise<StepOutcome> {
  deps.emit(EventType.StepStarted, { state: run.data });
  if (run.isCancelled) return CANCELLED_OUTCOME;
  const attempt = beginAttempt(run, fn, deps, 0);
  let result: unknown;
  try {
    result = await attempt.result;
  } catch (thrown) {
    return retryStep(run, fn, deps, attempt, thrown);
  }
  attempt.timers.end();
  return settled(run, attempt, result);
}

/**
 * The outcome of `attempt`, which settled with `result`: cancelled, paused in its
 * wait for a limit, or a result committed with what the attempt opened and used.
 */
function settled(run: ExecutionRun, attempt: StepAttempt, result: unknown): StepOutcome {
  if (result === CANCELLED || run.isCancelled) return CANCELLED_OUTCOME;
  if (result === PAUSED) return PAUSED_OUTCOME;
  return { kind: 'ok', result, opened: attempt.opened, usage: attempt.usage() };
}

/**
 * Begins attempt `attempt` at the execution's current step with a fresh context:
 * `stepRun` is the step runs committed so far and `event` the event that ended the
 * wait before it (the same for every attempt).
 */
function beginAttempt(run: ExecutionRun, fn: StepFunc, deps: RunLoopDeps, attempt: number): StepAttempt {
  const { exec } = run;
  const loop = loopParts(run, deps);
  const timers = startStepTimers(run, loop.timerJobs, deps);
  let made: ReturnType<typeof makeStepContext>;
  try {
    made = makeStepContext({
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
      ...(exec.usage === undefined ? {} : { usageSoFar: exec.usage }),
    });
  } catch (thrown) {
    return { result: Promise.reject(toError(thrown)), opened: [], usage: NO_USAGE, timers, attempt };
  }
  const limits = deps.limitsOf(exec.stepNames?.[exec.currentStep]);
  const result = limits
    ? callLimited(run, fn, made.ctx, limits, deps, CANCELLED)
    : run.abortRelay.call(fn, run.data, made.ctx, CANCELLED);
  return { result, opened: made.opened, usage: made.usage, timers, attempt };
}

/**
 * After attempt `failed` threw `thrown`: logs it, emits `stepFailed`, and (up to
 * maxRetries) waits the backoff and tries again. The failed attempt's timers run on
 * through its backoff, and end before the next attempt begins.
 */
async function retryStep(
  run: ExecutionRun,
  fn: StepFunc,
  deps: RunLoopDeps,
  failed: StepAttempt,
  thrown: unknown,
): Promise<StepOutcome> {
  const { exec } = run;
  const { maxRetries, retryBaseDelayMs, retryMaxDelayMs } = deps.config;
  let attempt = failed;
  for (;;) {
    let lastError: Error;
    try {
      if (run.isCancelled) return CANCELLED_OUTCOME;
      lastError = toError(thrown);
      deps.logger.warn('step failed', {
        executionId: exec.id,
        step: exec.currentStep,
        attempt: attempt.attempt,
        error: lastError.message,
      });
      deps.emit(EventType.StepFailed, { error: lastError, state: run.data });
      if (attempt.attempt < maxRetries) {
        const delay = backoffDelayMs(attempt.attempt, { baseDelayMs: retryBaseDelayMs, maxDelayMs: retryMaxDelayMs });
        await sleepUnless(deps.clock, delay, run.cancelled.promise);
      }
    } finally {
      attempt.timers.end();
    }
    if (attempt.attempt >= maxRetries) return { kind: 'failed', error: lastError };
    if (run.isCancelled) return CANCELLED_OUTCOME;
    attempt = beginAttempt(run, fn, deps, attempt.attempt + 1);
    try {
      const result = await attempt.result;
      attempt.timers.end();
      return settled(run, attempt, result);
    } catch (error) {
      thrown = error;
    }
  }
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
