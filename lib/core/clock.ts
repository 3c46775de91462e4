/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Cancels a timer set with {@link Clock.setTimer}; calling it again, or after the timer fired, does nothing. */
export type CancelTimer = () => void;

/** How a timer set with {@link Clock.setTimer} behaves besides its delay. */
export interface TimerOptions {
  /**
   * Whether this timer alone keeps the process running; true by default. Background
   * timers (the Executor's heartbeats and periodic checkpoints) set it to false, like
   * Node's `timer.unref()`, so that they never hold a finished program open.
   */
  keepAlive?: boolean;
}

/**
 * Time and timers, injected wherever the engine reads the time or waits (the
 * Executor's backoff, heartbeats and checkpoints; the runtime's step deadline and
 * lease heartbeats), so that tests drive time with a manual clock instead of
 * sleeping, and pass however fast or slow the machine is.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once, `ms` milliseconds from now (0 to {@link MAX_TIMER_MS}); returns its cancel function. */
  setTimer(ms: number, callback: () => void, options?: TimerOptions): CancelTimer;
}

/** The real clock: `Date.now` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, callback, options) => {
    const timer = setTimeout(callback, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    if (options?.keepAlive === false) timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * Calls `callback` every `ms` milliseconds on `clock` until the returned function is
 * called. Each next call is set when the previous one has run, so calls never pile up.
 */
export function setRepeatingTimer(clock: Clock, ms: number, callback: () => void, options?: TimerOptions): CancelTimer {
  return setRepeatingTimers(clock, [{ ms, callback }], options);
}

/** One job of {@link setRepeatingTimers}: `callback`, every `ms` milliseconds. */
export interface RepeatingJob {
  ms: number;
  callback: () => void;
}

/**
 * Calls each job's callback every `ms` milliseconds on `clock`, as
 * {@link setRepeatingTimer} would for each, but with one timer at a time (set for
 * the job due first) rather than one per job. Jobs due at the same moment run in
 * the order given. The returned function stops them all.
 */
export function setRepeatingTimers(clock: Clock, jobs: readonly RepeatingJob[], options?: TimerOptions): CancelTimer {
  const start = clock.now();
  const due = jobs.map((job) => start + job.ms);
  let cancel: CancelTimer = () => undefined;
  let stopped = false;
  const schedule = (now: number): void => {
    cancel = clock.setTimer(Math.min(...due) - now, fire, options);
  };
  const fire = (): void => {
    const now = clock.now();
    for (const [i, job] of jobs.entries()) {
      if (stopped) return;
      if ((due[i] ?? Infinity) > now) continue;
      job.callback();
      due[i] = now + job.ms;
    }
    if (!stopped) schedule(now);
  };
  schedule(start);
  return () => {
    stopped = true;
    cancel();
  };
}
