import type { CancelTimer, Clock } from '../core/clock.js';
import { toError } from '../core/errors.js';

/** A promise with its resolve function exposed: used to wake a waiting run loop. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  /** True once `resolve` was called. */
  readonly settled: boolean;
}

/** Creates a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let settle!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    settle = r;
  });
  const d = {
    promise,
    settled: false,
    resolve: (value: T) => {
      d.settled = true;
      settle(value);
    },
  };
  return d;
}

/** Resolves after `ms` on `clock`, or as soon as `wake` settles; cancels its timer either way. */
export async function sleepUnless(clock: Clock, ms: number, wake: Promise<unknown>): Promise<void> {
  let cancel: CancelTimer | undefined;
  try {
    await Promise.race([new Promise<void>((r) => (cancel = clock.setTimer(ms, r))), wake]);
  } finally {
    cancel?.();
  }
}

/**
 * Settles works one after another as each does (a rejection as an Error, through
 * `toError`), or with the abort value as soon as `signal` aborts, whichever comes
 * first. Unlike `Promise.race` against a promise that lives as long as the
 * execution, it leaves nothing behind once a work settles; and unlike a listener
 * per work, it adds one abort listener for all of them (on first use), so a run of
 * many steps neither piles up reactions nor pays for a listener each step.
 */
export class AbortRelay {
  readonly #signal: AbortSignal;
  #listening = false;
  /** Settles the work under way with the abort value; undefined when none is. */
  #onAbort: (() => void) | undefined;
  /** Numbers the works, so that a settled one clears `#onAbort` only while it is still its own. */
  #works = 0;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  /** Settles as `work` does, or with `onAbort` once the signal aborts. */
  settle<T, A>(work: Promise<T>, onAbort: A): Promise<T | A> {
    if (this.#signal.aborted) return Promise.resolve(onAbort);
    const n = this.#begin();
    return new Promise<T | A>((resolve, reject) => {
      this.#onAbort = () => resolve(onAbort);
      work.then(
        (value) => (this.#done(n), resolve(value)),
        (error: unknown) => (this.#done(n), reject(toError(error))),
      );
    });
  }

  /**
   * Calls `fn(input, ctx)` in a microtask and settles as its result does (at once
   * when it returns a plain value), or with `onAbort` once the signal aborts: what
   * {@link settle} does for `Promise.resolve().then(() => fn(input, ctx))`, with no
   * promise in between for a step that returns its result directly.
   */
  call<I, C, T, A>(fn: (input: I, ctx: C) => T | PromiseLike<T>, input: I, ctx: C, onAbort: A): Promise<T | A> {
    if (this.#signal.aborted) return Promise.resolve(onAbort);
    const n = this.#begin();
    return new Promise<T | A>((resolve, reject) => {
      this.#onAbort = () => resolve(onAbort);
      // A turn later through a settled promise: queueMicrotask would wrap each call for async hooks.
      void RESOLVED.then(() => {
        let result: T | PromiseLike<T>;
        try {
          result = fn(input, ctx);
        } catch (error) {
          this.#done(n);
          return reject(toError(error));
        }
        if (!isThenable(result)) {
          this.#done(n);
          return resolve(result);
        }
        Promise.resolve(result).then(
          (value) => (this.#done(n), resolve(value)),
          (error: unknown) => (this.#done(n), reject(toError(error))),
        );
      });
    });
  }

  /** Listens for the abort (once), and numbers a new work. */
  #begin(): number {
    if (!this.#listening) {
      this.#listening = true;
      this.#signal.addEventListener('abort', () => this.#onAbort?.(), { once: true });
    }
    return ++this.#works;
  }

  /** Work `n` settled: an abort no longer settles it (unless a later work took its place). */
  #done(n: number): void {
    if (this.#works === n) this.#onAbort = undefined;
  }
}

const RESOLVED = Promise.resolve();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
