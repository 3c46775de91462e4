import type { CancelTimer, Clock } from '../core/clock.js';
import type { KeyBounds, KeyClaim } from '../core/limits.js';

/** What `executor.limits()` says of one key. */
export interface LimitInfo extends KeyBounds {
  key: string;
  /** Attempts holding the key now. */
  inUse: number;
  /** Attempts waiting for it, in arrival order. */
  waiting: number;
}

/** Why an execution's step has not begun: the key it waits for, since when. */
export interface ThrottledInfo {
  key: string;
  /** Attempts holding the key at the moment of the snapshot. */
  inUse: number;
  /** The key's `concurrency`, or undefined when only a rate bounds it. */
  limit: number | undefined;
  /** When this wait for the key began. */
  since: Date;
}

/** Where a waiting attempt is shown while it waits (its execution's run). */
export interface WaitMark {
  throttled: { key: string; since: number } | undefined;
}

/** Taken keys of one attempt; `release` gives them back (once). */
export interface Lease {
  release(): void;
}

interface Waiter {
  grant: () => void;
}

/** The live side of one key: slots in use, the FIFO of waiters, when each rate lets the next start. */
class KeyState {
  constructor(readonly key: string) {}
  bounds: KeyBounds = {};
  inUse = 0;
  readonly queue: Waiter[] = [];
  /** Per rate bound: the earliest time of the next start (one start every 1/rate, no bursts). */
  nextStart = { perSecond: 0, perMinute: 0 };
  cancelTimer: CancelTimer | undefined;
}

const RATE_WINDOWS = [
  ['perSecond', 1_000],
  ['perMinute', 60_000],
] as const;

/** How many keys are kept before idle ones are forgotten on the next new key. */
const PRUNE_AT = 1_000;

const NO_LEASE: Lease = Object.freeze({ release: () => undefined });

/**
 * The flow control of one Executor: per key, a count of attempts holding it
 * (`concurrency`), the earliest time each rate bound lets the next attempt start
 * (starts spaced evenly, 1/rate apart), and a first-in first-out queue of the
 * attempts waiting, so that old waiters are served before new ones. Time and
 * timers come from the Executor's clock. Nothing is shared with other Executors.
 */
export class Limiter {
  readonly #clock: Clock;
  readonly #keys = new Map<string, KeyState>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Takes every claim in the order given (sorted by key: see {@link claimsOf}),
   * waiting in each key's queue. Resolves with the lease, or with undefined once
   * `signal` aborts, after giving back what it took.
   */
  async acquire(claims: readonly KeyClaim[], signal: AbortSignal, mark: WaitMark): Promise<Lease | undefined> {
    const taken: KeyState[] = [];
    const giveBack = (): void => {
      for (const state of taken.splice(0)) this.#release(state);
    };
    for (const claim of claims) {
      if (signal.aborted) return void giveBack();
      const state = this.#state(claim);
      if (!(await this.#take(state, claim.key, signal, mark))) return void giveBack();
      taken.push(state);
    }
    if (taken.length === 0) return NO_LEASE;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        giveBack();
      },
    };
  }

