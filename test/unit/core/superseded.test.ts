import { describe, expect, it } from 'vitest';
import { isSuperseded, supersede } from '../../../lib/core/superseded.js';
import { checkOptions } from '../../../lib/core/options.js';

describe('supersede and isSuperseded: the checkpoints rewinds undid, one rule for both faces', () => {
  it('adds a range, merging those it overlaps or touches, and keeps them ascending', () => {
    expect(supersede([], 3, 5)).toEqual([[3, 5]]);
    expect(supersede([[10, 12]], 3, 5)).toEqual([
      [3, 5],
      [10, 12],
    ]);
    expect(supersede([[3, 5]], 6, 8)).toEqual([[3, 8]]);
    expect(
      supersede(
        [
          [3, 5],
          [9, 12],
        ],
        4,
        10,
      ),
    ).toEqual([[3, 12]]);
    expect(supersede([[3, 5]], 1, 1)).toEqual([
      [1, 1],
      [3, 5],
    ]);
  });

  it('leaves the ranges as they were (a copy) when the range is empty', () => {
    const ranges: [number, number][] = [[3, 5]];
    const after = supersede(ranges, 7, 6);
    expect(after).toEqual([[3, 5]]);
    expect(after).not.toBe(ranges);
    expect(after[0]).not.toBe(ranges[0]);
  });

  it('finds a sequence number inside a range, ends included', () => {
    const ranges = supersede(supersede([], 3, 5), 9, 9);
    expect([2, 3, 4, 5, 6, 8, 9, 10].map((seq) => isSuperseded(ranges, seq))).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
      true,
      false,
    ]);
    expect(isSuperseded(undefined, 3)).toBe(false);
  });
});

describe('checkOptions', () => {
  const known = new Set(['toCheckpoint', 'state']);

  it('returns an object of known keys as it is', () => {
    const options = { toCheckpoint: 2 };
    expect(checkOptions(options, 'rewind', known)).toBe(options);
  });

  it('refuses a non-object and names the first unknown key, with the known ones', () => {
    for (const bad of [null, 3, 'x', [1]]) {
      expect(() => checkOptions(bad, 'rewind', known)).toThrow('rewind options must be an object');
    }
    expect(() => checkOptions({ toCheckpoint: 1, colour: 'red' }, 'rewind', known)).toThrow(
      'unknown rewind option "colour" (known: toCheckpoint, state)',
    );
  });
});
