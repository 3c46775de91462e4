import { type CancelTimer, type Clock, MAX_TIMER_MS } from '../core/clock.js';

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Timers one `advance` may fire before it gives up: a timer that re-arms itself with 0 ms would never end. */
const MAX_TIMERS_PER_ADVANCE = 100_000;

/**
 * One turn of the event loop: every promise callback already pending runs, and so
 * does every callback those schedule in turn (the microtask queue drains before an
 * immediate fires). No real time is waited for, and no I/O is awaited.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A {@link Clock} that only moves when a test moves it, so that tests of timeouts,
 * backoff and heartbeats assert exact times and pass however loaded the machine is.
 *
 * `advance(ms)` fires the timers that come due in time order (timers due at the same
 * time in the order they were set), with `now()` at each timer's due time, and lets
 * pending promise callbacks run before each next timer. So code that awaits after a
 * timer, and sets its next timer from there (a retry loop: fail, sleep the backoff,
 * retry), is driven through every round by one `advance`.
 *
 * @example
 * const clock = new ManualClock(Date.UTC(2025, 0, 1));
 * const executor = new Executor({ retryBaseDelayMs: 1_000 }, { checkpointStore, clock });
 * await executor.start(exec.id, input);
 * await clock.advance(999); // the first retry has not run yet
 * await clock.advance(1); // now it has
 * const done = await clock.runUntilSettled(executor.wait(exec.id)); // fires timers until it finishes
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, PendingTimer>();
  #advancing = false;

  /** Starts the clock at `start` (epoch milliseconds; 0 by default). */
  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`ManualClock start must be a finite number, got ${start}`);
    this.#now = start;
  }

  /** The clock's time, in epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  /**
   * Sets a timer due `ms` from now (clamped to 0 to `MAX_TIMER_MS`, like the system
   * clock); it fires during a later `advance`, never synchronously. Timer options
   * (`keepAlive`) make no difference here: a manual timer never holds a process open.
   */
  setTimer(ms: number, callback: () => void): CancelTimer {
    const delay = Number.isNaN(ms) ? 0 : Math.min(Math.max(0, ms), MAX_TIMER_MS);
    const seq = this.#seq++;
    this.#timers.set(seq, { at: this.#now + delay, seq, callback });
    return () => {
      this.#timers.delete(seq);
    };
  }

  /** How many timers are set and have neither fired nor been cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** When the earliest pending timer is due, or undefined when none is pending. */
  get nextTimerAt(): number | undefined {
    return this.#earliest()?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer due by then in time order and
   * letting pending promise callbacks run before each next timer and at the end.
   * `advance(0)` only lets pending callbacks run and fires the timers due now. A
   * callback that throws rejects the advance, with time at that timer.
   */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance takes a finite number of milliseconds >= 0, got ${ms}`);
    }
    await this.#advanceTo(this.#now + ms);
  }

  /**
   * Moves time to the earliest pending timer and fires it (and any other timer due
   * at that time), then lets pending callbacks run. Resolves false, without moving
   * time, when no timer is pending.
   */
  async runNext(): Promise<boolean> {
    await this.advance(0);
    const next = this.#earliest();
    if (!next) return false;
    await this.#advanceTo(next.at);
    return true;
  }

  /**
   * Fires timers one due time after another until `promise` settles, and returns
   * (or throws) what it settles with. Throws instead of hanging when the promise is
   * still pending and no timer is set (it waits on something other than this clock),
   * or after `maxTimers` due times (a step that heartbeats forever, say).
   */
  async runUntilSettled<T>(promise: PromiseLike<T>, maxTimers = 10_000): Promise<T> {
    const result: { settled?: { ok: true; value: T } | { ok: false; error: unknown } } = {};
    Promise.resolve(promise).then(
      (value) => (result.settled = { ok: true, value }),
      (error: unknown) => (result.settled = { ok: false, error }),
    );
    for (let rounds = 0; ; rounds++) {
      await this.advance(0);
      const settled = result.settled;
      if (settled?.ok) return settled.value;
      if (settled) throw settled.error;
      if (this.#timers.size === 0) {
        throw new Error(
          'runUntilSettled: the promise is pending and no timer is set, so advancing time cannot settle it',
        );
      }
      if (rounds >= maxTimers) {
        throw new Error(`runUntilSettled: the promise is still pending after ${maxTimers} timers`);
      }
      await this.runNext();
    }
  }

  async #advanceTo(target: number): Promise<void> {
    if (this.#advancing) throw new Error('ManualClock is already advancing: await the running advance first');
    this.#advancing = true;
    try {
      await nextTurn();
      for (let fired = 0; ; fired++) {
        const next = this.#earliest();
        if (!next || next.at > target) break;
        if (fired >= MAX_TIMERS_PER_ADVANCE) {
          throw new Error(`ManualClock fired ${fired} timers in one advance: does a timer re-arm itself with 0 ms?`);
        }
        this.#timers.delete(next.seq);
        this.#now = next.at;
        next.callback();
        await nextTurn();
      }
      this.#now = target;
    } finally {
      this.#advancing = false;
    }
  }

  #earliest(): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (!earliest || timer.at < earliest.at || (timer.at === earliest.at && timer.seq < earliest.seq)) {
        earliest = timer;
      }
    }
    return earliest;
  }
}
