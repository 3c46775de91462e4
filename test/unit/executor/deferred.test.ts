import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AbortRelay, deferred } from '../../../lib/executor/deferred.js';

const ABORTED = Symbol('aborted');

/** A step that throws a value that is not an Error, as user code may. */
async function stepThatThrows(value: unknown): Promise<never> {
  await Promise.resolve();
  throw value;
}

describe('AbortRelay', () => {
  it('settles with the work when the signal does not abort', async () => {
    const abort = new AbortController();
    await expect(new AbortRelay(abort.signal).settle(Promise.resolve(7), ABORTED)).resolves.toBe(7);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(1);
  });

  it('settles with the abort value as soon as the signal aborts, before the work ends', async () => {
    const abort = new AbortController();
    const work = deferred<number>();
    const settled = new AbortRelay(abort.signal).settle(work.promise, ABORTED);
    abort.abort();
    await expect(settled).resolves.toBe(ABORTED);
    work.resolve(1);
  });

  it('settles with the abort value at once when the signal has already aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(new AbortRelay(abort.signal).settle(new Promise<number>(() => undefined), ABORTED)).resolves.toBe(
      ABORTED,
    );
  });

  it('rejects as the work does, with an Error', async () => {
    const abort = new AbortController();
    await expect(new AbortRelay(abort.signal).settle(stepThatThrows('plain text'), ABORTED)).rejects.toThrow(
      'plain text',
    );
  });

  it('calls a function later, not at the call, and settles as its plain or promised result does', async () => {
    const abort = new AbortController();
    const relay = new AbortRelay(abort.signal);
    const calls: number[] = [];
    const plain = relay.call((n: number) => (calls.push(n), n * 2), 3, undefined, ABORTED);
    expect(calls).toEqual([]);
    await expect(plain).resolves.toBe(6);
    await expect(relay.call((n: number) => Promise.resolve(n + 1), 3, undefined, ABORTED)).resolves.toBe(4);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(1);
  });

  it('rejects with an Error when the called function throws or its promise rejects', async () => {
    const relay = new AbortRelay(new AbortController().signal);
    const throwing = (): unknown => JSON.parse('{');
    await expect(relay.call(throwing, undefined, undefined, ABORTED)).rejects.toThrow(SyntaxError);
    await expect(relay.call(stepThatThrows, 'async text', undefined, ABORTED)).rejects.toThrow('async text');
  });

  it('settles a call with the abort value when the signal aborts while it runs', async () => {
    const abort = new AbortController();
    const work = deferred<number>();
    const settled = new AbortRelay(abort.signal).call(() => work.promise, undefined, undefined, ABORTED);
    await Promise.resolve();
    abort.abort();
    await expect(settled).resolves.toBe(ABORTED);
    work.resolve(1);
  });

  it('keeps one abort listener however many works it settles, and aborts only the one under way', async () => {
    const abort = new AbortController();
    const relay = new AbortRelay(abort.signal);
    for (let i = 0; i < 100; i++) await relay.settle(Promise.resolve(i), ABORTED);
    await expect(relay.settle(stepThatThrows('bad'), ABORTED)).rejects.toThrow('bad');
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(1);
    const work = deferred<number>();
    const settled = relay.settle(work.promise, ABORTED);
    abort.abort();
    await expect(settled).resolves.toBe(ABORTED);
    await expect(relay.settle(Promise.resolve(1), ABORTED)).resolves.toBe(ABORTED);
  });
});
