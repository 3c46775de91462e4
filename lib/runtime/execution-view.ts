import type { BulkCounts, BulkJob } from './bulk-model.js';
import type { ExecutionHead, StoredCheckpoint, ThrottledInfo } from './model.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The public JSON view of an execution, as the HTTP API returns it (`GET
 * /executions/{id}` and the control routes) and the CLI reads it: ISO times,
 * `output` once completed, and the bounded event history when asked for.
 */
export interface ExecutionView {
  id: string;
  name: string;
  workflow: string;
  /** The workflow's `version` when the execution was started (a fork: forked); absent when it had none. */
  workflowVersion?: string;
  state: string;
  progress: number;
  currentStep: number;
  totalSteps: number;
  stepNames: string[];
  startTime: string;
  lastUpdate: string;
  endTime?: string;
  error?: { code: string; message: string };
  metadata: Record<string, string>;
  /** The final state, once completed. */
  output?: unknown;
  /**
   * The latest committed state (the input of the next step), in the detailed view of
   * one execution only (`GET /executions/{id}` and the control routes), never in lists.
   */
  data?: unknown;
  /** Step runs committed so far (loops count every run). */
  stepRuns: number;
  /** Events kept in the inbox, not yet taken by a wait. */
  inboxSize: number;
  /** What a waiting (or paused-in-a-wait, or timed-out) execution waits for; `until` in ISO 8601. */
  wait?: { kind: 'sleep' | 'event'; until?: string; eventType?: string; onTimeout?: string };
  events?: { type: string; step: number; at: string; attempt?: number; error?: { code: string; message: string } }[];
  /** A fork's origin: the execution and checkpoint it started from. */
  forkedFrom?: { executionId: string; checkpoint: number };
  /** Checkpoint ranges (inclusive) that rewinds went back past, in the detailed view. */
  superseded?: [number, number][];
  /** What its committed steps reported using, summed by unit; absent until a step reports something. */
  usage?: Record<string, number>;
  /** Its upper bounds by unit; absent: no limit. */
  budget?: Record<string, number>;
  /**
   * Set while a limit holds its current step back (cleared by the next claim):
   * the key, its use then, since when, and `message`: `throttled by openai (5/5 in use)`.
   */
  throttled?: { key: string; inUse: number; limit?: number; since: string; message: string };
}

/** Shapes a head for the API; `withEvents` (one execution's detailed view) adds the latest state and the bounded event history. */
export function executionView(head: ExecutionHead, withEvents = false): ExecutionView {
  const view: ExecutionView = {
    id: head.id,
    name: head.name,
    workflow: head.workflow,
    state: head.state,
    progress: head.progress,
    currentStep: head.currentStep,
    totalSteps: head.totalSteps,
    stepNames: head.stepNames,
    startTime: iso(head.startTime),
    lastUpdate: iso(head.lastUpdate),
    metadata: head.metadata,
    stepRuns: head.stepRuns,
    inboxSize: head.inbox.length,
  };
  if (head.wait) {
    const { kind, until, eventType, onTimeout } = head.wait;
    view.wait = {
      kind,
      ...(until === undefined ? {} : { until: iso(until) }),
      ...(eventType === undefined ? {} : { eventType }),
      ...(onTimeout === undefined ? {} : { onTimeout }),
    };
  }
  if (head.workflowVersion !== undefined) view.workflowVersion = head.workflowVersion;
  if (head.endTime !== undefined) view.endTime = iso(head.endTime);
  if (head.error) view.error = head.error;
  if (head.state === 'completed') view.output = head.data;
  if (head.forkedFrom) view.forkedFrom = { ...head.forkedFrom };
  if (head.usage) view.usage = { ...head.usage };
  if (head.budget) view.budget = { ...head.budget };
  // Only while it can still run: a paused or cancelled head keeps the field until its next claim.
  if (head.throttled && head.state === 'running') {
    const { key, inUse, limit, since } = head.throttled;
    view.throttled = {
      key,
      inUse,
      ...(limit === undefined ? {} : { limit }),
      since: iso(since),
      message: describeThrottle(head.throttled),
    };
  }
  if (withEvents) {
    view.data = head.data;
    if (head.superseded) view.superseded = head.superseded.map(([a, b]) => [a, b]);
    view.events = head.events.map((e) => ({
      type: e.type,
      step: e.step,
      at: iso(e.at),
      ...(e.attempt !== undefined ? { attempt: e.attempt } : {}),
      ...(e.error ? { error: e.error } : {}),
    }));
  }
  return view;
}

/**
 * Amounts by unit for people, each against its bound when `budget` has one:
 * `costUsd 3 of 2.5, tokens 30` (units of the budget first); `none` when there are
 * none. What the CLI and the console show as an execution's or a workflow's usage.
 */
export function describeUsage(usage: Record<string, number> | undefined, budget?: Record<string, number>): string {
  const units = [...new Set([...Object.keys(budget ?? {}), ...Object.keys(usage ?? {})])];
  if (units.length === 0) return 'none';
  return units
    .map((unit) => {
      const limit = budget?.[unit];
      return `${unit} ${usage?.[unit] ?? 0}${limit === undefined ? '' : ` of ${limit}`}`;
    })
    .join(', ');
}

/** The public JSON view of a checkpoint. */
export interface CheckpointView {
  id: string;
  /** The step-run sequence number. */
  seq: number;
  step: number;
  stepName?: string;
  timestamp: string;
  state: unknown;
  /** Written by a rewind: the checkpoint it went back to. */
  rewoundTo?: number;
  /** A rewind went back past this checkpoint: nothing runs on from it. */
  superseded?: true;
  /** This checkpoint began a wait for an event of this type (fork and rewind to it are refused). */
  awaits?: string;
}

/** The API's view of a checkpoint. */
export function checkpointView(cp: StoredCheckpoint): CheckpointView {
  return {
    id: cp.id,
    seq: cp.seq,
    step: cp.step,
    ...(cp.stepName === undefined ? {} : { stepName: cp.stepName }),
    timestamp: iso(cp.timestamp),
    state: cp.state,
    ...(cp.rewoundTo === undefined ? {} : { rewoundTo: cp.rewoundTo }),
    ...(cp.superseded ? { superseded: true as const } : {}),
    ...(cp.awaits === undefined ? {} : { awaits: cp.awaits }),
  };
}

/** The public JSON view of a bulk job (`POST /executions/redrive`, `GET /jobs/{id}`). */
export interface JobView {
  id: string;
  action: string;
  state: 'running' | 'completed';
  filter: {
    state: string;
    workflow?: string;
    errorCode?: string;
    startedAfter?: string;
    startedBefore?: string;
    max: number;
  };
  counts: BulkCounts;
  pages: number;
  failures: { executionId: string; error: { code: string; message: string } }[];
  createdAt: string;
  updatedAt: string;
  endTime?: string;
}

/** The API's view of a bulk job: ISO times, no cursor or lease. */
export function jobView(job: BulkJob): JobView {
  const { startedAfter, startedBefore, ...filter } = job.filter;
  return {
    id: job.id,
    action: job.action,
    state: job.state,
    filter: {
      ...filter,
      ...(startedAfter === undefined ? {} : { startedAfter: iso(startedAfter) }),
      ...(startedBefore === undefined ? {} : { startedBefore: iso(startedBefore) }),
    },
    counts: { ...job.counts },
    pages: job.pages,
    failures: job.failures.map((f) => ({ executionId: f.executionId, error: { ...f.error } })),
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    ...(job.endTime === undefined ? {} : { endTime: iso(job.endTime) }),
  };
}

/** `throttled by openai (5/5 in use)`, or `throttled by openai (rate)` for a key without a concurrency. */
export function describeThrottle(t: Pick<ThrottledInfo, 'key' | 'inUse' | 'limit'>): string {
  return t.limit === undefined
    ? `throttled by ${t.key} (rate)`
    : `throttled by ${t.key} (${t.inUse}/${t.limit} in use)`;
}
