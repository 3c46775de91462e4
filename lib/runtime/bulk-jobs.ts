import { createHash } from 'node:crypto';
import { ErrorCode, LongRunningError, ValidationError, toErrorInfo, type ErrorInfo } from '../core/errors.js';
import { ExecutionState, isExecutionState } from '../core/execution-state.js';
import { assertSafeId, newId } from '../core/ids.js';
import { isJsonObject } from '../core/json.js';
import { rewindExecution } from './fork-rewind.js';
import type { ExecutionHead } from './model.js';
import {
  JOB_RETENTION_MS,
  MAX_JOB_FAILURES,
  type BulkAction,
  type BulkFilter,
  type BulkJob,
  type JobMessage,
  type JobStore,
  type ListedExecution,
  type PagePlan,
} from './bulk-model.js';
import { resumeOrRetry } from './resume-actions.js';
import type { ResolvedRuntime } from './runtime-config.js';
import { WORKFLOW_NAME_PATTERN, WORKFLOW_NAME_RULE } from './workflow.js';
import type { ControlPlane } from './control-plane.js';

/** What a bulk operation is asked with (`POST /executions/redrive`, `/cancel`, `/pause`). */
export interface BulkRequest {
  action: BulkAction;
  /** The filter; `state` defaults to failed (redrive) or running (cancel, pause), `max` to 1,000. */
  filter?: Partial<BulkFilter>;
  /** The same request id (with the same action and filter) returns the same job instead of starting another. */
  requestId?: string;
}

/** The states each action takes executions from. */
export const BULK_STATES: Readonly<Record<BulkAction, readonly ExecutionState[]>> = {
  redrive: [ExecutionState.Failed, ExecutionState.Cancelled],
  cancel: [ExecutionState.Running, ExecutionState.Waiting, ExecutionState.Paused],
  pause: [ExecutionState.Running, ExecutionState.Waiting],
};

/** The most executions one bulk operation takes. */
export const MAX_BULK_EXECUTIONS = 100_000;
/** Executions a filter matches by default. */
export const DEFAULT_BULK_MAX = 1_000;
/** Executions listed per page; one queue message runs one page. */
export const BULK_PAGE_SIZE = 25;
/** Actions a page runs at once: a redrive of 10,000 sends at most this many step messages at a time. */
export const BULK_CONCURRENCY = 5;
/** Seconds between pages, so that a large operation paces its writes and sends. */
export const BULK_PAGE_DELAY_SECONDS = 1;
/** A running job that has not moved for this long gets its page's message again when it is read. */
export const BULK_STALL_MS = 2 * 60_000;
/** How long a runner holds a job while it works on a page. */
export const BULK_LEASE_MS = 5 * 60_000;

/** Checks a bulk request; VALIDATION_ERROR names the first problem. */
export function validateBulkRequest(request: BulkRequest): {
  action: BulkAction;
  filter: BulkFilter;
  requestId?: string;
} {
  if (!isJsonObject(request)) throw new ValidationError('bulk request must be an object');
  const { action, filter = {}, requestId } = request;
  if (action !== 'redrive' && action !== 'cancel' && action !== 'pause')
    throw new ValidationError(`bulk action must be redrive, cancel or pause, got ${JSON.stringify(action)}`);
  if (!isJsonObject(filter)) throw new ValidationError('filter must be an object');
  assertKnownKeys(request, ['action', 'filter', 'requestId'], 'bulk request');
  assertKnownKeys(filter, ['state', 'workflow', 'errorCode', 'startedAfter', 'startedBefore', 'max'], 'filter');
  const named = ['state', 'workflow', 'errorCode', 'startedAfter', 'startedBefore'].filter(
    (key) => (filter as Record<string, unknown>)[key] !== undefined,
  );
  if (action !== 'redrive' && named.length === 0) {
    throw new ValidationError(
      `a bulk ${action} needs a filter: name at least one of state, workflow, errorCode, startedAfter, startedBefore (an empty one would ${action} every running execution)`,
    );
  }
  const allowed = BULK_STATES[action];
  const state = filter.state ?? allowed[0];
  if (!isExecutionState(state) || !allowed.includes(state))
    throw new ValidationError(
      `filter.state for ${action} must be one of ${allowed.join(', ')}, got ${JSON.stringify(state)}`,
    );
  const checked: BulkFilter = { state, max: filter.max ?? DEFAULT_BULK_MAX };
  if (!Number.isSafeInteger(checked.max) || checked.max < 1 || checked.max > MAX_BULK_EXECUTIONS)
    throw new ValidationError(
      `filter.max must be a whole number from 1 to ${MAX_BULK_EXECUTIONS}, got ${String(filter.max)}`,
    );
  if (filter.workflow !== undefined) {
    if (typeof filter.workflow !== 'string' || !WORKFLOW_NAME_PATTERN.test(filter.workflow))
      throw new ValidationError(`filter.workflow must be ${WORKFLOW_NAME_RULE}`);
    checked.workflow = filter.workflow;
  }
  if (filter.errorCode !== undefined) {
    if (typeof filter.errorCode !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(filter.errorCode))
      throw new ValidationError('filter.errorCode must be an error code such as STEP_FAILED (capitals, digits, _)');
    checked.errorCode = filter.errorCode;
  }
  for (const key of ['startedAfter', 'startedBefore'] as const) {
    const at = filter[key];
    if (at === undefined) continue;
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0)
      throw new ValidationError(`filter.${key} must be a time (epoch milliseconds)`);
    checked[key] = at;
  }
  if (
    checked.startedAfter !== undefined &&
    checked.startedBefore !== undefined &&
    checked.startedAfter >= checked.startedBefore
  )
    throw new ValidationError('filter.startedAfter must be before filter.startedBefore');
  if (requestId !== undefined) assertSafeId(requestId, 'requestId');
  return { action, filter: checked, ...(requestId === undefined ? {} : { requestId }) };
}

