import { describe, expect, it } from 'vitest';
import { headToItem, itemToHead } from '../../../lib/aws/execution-store/items.js';
import { createdHead } from '../../../lib/runtime/head-changes.js';
import { SAMPLE_NEW_EXECUTION } from './mock-items.js';

const base = createdHead(SAMPLE_NEW_EXECUTION);

describe('the head item codec of usage and budget', () => {
  it('leaves both out of a head without them (no bytes for executions that report nothing)', () => {
    const item = headToItem(base);
    expect('usage' in item).toBe(false);
    expect('budget' in item).toBe(false);
    expect(itemToHead(item).usage).toBeUndefined();
  });

  it('round-trips usage and budget as maps of numbers', () => {
    const head = { ...base, usage: { tokens: 1200, costUsd: 0.25 }, budget: { costUsd: 5 } };
    const back = itemToHead(headToItem(head));
    expect(back.usage).toEqual({ tokens: 1200, costUsd: 0.25 });
    expect(back.budget).toEqual({ costUsd: 5 });
  });

  it('refuses a usage amount that is not a number, naming the field', () => {
    const item = { ...headToItem(base), usage: { tokens: 'many' } };
    expect(() => itemToHead(item)).toThrow(/usage\.tokens/);
  });
});
