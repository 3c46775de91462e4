/** A fault that touched an execution at time `t`, labelled by kind (e.g. `lost:TransactWriteItems:outer`). */
export interface FaultMark {
  t: number;
  kind: string;
}

/** What the recovery gaps of one execution are computed from. */
export interface GapSource {
  /** Commit time of each checkpoint, by step (checkpoint 0: the execution's creation). */
  commits: Map<number, number>;
  /** Times of every successful claim of each step (the claim's own clock reading). */
  claims: Map<number, number[]>;
  faults: FaultMark[];
  /** Times of control actions (pause, resume, cancel, retry); a gap with one is not a recovery. */
  controls: number[];
}

/** The gaps from each commit to the next claim, split by whether a fault touched the execution in between. */
export interface Gaps {
  fault: number[];
  clean: number[];
  /** Fault gaps by each kind of fault seen in them. */
  byKind: Map<string, number[]>;
}

/**
 * For each checkpoint k with a later claim of step k: the delay from its commit to
 * the first claim of step k after it. A gap with a control action in it is left
 * out; a gap with a fault in it (from the commit's own request to the claim) counts
 * as a fault gap, under each kind of fault it saw. A worker that died during the gap
 * (`deaths`: kills and crashes of any worker) counts as a fault of kind
 * `death-elsewhere` when nothing else touched the execution: a worker killed during
 * a long poll makes the emulator hide the message it was about to return for the
 * whole visibility timeout, as a lost ReceiveMessage response does on AWS.
 */
export function recoveryGaps(sources: Iterable<GapSource>, deaths: readonly number[] = []): Gaps {
  const gaps: Gaps = { fault: [], clean: [], byKind: new Map() };
  for (const s of sources) {
    for (const [step, committed] of s.commits) {
      const claimed = Math.min(...(s.claims.get(step) ?? []).filter((t) => t >= committed));
      if (!Number.isFinite(claimed)) continue;
      const within = (t: number): boolean => t >= committed && t <= claimed;
      if (s.controls.some(within)) continue;
      const gap = claimed - committed;
      const kinds = new Set(s.faults.filter((f) => within(f.t)).map((f) => f.kind));
      if (kinds.size === 0 && deaths.some(within)) kinds.add('death-elsewhere');
      if (kinds.size === 0) {
        gaps.clean.push(gap);
        continue;
      }
      gaps.fault.push(gap);
      for (const kind of kinds) gaps.byKind.set(kind, [...(gaps.byKind.get(kind) ?? []), gap]);
    }
  }
  return gaps;
}

/** Median, 90th percentile and maximum of some milliseconds. */
export interface Stats {
  n: number;
  median: number;
  p90: number;
  max: number;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) return { n: 0, median: 0, p90: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: sorted.length, median: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1]! };
}
