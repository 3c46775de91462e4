import type { SeqRange } from './types.js';

// The checkpoints a rewind undoes, as both faces record them: ranges of step-run
// sequence numbers, ascending and disjoint. Listings mark the checkpoints in them
// superseded, and a rewind to one of them is refused.

/** True when checkpoint `seq` lies in one of `ranges`. */
export function isSuperseded(ranges: readonly SeqRange[] | undefined, seq: number): boolean {
  return ranges?.some(([first, last]) => seq >= first && seq <= last) ?? false;
}

/** `ranges` with `from..to` (inclusive) added, merged with the ranges it overlaps or touches; ascending. */
export function supersede(ranges: readonly SeqRange[], from: number, to: number): SeqRange[] {
  if (from > to) return ranges.map(([a, b]) => [a, b]);
  const merged: SeqRange[] = [];
  let added: SeqRange = [from, to];
  for (const [a, b] of ranges) {
    if (b + 1 < added[0] || a > added[1] + 1) merged.push([a, b]);
    else added = [Math.min(a, added[0]), Math.max(b, added[1])];
  }
  merged.push(added);
  return merged.sort((x, y) => x[0] - y[0]);
}
