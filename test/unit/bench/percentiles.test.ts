import { describe, expect, it } from 'vitest';
import { distribution, percentile } from '../../bench/percentiles.js';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('takes the nearest rank: the smallest value with p percent of values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('gives the only value for any percentile of one value, and undefined for none', () => {
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('refuses a percentile outside (0, 100]', () => {
    expect(() => percentile(hundred, 0)).toThrow(RangeError);
    expect(() => percentile(hundred, 101)).toThrow(/at most 100, got 101/);
    expect(() => percentile(hundred, Number.NaN)).toThrow(RangeError);
  });
});

describe('distribution', () => {
  it('sorts its input (numerically, not as text) before taking percentiles', () => {
    expect(distribution([900, 5, 100, 20])).toEqual({ count: 4, p50: 20, p95: 900, p99: 900, max: 900 });
  });

  it('has a count of 0 and no figures for no values', () => {
    expect(distribution([])).toEqual({ count: 0, p50: undefined, p95: undefined, p99: undefined, max: undefined });
  });
});
