import { type Deferred, deferred } from './deferred.js';
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
  /** True while a run loop is driving this execution. */
  active = false;
  /** Aborts the running step (cancel or start signal). */
  readonly abort = new AbortController();
  /** Settles when cancel() is called; every wait in the loop races it. */
  readonly cancelled: Deferred<void> = deferred();
  /** Settles when resume() is called while paused. */
  resumed: Deferred<void> = deferred();
  /** Settles once the execution is terminal. */
  readonly finished: Deferred<void> = deferred();
  /** Saves are chained so that a slow save never overwrites a newer one. */
  saveChain: Promise<void> = Promise.resolve();

  constructor(
    readonly exec: Execution,
    public steps: StepFunc[] | undefined,
  ) {}

  get isCancelled(): boolean {
    return this.abort.signal.aborted;
  }
}
