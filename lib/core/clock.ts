/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Cancels a timer set with {@link Clock.setTimer}; calling it again, or after the timer fired, does nothing. */
export type CancelTimer = () => void;

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
  setTimer(ms: number, callback: () => void): CancelTimer;
}

/** The real clock: `Date.now` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, callback) => {
    const timer = setTimeout(callback, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    return () => clearTimeout(timer);
  },
};

/**
 * Calls `callback` every `ms` milliseconds on `clock` until the returned function is
 * called. Each next call is set when the previous one has run, so calls never pile up.
 */
export function setRepeatingTimer(clock: Clock, ms: number, callback: () => void): CancelTimer {
  let cancel: CancelTimer = () => undefined;
  let stopped = false;
  const schedule = (): void => {
    cancel = clock.setTimer(ms, () => {
      if (stopped) return;
      callback();
      if (!stopped) schedule();
    });
  };
  schedule();
  return () => {
    stopped = true;
    cancel();
  };
}