/**
 * Creates the job (or finds the one of the same request id) and sends its next page's
 * message. A repeated request sends that message again while the job runs: a
 * duplicate is dropped by the page number and the job's lease.
 */
export async function startBulkJob(
  rt: ResolvedRuntime,
  request: BulkRequest,
): Promise<{ job: BulkJob; created: boolean }> {
  const jobs = jobStoreOf(rt);
  const { action, filter, requestId } = validateBulkRequest(request);
  const now = rt.clock.now();
  const id =
    requestId === undefined
      ? newId('job')
      : `job_${createHash('sha256').update(`${action}\n${requestId}`).digest('hex').slice(0, 32)}`;
  const fresh: BulkJob = {
    id,
    action,
    filter,
    state: 'running',
    pages: 0,
    counts: { matched: 0, changed: 0, skipped: 0, failed: 0 },
    failures: [],
    createdAt: now,
    updatedAt: now,
    rev: 0,
  };
  const { job, created } = await jobs.createJob(fresh);
  if (!created && JSON.stringify(job.filter) !== JSON.stringify(filter)) {
    throw new LongRunningError(
      ErrorCode.Conflict,
      `request id ${requestId ?? ''} was used for a ${job.action} with another filter`,
      {
        details: { jobId: job.id },
      },
    );
  }
  if (job.state === 'running') await rt.queue.send(jobMessage(job.id, job.pages));
  return { job, created };
}

/**
 * The job, or NOT_FOUND. Reading a running job that has not moved for
 * BULK_STALL_MS (and that no runner holds) sends its page's message again, at most
 * once per BULK_STALL_MS: the message may have been lost (a send that failed, or a
 * message that went to the dead-letter queue), and a duplicate is dropped by its
 * page number.
 */
export async function getBulkJob(rt: ResolvedRuntime, id: string): Promise<BulkJob> {
  const job = await jobStoreOf(rt).getJob(assertSafeId(id, 'job id'));
  if (!job) throw new LongRunningError(ErrorCode.NotFound, `job not found: ${id}`, { details: { id } });
  const now = rt.clock.now();
  const held = job.leaseUntil !== undefined && job.leaseUntil > now;
  const still = job.updatedAt + BULK_STALL_MS <= now && (job.nudgedAt ?? 0) + BULK_STALL_MS <= now;
  if (job.state === 'running' && !held && still) {
    // At most once per BULK_STALL_MS, however often it is read: the write that records the nudge decides.
    const nudged: BulkJob = { ...job, nudgedAt: now, rev: job.rev + 1 };
    if (await jobStoreOf(rt).replaceJob(job, nudged)) {
      await rt.queue.send(jobMessage(job.id, job.pages));
      return nudged;
    }
  }
  return job;
}

