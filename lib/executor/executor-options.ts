import { ValidationError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import type { Clock } from '../core/clock.js';
import type { ExecutionEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Budget } from '../core/usage.js';
import type { CheckpointStore } from '../stores/checkpoint-store.js';

/** Collaborators of an {@link Executor}; all optional. */
export interface ExecutorOptions {
  /** Where executions are saved. Default: `new FileCheckpointStore(config.checkpointDir)`. */
  checkpointStore?: CheckpointStore;
  /** Receives operational log lines (never execution data). Default: silent. */
  logger?: Logger;
  /** Receives lifecycle events in order. A throwing handler is logged and ignored. */
  onEvent?: (event: ExecutionEvent) => void;
  /**
   * Where the Executor reads the time (timestamps) and sets its timers (retry
   * backoff, heartbeats, periodic checkpoints, sleeps and wait timeouts). Default:
   * `systemClock`; tests pass a `ManualClock` from longrunning/testing and advance it by hand.
   */
  clock?: Clock;
}

/** Options of {@link Executor.start}. */
export interface StartOptions {
  /** Aborting this signal cancels the execution. */
  signal?: AbortSignal;
  /** The most step runs this execution may commit (default: the config's `maxStepRuns`; `Infinity` for none). */
  maxStepRuns?: number;
  /**
   * Upper bounds on what its steps report using (`ctx.reportUsage`), by unit, such as
   * `{ costUsd: 2, tokens: 100_000 }`. Once a committed step takes the usage past one,
   * the execution pauses with `BUDGET_EXCEEDED` before its next step. Default: the
   * config's `budget` (this one wins); none: not limited.
   */
  budget?: Budget;
}

const EXECUTOR_OPTIONS: ReadonlySet<string> = new Set(['checkpointStore', 'logger', 'onEvent', 'clock']);
const START_OPTIONS: ReadonlySet<string> = new Set(['signal', 'maxStepRuns', 'budget']);

/** Throws VALIDATION_ERROR unless `value` has each of `methods` as a function. */
function assertMethods(value: unknown, what: string, methods: readonly string[]): void {
  const missing = methods.filter(
    (m) => value === null || typeof value !== 'object' || typeof (value as Record<string, unknown>)[m] !== 'function',
  );
  if (missing.length > 0)
    throw new ValidationError(`${what} must have the methods ${methods.join(', ')}; missing: ${missing.join(', ')}`, {
      field: what,
    });
}

/**
 * Checks the Executor's options (the constructor's second argument): an object of
 * the known keys, each of its kind. A typo or a wrong value is VALIDATION_ERROR at
 * construction, not a TypeError at the first start.
 */
export function checkExecutorOptions(options: unknown): ExecutorOptions {
  const o = checkOptions(options, 'Executor', EXECUTOR_OPTIONS);
  if (o['checkpointStore'] !== undefined)
    assertMethods(o['checkpointStore'], 'checkpointStore', [
      'saveCheckpoint',
      'loadCheckpoint',
      'listCheckpoints',
      'deleteCheckpoint',
    ]);
  if (o['logger'] !== undefined) assertMethods(o['logger'], 'logger', ['debug', 'info', 'warn', 'error']);
  if (o['clock'] !== undefined) assertMethods(o['clock'], 'clock', ['now', 'setTimer']);
  if (o['onEvent'] !== undefined && typeof o['onEvent'] !== 'function')
    throw new ValidationError(`onEvent must be a function, got ${typeof o['onEvent']}`, { field: 'onEvent' });
  return o;
}

/** Checks {@link Executor.start}'s options: the known keys, and `signal` an AbortSignal. */
export function checkStartOptions(options: unknown): StartOptions {
  const o = checkOptions(options, 'start', START_OPTIONS);
  if (o['signal'] !== undefined && !(o['signal'] instanceof AbortSignal))
    throw new ValidationError('start options.signal must be an AbortSignal', { field: 'signal' });
  return o;
}
