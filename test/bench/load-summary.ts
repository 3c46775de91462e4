/** The figures `npm run load` reports, computed from what the LoadRecorder collected. */
import { type Distribution, distribution } from './percentiles.js';

/** How an execution ended. */
export type Finish = 'completed' | 'failed' | 'cancelled';

/** One committed step's timings (ms). */
export interface StepSample {
  committedAt: number;
  sendToCommit: number | undefined;
  queueWait: number | undefined;
  claimToCommit: number | undefined;
}

/** What the recorder keeps of one execution; times are epoch ms. */
export interface ExecRecord {
  requestedAt?: number;
  acceptedAt?: number;
  finishedAt?: number;
  finish?: Finish;
  sentAt: Map<number, number>;
  claimedAt: Map<number, number>;
  commits: Map<number, number>;
  /** SQS MessageIds seen, by `step/token`. */
  messageIds: Map<string, Set<string>>;
  samples: StepSample[];
}

/** The figures of one run, for the executions this run started. Times in milliseconds. */
export interface LoadSummary {
  started: number;
  completed: number;
  completedInWindow: number;
  failed: number;
  cancelled: number;
  /** Executions started and not finished when the run stopped waiting. */
  unfinished: string[];
  /** Step commits whose commit was written inside the window. */
  stepsInWindow: number;
  /** Steps per second committed in each of {@link WINDOW_SLICES} equal slices of the window, in order. */
  stepsPerSecondBySlice: number[];
  /** SQS SentTimestamp of the step's message to its commit being written. */
  sendToCommit: Distribution;
  /** SentTimestamp to the worker issuing its claim. */
  queueWait: Distribution;
  /** Claim issued to commit written (the step's work and the two writes). */
  claimToCommit: Distribution;
  /** POST /executions round trip, as the load driver sees it. */
  startRequest: Distribution;
  /** POST /executions sent to the last step's commit written. */
  startToComplete: Distribution;
  /** Errors and anomalies by kind, most frequent first, with the first one's detail when there is one. */
  errors: { kind: string; count: number; detail?: string }[];
}

/** Slices of the window throughput is also shown for, to show a trend (the emulator slowing as its table grows). */
export const WINDOW_SLICES = 6;

/**
 * The figures for the executions the driver started (`acceptedAt` set), with
 * throughput counted over `window`, and the errors most frequent first.
 */
export function summarize(
  execs: ReadonlyMap<string, ExecRecord>,
  errors: ReadonlyMap<string, { count: number; detail?: string }>,
  window: { start: number; end: number },
): LoadSummary {
  const ours = [...execs.entries()].filter(([, r]) => r.acceptedAt !== undefined);
  const samples = ours.flatMap(([, r]) => r.samples);
  const ended = (f: Finish) => ours.filter(([, r]) => r.finish === f);
  const completed = ended('completed');
  const sliceMs = Math.max(1, window.end - window.start) / WINDOW_SLICES;
  const bySlice = Array.from({ length: WINDOW_SLICES }, () => 0);
  for (const { committedAt } of samples) {
    const slice = Math.floor((committedAt - window.start) / sliceMs);
    if (committedAt <= window.end && slice >= 0) bySlice[Math.min(slice, WINDOW_SLICES - 1)]!++;
  }
  const pick = (key: 'sendToCommit' | 'queueWait' | 'claimToCommit') =>
    distribution(samples.flatMap((s) => (s[key] === undefined ? [] : [s[key]])));
  return {
    started: ours.length,
    completed: completed.length,
    completedInWindow: completed.filter(([, r]) => r.finishedAt! <= window.end).length,
    failed: ended('failed').length,
    cancelled: ended('cancelled').length,
    unfinished: ours.filter(([, r]) => r.finish === undefined).map(([id]) => id),
    stepsInWindow: samples.filter((s) => s.committedAt >= window.start && s.committedAt <= window.end).length,
    stepsPerSecondBySlice: bySlice.map((n) => n / (sliceMs / 1000)),
    sendToCommit: pick('sendToCommit'),
    queueWait: pick('queueWait'),
    claimToCommit: pick('claimToCommit'),
    startRequest: distribution(ours.map(([, r]) => r.acceptedAt! - r.requestedAt!)),
    startToComplete: distribution(completed.map(([, r]) => r.finishedAt! - r.requestedAt!)),
    errors: [...errors.entries()]
      .map(([kind, e]) => ({ kind, ...e }))
      .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind)),
  };
}
