import type { ErrorInfo } from '../core/errors.js';
import type { ExecutionState } from '../core/execution-state.js';
import type { EpochMs } from './model.js';

/** What a bulk operation does to each execution it matches. */
export type BulkAction = 'redrive' | 'cancel' | 'pause';

/** Which executions a bulk operation takes (all given conditions hold). */
export interface BulkFilter {
  /** Executions in this state: failed or cancelled for redrive (failed by default), running for cancel and pause by default. */
  state: ExecutionState;
  workflow?: string;
  /** Only executions whose error has this code (a failed one's, or a paused one's). */
  errorCode?: string;
  /** Started at or after this time. */
  startedAfter?: EpochMs;
  /** Started before this time. */
  startedBefore?: EpochMs;
  /** At most this many executions are matched. */
  max: number;
}

/** How a bulk job is doing. */
export interface BulkCounts {
  /** Executions that passed the filter so far. */
  matched: number;
  /** Of those, changed by the job (redriven, cancelled, paused). */
  changed: number;
  /** Changed by something else between the listing and the action (already retried, deleted, finished), so left alone. */
  skipped: number;
  /** The action failed for a reason that will not pass by itself (listed in `failures`). */
  failed: number;
}

/**
 * A bulk operation over the executions a filter matches, run one page at a time by
 * the step worker (its own queue messages), with its cursor and counts in this
 * record. `rev` goes up with every write: each write is conditional on the one it
 * read, so two runners never both record a page.
 */
export interface BulkJob {
  id: string;
  action: BulkAction;
  filter: BulkFilter;
  state: 'running' | 'completed';
  /** Pages done; the next message carries this number. */
  pages: number;
  /** The listing's cursor after the pages done; absent before the first and after the last. */
  cursor?: string;
  counts: BulkCounts;
  /** The most recent failures (at most MAX_JOB_FAILURES). */
  failures: { executionId: string; error: ErrorInfo }[];
  createdAt: EpochMs;
  updatedAt: EpochMs;
  endTime?: EpochMs;
  /** When a read of the standing-still job last sent its page's message again. */
  nudgedAt?: EpochMs;
  /** While a runner works on a page: until when it holds the job. */
  leaseUntil?: EpochMs;
  /**
   * The page being run: the executions it acts on as they were listed, recorded
   * before the first action. A page run again after an interruption acts on this
   * list, not on a new listing, so each execution is acted on once per job.
   */
  pending?: PagePlan;
  rev: number;
}

/** One page's work, fixed when the page is listed. */
export interface PagePlan {
  items: ListedExecution[];
  /** The listing's cursor after this page; absent when it is the last. */
  next?: string;
  /** Whether the job ends with this page (the listing, the time window or `max` ran out). */
  end: boolean;
}

/** An execution as a page listed it: what its action is conditional on. */
export interface ListedExecution {
  id: string;
  state: ExecutionState;
  version: number;
  /** Its latest checkpoint, the one a redrive of a cancelled execution goes back to. */
  stepRuns: number;
}

/** The queue message that runs page `page` of job `job`. */
export interface JobMessage {
  v: 1;
  job: string;
  page: number;
}

/** The persistence port of bulk jobs (kept beside the executions, in the same table on AWS). */
export interface JobStore {
  /** Stores a new job; a job with the same id already stored is returned with `created: false`. */
  createJob(job: BulkJob): Promise<{ job: BulkJob; created: boolean }>;
  /** The job (strongly consistent), or undefined. */
  getJob(id: string): Promise<BulkJob | undefined>;
  /** Replaces `base` by `next` only while the stored job's `rev` is still `base.rev`; false otherwise. */
  replaceJob(base: BulkJob, next: BulkJob): Promise<boolean>;
}

/** How many failures a job keeps. */
export const MAX_JOB_FAILURES = 20;
/** How long a finished job is kept before it expires: 30 days. */
export const JOB_RETENTION_MS = 30 * 86_400_000;
