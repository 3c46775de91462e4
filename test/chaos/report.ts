import type { ActionCounts } from './control-actions.js';
import { checkExecution, classifyLeftMessage, parseInput, type FailureCause } from './execution-check.js';
import type { ChaosOptions } from './options.js';
import { recoveryGaps, stats, type GapSource, type Stats } from './recovery.js';
import type { ScannedExecution, ShardContents } from './table-scan.js';
import type { TraceCollector } from './trace-collector.js';

/** Everything a run found; the summary line is made from it. */
export interface ChaosReport {
  seed: number;
  executions: number;
  steps: number;
  workers: number;
  shards: number;
  timing: string;
  faults: Record<string, number>;
  outcomes: { completed: number; failed: number; cancelled: number; lost: number; unstarted: number };
  failedBy: Record<FailureCause, number>;
  /** Executions planned with a sleep, and with an event wait. */
  waits: { sleep: number; event: number };
  /** Executions planned large (their state carries ballast), and those found with a state kept in S3. */
  large: { planned: number; offloaded: number };
  /** Executions planned on the chainSteps workflow, and the steps workers ran chained. */
  chain: { planned: number; chainedSteps: number };
  double: number;
  corrupt: number;
  reruns: number;
  recovery: { fault: Stats; clean: Stats; byKind: Record<string, Stats> };
  messages: { stray: number; pending: number; deadLetters: number; unexplainedDeadLetters: number };
  controls: ActionCounts;
  /** What processStepMessage returned, by status, as the workers printed it. */
  stepOutcomes: Record<string, number>;
  logs: Record<string, number>;
  /** How the chaos phase ended, and whether the drain settled everything before its timeout. */
  chaosPhase: 'settled' | 'duration';
  /** How long faults and kills went on. */
  chaosSeconds: number;
  drained: boolean;
  seconds: number;
  workerRestarts: number;
  /** Workers that exited on their own (not killed): a harness problem, not the system's. */
  workerFailures: string[];
  /** The first problems found, one line each. */
  problems: string[];
}

/** What the report is built from: the run's own facts, and what it found in the shards and traces. */
export type ReportInput = Pick<
  ChaosReport,
  'shards' | 'timing' | 'chaosPhase' | 'chaosSeconds' | 'drained' | 'seconds' | 'workerRestarts' | 'workerFailures'
> & {
  options: ChaosOptions;
  contents: ShardContents[];
  collector: TraceCollector;
  controls: {
    ids: Map<number, string>;
    cancelRequested: Set<string>;
    eventAccepted: Set<string>;
    markers: { id: string; t: number }[];
  };
  counts: ActionCounts;
  plans: {
    index: number;
    idempotencyKey: string;
    sleepStep?: number;
    eventStep?: number;
    large?: boolean;
    chained?: boolean;
  }[];
};

const MAX_PROBLEMS = 20;

