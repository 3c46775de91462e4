import { describe, expect, it } from 'vitest';
import { childPath, diffStates, preview } from '../../../apps/console/ui/state-diff.js';

describe('diffStates', () => {
  it('lists added, removed and changed paths of nested objects and arrays', () => {
    const before = { value: 1, plan: ['a', 'b'], review: { score: 5, notes: 'x' }, gone: true };
    const after = { value: 11, plan: ['a', 'c', 'd'], review: { score: 5 }, added: { deep: 1 } };
    expect(diffStates(before, after)).toEqual([
      { path: '$.value', kind: 'changed', before: 1, after: 11 },
      { path: '$.plan[1]', kind: 'changed', before: 'b', after: 'c' },
      { path: '$.plan[2]', kind: 'added', after: 'd' },
      { path: '$.review.notes', kind: 'removed', before: 'x' },
      { path: '$.gone', kind: 'removed', before: true },
      { path: '$.added', kind: 'added', after: { deep: 1 } },
    ]);
  });

  it('finds no change between equal values, and one change between values of different kinds', () => {
    expect(diffStates({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
    expect(diffStates({ a: [1] }, { a: { 0: 1 } })).toEqual([
      { path: '$.a', kind: 'changed', before: [1], after: { 0: 1 } },
    ]);
    expect(diffStates(1, 'one')).toEqual([{ path: '$', kind: 'changed', before: 1, after: 'one' }]);
    expect(diffStates(null, {})).toEqual([{ path: '$', kind: 'changed', before: null, after: {} }]);
  });

  it('compares own keys only: names such as toString or constructor are keys like any other', () => {
    expect(diffStates({}, { toString: 1 })).toEqual([{ path: '$.toString', kind: 'added', after: 1 }]);
    expect(diffStates({ constructor: 'x' }, {})).toEqual([{ path: '$.constructor', kind: 'removed', before: 'x' }]);
  });

  it('stops at the limit', () => {
    const before = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect(diffStates(before, {}, 10)).toHaveLength(10);
  });
});

describe('childPath and preview', () => {
  it('quotes keys that are not identifiers', () => {
    expect(childPath('$', 'plain_1')).toBe('$.plain_1');
    expect(childPath('$', 'with space')).toBe('$["with space"]');
    expect(childPath('$.a', 3)).toBe('$.a[3]');
  });

  it('cuts long values', () => {
    expect(preview('x'.repeat(200), 10)).toBe(`"${'x'.repeat(8)}…`);
    expect(preview(undefined)).toBe('undefined');
  });
});
