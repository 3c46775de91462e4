import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../../lib/stores/keyed-queue.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('KeyedQueue', () => {
  it('runs operations on one key one at a time, in call order', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const op = (name: string, ticks: number) => async () => {
      log.push(`start ${name}`);
      for (let i = 0; i < ticks; i++) await tick();
      log.push(`end ${name}`);
    };
    await Promise.all([queue.run('k', op('a', 3)), queue.run('k', op('b', 0)), queue.run('k', op('c', 1))]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs operations on different keys concurrently', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    let release: () => void = () => undefined;
    const blocked = queue.run('a', () => new Promise<void>((resolve) => (release = resolve)));
    const other = queue.run('b', () => {
      log.push('b ran');
      return Promise.resolve();
    });
    await tick();
    expect(log).toEqual(['b ran']);
    release();
    await Promise.all([blocked, other]);
  });

  it('runs the next operation after one fails, and reports each result to its caller', async () => {
    const queue = new KeyedQueue();
    const failing = queue.run('k', () => Promise.reject(new Error('boom')));
    const next = queue.run('k', () => Promise.resolve(7));
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe(7);
  });

  it('forgets a key once its operations have settled', async () => {
    const queue = new KeyedQueue();
    await queue.run('k', () => Promise.resolve());
    await tick();
    expect(queue.size).toBe(0);
  });
});