/** Checks every execution and message found in the shards, and puts the run's figures together. */
export function buildReport(input: ReportInput): ChaosReport {
  const { options: o, contents, collector } = input;
  const executions = new Map<string, ScannedExecution>();
  const keys = new Map<string, string>();
  for (const c of contents) {
    for (const e of c.executions) executions.set(e.id, e);
    for (const [k, id] of c.keys) keys.set(k, id);
  }
  const outcomes = { completed: 0, failed: 0, cancelled: 0, lost: 0, unstarted: 0 };
  const failedBy: Record<FailureCause, number> = {
    poisoned: 0,
    'step-throw': 0,
    'step-hang': 0,
    'step-oversize': 0,
    claims: 0,
    'wait-timeout': 0,
    other: 0,
  };
  const problems: string[] = [];
  const note = (p: string): void => void (problems.length < MAX_PROBLEMS && problems.push(p));
  let double = 0;
  let corrupt = 0;
  const chainedIds = new Set<string>();
  for (const plan of input.plans) {
    const id = keys.get(plan.idempotencyKey) ?? input.controls.ids.get(plan.index);
    if (id !== undefined && plan.chained === true) chainedIds.add(id);
    if (id === undefined) outcomes.unstarted++;
    else if (!executions.has(id)) {
      outcomes.lost++;
      note(`${id}: started (key ${plan.idempotencyKey}) but no item left in the table`);
    }
  }
  for (const e of executions.values()) {
    const v = checkExecution(e, {
      steps: o.steps,
      cancelRequested: input.controls.cancelRequested.has(e.id),
      eventAccepted: input.controls.eventAccepted.has(e.id),
    });
    outcomes[v.outcome]++;
    if (v.failureCause) failedBy[v.failureCause]++;
    if (v.double) double++;
    if (v.corrupt) corrupt++;
    for (const p of v.problems) note(`${e.id}: ${p}`);
  }
  const messages = { stray: 0, pending: 0, deadLetters: 0, unexplainedDeadLetters: 0 };
  for (const m of contents.flatMap((c) => c.messages)) {
    const id = /exec_[0-9a-f]{32}/.exec(m.body)?.[0];
    const kind = classifyLeftMessage(m, id === undefined ? undefined : executions.get(id)?.head);
    if (m.deadLetter) messages.deadLetters++;
    if (kind === 'stray') messages.stray++;
    if (kind === 'pending') messages.pending++;
    if (kind === 'unexplained') {
      messages.unexplainedDeadLetters++;
      note(`dead letter that could still be claimed: ${m.body}`);
    }
  }
  // A chained step starts with no message in between: its near-zero gap is no recovery, so those executions are left out.
  const measured = [...executions.values()].filter((e) => !chainedIds.has(e.id));
  const gaps = recoveryGaps(gapSources(measured, collector, input.controls.markers), collector.deaths);
  return {
    seed: o.seed,
    executions: o.executions,
    steps: o.steps,
    workers: o.workers,
    shards: input.shards,
    timing: input.timing,
    faults: Object.fromEntries(collector.faults),
    outcomes,
    failedBy,
    waits: {
      sleep: input.plans.filter((p) => p.sleepStep !== undefined).length,
      event: input.plans.filter((p) => p.eventStep !== undefined).length,
    },
    large: {
      planned: input.plans.filter((p) => p.large === true).length,
      offloaded: [...executions.values()].filter((e) => e.offloaded === true).length,
    },
    chain: {
      planned: input.plans.filter((p) => p.chained === true).length,
      chainedSteps: collector.chainedSteps,
    },
    double,
    corrupt,
    reruns: collector.reruns,
    recovery: {
      fault: stats(gaps.fault),
      clean: stats(gaps.clean),
      byKind: Object.fromEntries([...gaps.byKind].map(([k, v]) => [k, stats(v)])),
    },
    messages,
    controls: input.counts,
    stepOutcomes: Object.fromEntries(collector.outcomes),
    logs: Object.fromEntries(collector.logs),
    chaosPhase: input.chaosPhase,
    chaosSeconds: input.chaosSeconds,
    drained: input.drained,
    seconds: input.seconds,
    workerRestarts: input.workerRestarts,
    workerFailures: input.workerFailures,
    problems,
  };
}

/** True when the run found a broken guarantee: a lost execution, a double commit, a corrupt one, or an event delivered twice. */
export function brokeGuarantees(r: ChaosReport): boolean {
  return r.outcomes.lost > 0 || r.double > 0 || r.corrupt > 0 || r.controls.eventRedelivered > 0;
}

function* gapSources(
  executions: Iterable<ScannedExecution>,
  collector: TraceCollector,
  markers: { id: string; t: number }[],
): Iterable<GapSource> {
  const controls = new Map<string, number[]>();
  for (const m of markers) controls.set(m.id, [...(controls.get(m.id) ?? []), m.t]);
  for (const e of executions) {
    const trace = collector.execution(e.id);
    const waits = parseInput(e.checkpoints.find((c) => c.step === 0)?.data)?.waits;
    // The checkpoint after a sleep or an event wait is followed by the wait itself, not a recovery.
    const waited = new Set([waits?.sleep?.step, waits?.event?.step].flatMap((s) => (s === undefined ? [] : [s + 1])));
    yield {
      commits: new Map(e.checkpoints.filter((c) => !waited.has(c.step)).map((c) => [c.step, c.timestamp])),
      claims: trace.claims,
      faults: trace.faults,
      controls: controls.get(e.id) ?? [],
    };
  }
}
