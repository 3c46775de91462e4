import { describe, expect, it } from 'vitest';
import { chance, deriveSeed, exponentialMs, randomInt, seededRandom } from '../../chaos/rng.js';

describe('the seeded random source', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const take = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(take(3)).toEqual(take(3));
    expect(take(3)).not.toEqual(take(4));
    for (const u of take(9)) expect(u >= 0 && u < 1).toBe(true);
  });

  it('derives distinct seeds per label', () => {
    expect(deriveSeed(1, 0, 0)).toBe(deriveSeed(1, 0, 0));
    expect(new Set([deriveSeed(1, 0, 0), deriveSeed(1, 0, 1), deriveSeed(1, 1, 0), deriveSeed(2, 0, 0)]).size).toBe(4);
  });

  it('draws whole numbers within bounds, chances and exponential delays', () => {
    const random = seededRandom(5);
    const ints = Array.from({ length: 500 }, () => randomInt(random, 2, 4));
    expect(new Set(ints)).toEqual(new Set([2, 3, 4]));
    expect(chance(random, 0)).toBe(false);
    expect(chance(random, 1)).toBe(true);
    const mean = Array.from({ length: 5000 }, () => exponentialMs(random, 100)).reduce((a, b) => a + b) / 5000;
    expect(mean).toBeGreaterThan(90);
    expect(mean).toBeLessThan(110);
  });
});