/** What one job message did: ran a page (and sent the next, or finished the job), or nothing (a message of a page done). */
export type JobPageResult = 'more' | 'completed' | 'stale';

/**
 * Runs page `message.page` of a job: takes the job's lease, lists the next page of
 * executions in the filter's state, applies the action to each match (at most
 * BULK_CONCURRENCY at once), records the cursor and counts, and sends the next
 * page's message. A message for another page does nothing (`stale`); one for a page
 * another runner holds throws a retryable CONFLICT, so it comes back later. A runner killed halfway leaves the page unrecorded: its
 * message comes back and the page runs again, and every action is conditional on
 * the execution still being as it was listed (a redrive on its version), so none is
 * applied twice. A transient error fails the page the same way.
 */
export async function runJobPage(
  rt: ResolvedRuntime,
  control: ControlPlane,
  message: JobMessage,
): Promise<JobPageResult> {
  const jobs = jobStoreOf(rt);
  const stored = await jobs.getJob(message.job);
  if (!stored || stored.state !== 'running' || stored.pages !== message.page) {
    // The message of the page before, back after its page was recorded: the send of this
    // page's message may have failed after the record, so send it again (a duplicate is dropped).
    const held = stored?.leaseUntil !== undefined && stored.leaseUntil > rt.clock.now();
    if (stored?.state === 'running' && stored.pages === message.page + 1 && !held)
      await rt.queue.send(jobMessage(stored.id, stored.pages));
    return 'stale';
  }
  const busy = (): LongRunningError =>
    // Another runner holds the page (or died holding it): come back when its lease may have run out.
    new LongRunningError(ErrorCode.Conflict, `job ${stored.id}: page ${stored.pages} is being run elsewhere`, {
      retryable: true,
    });
  if (stored.leaseUntil !== undefined && stored.leaseUntil > rt.clock.now()) throw busy();
  const plan = stored.pending ?? (await planPage(rt, stored));
  const now = rt.clock.now();
  const held: BulkJob = {
    ...stored,
    pending: plan,
    leaseUntil: now + BULK_LEASE_MS,
    updatedAt: now,
    rev: stored.rev + 1,
  };
  if (!(await jobs.replaceJob(stored, held))) throw busy();
  try {
    return await runPlannedPage(rt, control, jobs, held, plan);
  } catch (thrown) {
    // Let the page run again as soon as the message comes back, on the same plan.
    const released: BulkJob = { ...held, updatedAt: rt.clock.now(), rev: held.rev + 1 };
    delete released.leaseUntil;
    await jobs.replaceJob(held, released).catch(() => false);
    throw thrown;
  }
}

/** Lists the job's next page and picks what it acts on. */
async function planPage(rt: ResolvedRuntime, job: BulkJob): Promise<PagePlan> {
  const { filter } = job;
  const page = await rt.store.list({
    state: filter.state,
    limit: BULK_PAGE_SIZE,
    ...(filter.workflow === undefined ? {} : { workflow: filter.workflow }),
    ...(job.cursor === undefined ? {} : { nextToken: job.cursor }),
  });
  const items: ListedExecution[] = [];
  let end = page.nextToken === undefined;
  for (const head of page.items) {
    // Newest first: once one started before the window, so did every later one.
    if (filter.startedAfter !== undefined && head.startTime < filter.startedAfter) {
      end = true;
      break;
    }
    if (!matchesFilter(head, filter)) continue;
    items.push({ id: head.id, state: head.state, version: head.version, stepRuns: head.stepRuns });
    if (job.counts.matched + items.length >= filter.max) {
      end = true;
      break;
    }
  }
  return { items, end, ...(end || page.nextToken === undefined ? {} : { next: page.nextToken }) };
}

