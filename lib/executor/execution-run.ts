import type { CancelTimer } from '../core/clock.js';
import type { DirectiveHelpers } from '../core/directives.js';
import { AbortRelay, type Deferred, deferred } from './deferred.js';
import type { StepTimers } from './step-timers.js';
import type { Execution, StepFunc } from '../core/types.js';

/**
 * The live, in-memory side of one execution inside an Executor: its step
 * functions, its current data, and the signals its run loop waits on.
 */
export class ExecutionRun {
  /** The data passed to the next step. */
  data: unknown;
  /** Set by pause(); honoured at the next step boundary. */
  pauseRequested = false;
  /** True from the moment start or resume claims this execution until its run loop ends. */
  active = false;
  /** Settles once a pause has been saved and announced; resume waits for it. */
  parked: Promise<void> = Promise.resolve();
  /** Aborts the running step (cancel or start signal). */
  readonly abort = new AbortController();
  /** Settles a running step early when `abort` aborts. */
  readonly abortRelay = new AbortRelay(this.abort.signal);
  /** Settles when cancel() is called; every wait in the loop races it. */
  readonly cancelled: Deferred<void> = deferred();
  /** Settles when resume() is called while paused. */
  resumed: Deferred<void> = deferred();
  /**
   * Settles once the execution is terminal. A rewind of an unfinished execution hands
   * it to the run that replaces this one, so that callers of `wait` see the new end.
   */
  finished: Deferred<void> = deferred();
  /** Settles when the run loop launched for this run has ended (at once when none was). */
  loopDone: Promise<void> = Promise.resolve();
  /** Set by a rewind that replaces this run: a loop parked in a pause returns without saving anything. */
  retired = false;
  /** True while a rewind stops this run and replaces it: other control calls are refused (CONFLICT). */
  rewinding = false;
  /** Saves are chained so that a slow save never overwrites a newer one. */
  saveChain: Promise<void> = Promise.resolve();
  /** Saves handed to the store that have not settled yet. */
  savesUnderWay = 0;
  /** Counts a save settled (either way); made once, since every save calls it. */
  readonly saveSettled = (): void => void this.savesUnderWay--;
  /** Cancels the timer of the execution's wait, while one is armed. */
  cancelWaitTimer: CancelTimer | undefined;
  /** The heartbeat and periodic-checkpoint timer of its steps, once a step has run. */
  stepTimers: StepTimers | undefined;
  /** The steps' directive helpers, kept for the step names they were made for. */
  helpers: { stepNames: readonly string[]; helpers: DirectiveHelpers } | undefined;

  /** The key this run's step waits for, and since when (see `Limiter`); undefined when it waits for none. */
  throttled: { key: string; since: number } | undefined;
  /** Ends the step's wait for a limit (a pause), while it waits. */
  stopLimitWait: (() => void) | undefined;

  constructor(
    public exec: Execution,
    public steps: StepFunc[] | undefined,
  ) {}

  get isCancelled(): boolean {
    return this.abort.signal.aborted;
  }
}
