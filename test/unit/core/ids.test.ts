import { describe, expect, it } from 'vitest';
import { isSafeId, newId, newSequentialId } from '../../../lib/core/ids.js';

const SHAPE = /^cp_[0-9a-f]{32}$/;

describe('newSequentialId', () => {
  it('makes ids of the same shape as newId, each a safe id', () => {
    const ids = [newSequentialId('cp'), newId('cp')];
    for (const id of ids) {
      expect(id).toMatch(SHAPE);
      expect(isSafeId(id)).toBe(true);
    }
  });

  it('never repeats an id across many calls', () => {
    const ids = Array.from({ length: 50_000 }, () => newSequentialId('cp'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(SHAPE);
  });

  it('keeps one random prefix per process and counts up after it', () => {
    const [a, b] = [newSequentialId('cp'), newSequentialId('cp')];
    expect(a.slice(0, 19)).toBe(b.slice(0, 19));
    expect(BigInt(`0x${b.slice(19)}`) - BigInt(`0x${a.slice(19)}`)).toBe(1n);
  });

  it('takes the prefix it is given', () => {
    expect(newSequentialId('evt')).toMatch(/^evt_[0-9a-f]{32}$/);
  });
});
