/**
 * What `npm run load` measures, from data the run really has: the SentTimestamp
 * SQS puts on each step message (seen as the poller hands the batch to the worker),
 * the runtime's lifecycle events (step_started carries the time the claim was
 * issued; step_completed is delivered once the commit is written), the worker's
 * log lines, and the load driver's own requests.
 */
import type { ExecutionEvent, LogFields, Logger } from '../../lib/index.js';
import { type ExecRecord, type Finish, type LoadSummary, summarize } from './load-summary.js';

/** Collects the run's timings and errors; the hooks are wired into the local shape. */
export class LoadRecorder {
  readonly #now: () => number;
  readonly #checkOutput: (output: unknown) => string | undefined;
  readonly #execs = new Map<string, ExecRecord>();
  readonly #errors = new Map<string, { count: number; detail?: string }>();
  readonly #waiters = new Map<string, ((finish: Finish) => void)[]>();
  /** Why the runtime dropped a message, by execution/step, until the worker reports the outcome. */
  readonly #dropReasons = new Map<string, string>();
  #lastProgressAt = 0;

  constructor(options: { now?: () => number; checkOutput?: (output: unknown) => string | undefined } = {}) {
    this.#now = options.now ?? Date.now;
    this.#checkOutput = options.checkOutput ?? (() => undefined);
  }

  /** Counts an error or anomaly of `kind`; the first `detail` given for a kind is kept. */
  error(kind: string, detail?: string): void {
    const seen = this.#errors.get(kind);
    if (seen) {
      seen.count++;
      if (seen.detail === undefined && detail !== undefined) seen.detail = detail;
    } else this.#errors.set(kind, { count: 1, ...(detail === undefined ? {} : { detail }) });
  }

