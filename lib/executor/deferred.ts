import type { CancelTimer, Clock } from '../core/clock.js';
import { toError } from '../core/errors.js';

/** A promise with its resolve function exposed: used to wake a waiting run loop. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

/** Creates a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
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
 * Settles as `work` does (a rejection as an Error, through `toError`), or with `onAbort` as soon as `signal` aborts, whichever
 * comes first. Unlike `Promise.race` against a promise that lives as long as the
 * execution, it leaves nothing behind once `work` settles: its abort listener is
 * removed, so a run of many steps does not pile up reactions.
 */
export function settleUnlessAborted<T, A>(signal: AbortSignal, work: Promise<T>, onAbort: A): Promise<T | A> {
  if (signal.aborted) return Promise.resolve(onAbort);
  return new Promise<T | A>((resolve, reject) => {
    const abort = (): void => resolve(onAbort);
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(toError(error));
      },
    );
  });
}
