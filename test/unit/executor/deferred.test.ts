import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { deferred, settleUnlessAborted } from '../../../lib/executor/deferred.js';

const ABORTED = Symbol('aborted');

/** A step that throws a value that is not an Error, as user code may. */
async function stepThatThrows(value: unknown): Promise<never> {
  await Promise.resolve();
  throw value;
}

describe('settleUnlessAborted', () => {
  it('settles with the work when the signal does not abort, and leaves no listener behind', async () => {
    const abort = new AbortController();
    await expect(settleUnlessAborted(abort.signal, Promise.resolve(7), ABORTED)).resolves.toBe(7);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });

  it('settles with the abort value as soon as the signal aborts, before the work ends', async () => {
    const abort = new AbortController();
    const work = deferred<number>();
    const settled = settleUnlessAborted(abort.signal, work.promise, ABORTED);
    abort.abort();
    await expect(settled).resolves.toBe(ABORTED);
    work.resolve(1);
  });

  it('settles with the abort value at once when the signal has already aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(settleUnlessAborted(abort.signal, new Promise<number>(() => undefined), ABORTED)).resolves.toBe(
      ABORTED,
    );
  });

  it('rejects as the work does, with an Error, and removes its listener', async () => {
    const abort = new AbortController();
    await expect(settleUnlessAborted(abort.signal, stepThatThrows('plain text'), ABORTED)).rejects.toThrow(
      'plain text',
    );
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });
});