  /** Every key known, with its bounds, attempts in use and waiting. */
  limits(): LimitInfo[] {
    this.#prune();
    return [...this.#keys].map(([key, s]) => ({ key, ...s.bounds, inUse: s.inUse, waiting: s.queue.length }));
  }

  /** What `mark` waits for, as shown on its execution (undefined when it waits for nothing). */
  throttledView(mark: WaitMark): ThrottledInfo | undefined {
    if (!mark.throttled) return undefined;
    const { key, since } = mark.throttled;
    const state = this.#keys.get(key);
    return { key, inUse: state?.inUse ?? 0, limit: state?.bounds.concurrency, since: new Date(since) };
  }

  #state(claim: KeyClaim): KeyState {
    let state = this.#keys.get(claim.key);
    if (!state) {
      // Keys made of state (one per tenant) come and go: forget idle ones now and then.
      if (this.#keys.size >= PRUNE_AT) this.#prune();
      this.#keys.set(claim.key, (state = new KeyState(claim.key)));
    }
    // Steps that share a key should declare the same bounds: the latest declaration wins
    // (and a raised bound lets waiters in at once).
    const bounds = boundsOf(claim);
    if (!sameBounds(bounds, state.bounds)) {
      state.bounds = bounds;
      this.#pump(state);
    }
    return state;
  }

  /** Joins the key's queue; true once granted, false when `signal` aborted first. */
  #take(state: KeyState, key: string, signal: AbortSignal, mark: WaitMark): Promise<boolean> {
    if (state.queue.length === 0 && this.#grantable(state, this.#clock.now())) {
      this.#grant(state, this.#clock.now());
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => {
        const at = state.queue.indexOf(waiter);
        if (at >= 0) state.queue.splice(at, 1);
        mark.throttled = undefined;
        resolve(false);
        // The head left: the next may be grantable now.
        this.#pump(state);
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          mark.throttled = undefined;
          resolve(true);
        },
      };
      mark.throttled = { key, since: this.#clock.now() };
      state.queue.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pump(state);
    });
  }

  #grantable(state: KeyState, now: number): boolean {
    const { concurrency } = state.bounds;
    if (concurrency !== undefined && state.inUse >= concurrency) return false;
    return this.#rateReadyAt(state) <= now;
  }

  /** The earliest time every rate bound of the key lets a start. */
  #rateReadyAt(state: KeyState): number {
    let at = 0;
    for (const [name] of RATE_WINDOWS) if (state.bounds[name] !== undefined) at = Math.max(at, state.nextStart[name]);
    return at;
  }

  #grant(state: KeyState, now: number): void {
    state.inUse++;
    for (const [name, windowMs] of RATE_WINDOWS) {
      const rate = state.bounds[name];
      if (rate !== undefined) state.nextStart[name] = Math.max(now, state.nextStart[name]) + windowMs / rate;
    }
  }

  /** Grants waiters in arrival order while the key allows; sets a timer when a rate holds the head back. */
  #pump(state: KeyState): void {
    const now = this.#clock.now();
    while (state.queue.length > 0) {
      if (!this.#grantable(state, now)) {
        const { concurrency } = state.bounds;
        const full = concurrency !== undefined && state.inUse >= concurrency;
        // Full: a release pumps again. Held back by a rate: wake when it allows.
        if (!full && !state.cancelTimer) {
          state.cancelTimer = this.#clock.setTimer(this.#rateReadyAt(state) - now, () => {
            state.cancelTimer = undefined;
            this.#pump(state);
          });
        }
        return;
      }
      this.#grant(state, now);
      state.queue.shift()!.grant();
    }
  }

  #release(state: KeyState): void {
    state.inUse--;
    this.#pump(state);
    if (this.#idle(state, this.#clock.now()) && this.#keys.get(state.key) === state) this.#keys.delete(state.key);
  }

  /** True when nobody holds or waits for the key and its rates allow a start now: it can be forgotten. */
  #idle(state: KeyState, now: number): boolean {
    return state.inUse === 0 && state.queue.length === 0 && this.#rateReadyAt(state) <= now;
  }

  /** Forgets keys nobody holds or waits for and whose rates allow a start now. */
  #prune(): void {
    const now = this.#clock.now();
    for (const [key, state] of this.#keys) if (this.#idle(state, now)) this.#keys.delete(key);
  }
}

function sameBounds(a: KeyBounds, b: KeyBounds): boolean {
  return a.concurrency === b.concurrency && a.perSecond === b.perSecond && a.perMinute === b.perMinute;
}

function boundsOf(claim: KeyClaim): KeyBounds {
  const bounds: KeyBounds = {};
  if (claim.concurrency !== undefined) bounds.concurrency = claim.concurrency;
  if (claim.perSecond !== undefined) bounds.perSecond = claim.perSecond;
  if (claim.perMinute !== undefined) bounds.perMinute = claim.perMinute;
  return bounds;
}
