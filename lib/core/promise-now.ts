import { toError } from './errors.js';

/**
 * Runs `fn` synchronously and returns its result, or what it threw, as a promise.
 * In-memory adapters use it so that their work (a snapshot, a check) happens at the
 * call, yet no method throws synchronously.
 */
export function promiseNow<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (thrown) {
    return Promise.reject(toError(thrown));
  }
}
