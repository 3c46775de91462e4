import { describe, expect, it } from 'vitest';
import { recoveryGaps, stats, type GapSource } from '../../chaos/recovery.js';

const source = (over: Partial<GapSource> = {}): GapSource => ({
  commits: new Map([
    [0, 1000],
    [1, 2000],
    [2, 3000],
  ]),
  claims: new Map([
    [0, [1100]],
    [1, [1500, 2300, 2600]],
  ]),
  faults: [],
  controls: [],
  ...over,
});

describe('recoveryGaps', () => {
  it('measures each commit to the first claim of the next step after it', () => {
    expect(recoveryGaps([source()])).toEqual({ fault: [], clean: [100, 300], byKind: new Map() });
  });

  it('puts a gap with a fault in it under fault, by kind', () => {
    const gaps = recoveryGaps([source({ faults: [{ t: 2100, kind: 'lost:commit:outer' }] })]);
    expect(gaps).toEqual({
      fault: [300],
      clean: [100],
      byKind: new Map([['lost:commit:outer', [300]]]),
    });
  });

  it('leaves out gaps with a control action, and marks a death elsewhere when nothing else explains it', () => {
    expect(recoveryGaps([source({ controls: [1050] })]).clean).toEqual([300]);
    const gaps = recoveryGaps([source()], [2200]);
    expect(gaps.byKind.get('death-elsewhere')).toEqual([300]);
    expect(gaps.clean).toEqual([100]);
  });
});

describe('stats', () => {
  it('gives the median, 90th percentile and maximum (nearest rank)', () => {
    expect(stats([5, 1, 4, 2, 3, 6, 7, 8, 9, 10])).toEqual({ n: 10, median: 6, p90: 10, max: 10 });
    expect(stats([])).toEqual({ n: 0, median: 0, p90: 0, max: 0 });
  });
});