async function runPlannedPage(
  rt: ResolvedRuntime,
  control: ControlPlane,
  jobs: JobStore,
  held: BulkJob,
  plan: PagePlan,
): Promise<JobPageResult> {
  const counts = { ...held.counts };
  const failures = [...held.failures];
  const results = await pool(plan.items, BULK_CONCURRENCY, (listed) => applyAction(rt, control, held.action, listed));
  results.forEach((result, i) => {
    counts.matched++;
    if (result === 'changed') counts.changed++;
    else if (result === 'skipped') counts.skipped++;
    else {
      counts.failed++;
      failures.push({ executionId: plan.items[i]?.id ?? '', error: result });
    }
  });
  const done = rt.clock.now();
  const next: BulkJob = {
    ...held,
    pages: held.pages + 1,
    counts,
    failures: failures.slice(-MAX_JOB_FAILURES),
    updatedAt: done,
    rev: held.rev + 1,
  };
  for (const key of ['leaseUntil', 'cursor', 'pending'] as const) delete next[key];
  if (plan.end) Object.assign(next, { state: 'completed', endTime: done });
  else if (plan.next !== undefined) next.cursor = plan.next;
  if (!(await jobs.replaceJob(held, next))) {
    throw new LongRunningError(ErrorCode.Conflict, `job ${held.id}: its record changed while page ${held.pages} ran`, {
      retryable: true,
    });
  }
  rt.logger.info('bulk job page done', { jobId: held.id, page: held.pages, ...counts, state: next.state });
  if (plan.end) return 'completed';
  await rt.queue.send(jobMessage(held.id, next.pages), BULK_PAGE_DELAY_SECONDS);
  return 'more';
}

/** When a finished job's record expires (epoch ms). */
export function jobExpiry(job: BulkJob): number | undefined {
  return job.endTime === undefined ? undefined : job.endTime + JOB_RETENTION_MS;
}

function jobMessage(job: string, page: number): JobMessage {
  return { v: 1, job, page };
}

function jobStoreOf(rt: ResolvedRuntime): JobStore {
  if (!rt.jobs) throw new ValidationError('bulk operations need a job store (runtime deps `jobs`)');
  return rt.jobs;
}

function matchesFilter(head: ExecutionHead, filter: BulkFilter): boolean {
  if (filter.startedBefore !== undefined && head.startTime >= filter.startedBefore) return false;
  if (filter.errorCode !== undefined && head.error?.code !== filter.errorCode) return false;
  return head.state === filter.state;
}

/**
 * One execution's action, conditional on it being as listed: redrive retries a
 * failed one only at the listed version (a retry bumps it, so a page run again
 * skips it), and takes a cancelled one back to its latest checkpoint (a rewind, on
 * the same condition); cancel and pause act only while it is still as listed (see
 * {@link stillListed}), and apply once by nature (on a cancelled or paused
 * execution they change nothing).
 */
async function applyAction(
  rt: ResolvedRuntime,
  control: ControlPlane,
  action: BulkAction,
  listed: ListedExecution,
): Promise<'changed' | 'skipped' | ErrorInfo> {
  try {
    switch (action) {
      case 'redrive': {
        if (listed.state === ExecutionState.Cancelled) {
          await rewindExecution(rt, listed.id, { toCheckpoint: listed.stepRuns }, listed.version);
          return 'changed';
        }
        const same = (h: ExecutionHead): boolean => h.version === listed.version && h.state === listed.state;
        return (await resumeOrRetry(rt, listed.id, 'retry', same)).changed ? 'changed' : 'skipped';
      }
      case 'cancel':
        return (await control.cancel(listed.id, { onlyFrom: stillListed(listed.state) })).changed
          ? 'changed'
          : 'skipped';
      case 'pause':
        return (await control.pause(listed.id, { onlyFrom: stillListed(listed.state) })).changed
          ? 'changed'
          : 'skipped';
    }
  } catch (thrown) {
    if (thrown instanceof LongRunningError && thrown.retryable) throw thrown;
    const error = toErrorInfo(thrown);
    // Moved on since the listing (finished, deleted, rewound): not this job's to change.
    if (error.code === ErrorCode.IllegalTransition || error.code === ErrorCode.Conflict) return 'skipped';
    if (error.code === ErrorCode.NotFound && error.message.startsWith('execution not found')) return 'skipped';
    return error;
  }
}

/**
 * The states in which a cancel or pause still finds an execution as it was listed:
 * its listed state, and for a live one (running or waiting) the other live state,
 * which it moves between by itself as its steps sleep and wake. A paused one that
 * was resumed since is not as listed.
 */
function stillListed(state: ExecutionState): readonly ExecutionState[] {
  return state === ExecutionState.Running || state === ExecutionState.Waiting
    ? [ExecutionState.Running, ExecutionState.Waiting]
    : [state];
}

/** `fn` over `items`, at most `limit` at once, results in order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function assertKnownKeys(value: object, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined)
    throw new ValidationError(`${what}: unknown field ${JSON.stringify(unknown)} (allowed: ${allowed.join(', ')})`);
}
