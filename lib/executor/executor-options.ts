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