  /** The load driver started execution `id`: request sent at `requestedAt`, 201 read at `acceptedAt`. */
  started(id: string, requestedAt: number, acceptedAt: number): void {
    Object.assign(this.#exec(id), { requestedAt, acceptedAt });
  }

  /**
   * A batch reached the worker: each record's SQS MessageId, body and SentTimestamp
   * (epoch ms). A second delivery of a message, or a second message for the same
   * step and fencing token, is counted: the worker must drop it without a commit.
   */
  received(records: readonly { messageId: string; body: string; sentTimestamp: number }[]): void {
    for (const r of records) {
      const message = parseMessage(r.body);
      if (!message) continue;
      const rec = this.#exec(message.executionId);
      if (Number.isFinite(r.sentTimestamp)) rec.sentAt.set(message.step, r.sentTimestamp);
      const key = `${message.step}/${message.token}`;
      const ids = rec.messageIds.get(key) ?? new Set<string>();
      const where = `${message.executionId} step ${message.step}`;
      if (ids.has(r.messageId)) this.error('step message delivered again (same MessageId)', where);
      else if (ids.size > 0) this.error('another message for the same step and token (sent twice)', where);
      rec.messageIds.set(key, ids.add(r.messageId));
    }
  }

  /** The runtime's `onEvent`. */
  readonly onEvent = (event: ExecutionEvent): void => {
    const rec = this.#exec(event.execId);
    switch (event.type) {
      case 'step_started':
        rec.claimedAt.set(event.step, event.timestamp.getTime());
        return;
      case 'step_completed':
        return this.#committed(event.execId, rec, event.step);
      case 'execution_completed': {
        const problem = this.#checkOutput(event.state);
        if (problem) this.error(`wrong output: ${problem}`, event.execId);
        return this.#finish(event.execId, rec, 'completed');
      }
      case 'execution_failed':
        this.error(`execution failed: ${codeOf(event.error)}`, event.error?.message);
        return this.#finish(event.execId, rec, 'failed');
      case 'execution_cancelled':
        return this.#finish(event.execId, rec, 'cancelled');
      case 'step_failed':
        return this.error(`step attempt failed: ${codeOf(event.error)}`, event.error?.message);
      case 'paused':
        return this.error(`execution paused: ${codeOf(event.error)}`, event.error?.message);
      default:
        return;
    }
  };

  /** When a step last committed (epoch ms; 0 before the first). */
  get lastProgressAt(): number {
    return this.#lastProgressAt;
  }

  /**
   * A logger for the handlers and drivers: warnings and errors are counted, and so
   * are worker outcomes the lifecycle events do not show (a dropped message, with
   * the runtime's reason: not claimable, or superseded).
   */
  readonly logger: Logger = {
    debug: (message: string, fields?: LogFields) => {
      if (message === 'dropping an unclaimable step message') this.#dropReasons.set(stepKey(fields), 'not claimable');
    },
    info: (message: string, fields?: LogFields) => {
      if (message.startsWith('step superseded')) this.#dropReasons.set(stepKey(fields), 'superseded');
      const status = fields?.['status'];
      if (message !== 'step message processed' || typeof status !== 'string' || NORMAL_OUTCOMES.has(status)) return;
      const key = stepKey(fields);
      const reason = this.#dropReasons.get(key);
      this.#dropReasons.delete(key);
      this.error(`worker outcome: ${status}${reason ? ` (${reason})` : ''}`, key.replace('/', ' step '));
    },
    warn: (message: string, fields?: LogFields) => this.error(`warn: ${withCode(message, fields)}`, detailOf(fields)),
    error: (message: string, fields?: LogFields) => this.error(`error: ${withCode(message, fields)}`, detailOf(fields)),
  };

  /** Resolves when execution `id` has completed, failed or been cancelled. */
  finished(id: string): Promise<Finish> {
    const finish = this.#execs.get(id)?.finish;
    if (finish) return Promise.resolve(finish);
    return new Promise((resolve) => this.#waiters.set(id, [...(this.#waiters.get(id) ?? []), resolve]));
  }

  /** The figures for the executions started by the driver; `window` bounds the throughput count. */
  summary(window: { start: number; end: number }): LoadSummary {
    return summarize(this.#execs, this.#errors, window);
  }

  #committed(id: string, rec: ExecRecord, step: number): void {
    const at = this.#now();
    this.#lastProgressAt = at;
    const commits = (rec.commits.get(step) ?? 0) + 1;
    rec.commits.set(step, commits);
    if (commits > 1) this.error('step committed more than once', `${id} step ${step}`);
    const sent = rec.sentAt.get(step);
    const claimed = rec.claimedAt.get(step);
    rec.samples.push({
      committedAt: at,
      sendToCommit: sent === undefined ? undefined : at - sent,
      queueWait: sent === undefined || claimed === undefined ? undefined : claimed - sent,
      claimToCommit: claimed === undefined ? undefined : at - claimed,
    });
  }

  #finish(id: string, rec: ExecRecord, finish: Finish): void {
    if (rec.finish) return this.error(`execution ended twice (${rec.finish}, then ${finish})`, id);
    rec.finish = finish;
    rec.finishedAt = this.#now();
    for (const resolve of this.#waiters.get(id) ?? []) resolve(finish);
    this.#waiters.delete(id);
  }

  #exec(id: string): ExecRecord {
    let rec = this.#execs.get(id);
    if (!rec) {
      rec = { sentAt: new Map(), claimedAt: new Map(), commits: new Map(), messageIds: new Map(), samples: [] };
      this.#execs.set(id, rec);
    }
    return rec;
  }
}

/** Outcomes the lifecycle events already account for (retrying and failed are counted from them). */
const NORMAL_OUTCOMES = new Set(['committed', 'completed', 'retrying', 'failed']);

function parseMessage(body: string): { executionId: string; step: number; token: number } | undefined {
  try {
    const m = JSON.parse(body) as { executionId?: unknown; step?: unknown; token?: unknown };
    return typeof m.executionId === 'string' && typeof m.step === 'number' && typeof m.token === 'number'
      ? { executionId: m.executionId, step: m.step, token: m.token }
      : undefined;
  } catch {
    return undefined;
  }
}

function codeOf(error: Error | undefined): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : (error?.message ?? 'no error given');
}

/** `executionId/step` of a log line about one step message. */
function stepKey(fields: LogFields | undefined): string {
  return `${String(fields?.['executionId'])}/${String(fields?.['step'])}`;
}

/** The error text a log line carries, if any. */
function detailOf(fields: LogFields | undefined): string | undefined {
  const error = fields?.['error'];
  return typeof error === 'string' ? error : undefined;
}

function withCode(message: string, fields: LogFields | undefined): string {
  const code = fields?.['code'];
  return typeof code === 'string' ? `${message} (${code})` : message;
}
