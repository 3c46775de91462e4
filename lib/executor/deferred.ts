import type { CancelTimer, Clock } from '../core/clock.js';

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
