/**
 * A small seeded random source (mulberry32), so that a chaos run's decisions can be
 * replayed from its printed seed as far as randomness goes (process scheduling and
 * the emulator's timing are not replayable).
 */
export type Random = () => number;

/** A generator of floats in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A seed for an independent stream: mixes `seed` with the labels (worker index, restart generation, ...). */
export function deriveSeed(seed: number, ...labels: number[]): number {
  let h = seed >>> 0;
  for (const label of labels) h = mix32((h + 0x9e3779b9 + Math.imul(label >>> 0, 0x632be5ab)) >>> 0);
  return h;
}

/** The finalizer of MurmurHash3: every input bit affects every output bit. */
function mix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A whole number from `min` to `max` inclusive. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** True with probability `p`. */
export function chance(random: Random, p: number): boolean {
  return p > 0 && random() < p;
}

/** A random delay with exponential distribution and mean `meanMs` (the gaps of a Poisson process). */
export function exponentialMs(random: Random, meanMs: number): number {
  return -Math.log(1 - random()) * meanMs;
}
