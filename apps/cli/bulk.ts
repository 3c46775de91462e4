/**
 * `longrunning redrive`, `bulk-cancel` and `bulk-pause`: start a bulk job over the
 * executions a filter matches (`POST /executions/{redrive,cancel,pause}`); and
 * `longrunning job <id>`: show one (`GET /jobs/{id}`). `--wait` polls the job
 * until it completes.
 */
import { randomBytes } from 'node:crypto';
import { isExecutionState, ExecutionState, type JobView } from '../../lib/index.js';
import type { ApiClient } from './api-client.js';
import type { CliIo } from './cli-io.js';
import { UsageError } from './options.js';

/** The bulk commands and the API action each starts. */
export const BULK_COMMANDS = {
  redrive: 'redrive',
  'bulk-cancel': 'cancel',
  'bulk-pause': 'pause',
} as const;

/** A bulk command's name. */
export type BulkCommand = keyof typeof BULK_COMMANDS;

/** The command-line options the bulk commands and `job` read. */
export interface BulkOptions {
  state?: string | undefined;
  workflow?: string | undefined;
  'error-code'?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  max?: string | undefined;
  'request-id'?: string | undefined;
  wait?: boolean | undefined;
  json?: boolean | undefined;
}

const FILTER_FLAGS = ['state', 'workflow', 'error-code', 'since', 'until', 'max', 'request-id'] as const;

/** The most executions one bulk job takes (the API's limit). */
const MAX_BULK = 100_000;

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

/**
 * The ISO 8601 time a `--since` / `--until` value stands for: a duration back from
 * `now` (`90s`, `15m`, `1h`, `2d`, `1h30m`: whole numbers, units d, h, m, s in that
 * order, each at most once), or an ISO 8601 time, sent as given. Anything else is a
 * {@link UsageError} naming `flag`.
 */
export function timeOption(raw: string, flag: string, now: number): string {
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw) && Number.isFinite(Date.parse(raw))) return raw;
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(raw);
  const bad = () =>
    new UsageError(
      `${flag} must be a duration back from now such as 90s, 15m, 1h, 2d or 1h30m, or an ISO 8601 time, got "${raw}"`,
    );
  if (!m || raw === '') throw bad();
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  const ms = Number(d) * UNIT_MS.d + Number(h) * UNIT_MS.h + Number(min) * UNIT_MS.m + Number(s) * UNIT_MS.s;
  const at = new Date(now - ms);
  if (!Number.isSafeInteger(ms) || !Number.isFinite(at.getTime())) throw bad();
  return at.toISOString();
}

/** `--max`: a whole number from 1 to 100,000. */
function maxOption(raw: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(raw) || Number(raw) > MAX_BULK)
    throw new UsageError(`--max must be a whole number from 1 to ${MAX_BULK.toLocaleString('en-US')}, got "${raw}"`);
  return Number(raw);
}

/** A request id nobody else will send: `req_` and 24 hex digits (safe id characters). */
function newRequestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
}

/**
 * The body of a bulk request from the options: durations resolved against `now`,
 * `--state` checked to be an execution state word (which states the action takes
 * is the API's to say).
 */
export function bulkBody(values: BulkOptions, now: number, requestId: string): Record<string, unknown> {
  if (values.state !== undefined && !isExecutionState(values.state))
    throw new UsageError(
      `--state must be an execution state (${Object.values(ExecutionState).join(', ')}), got "${values.state}"`,
    );
  return {
    ...(values.state !== undefined ? { state: values.state } : {}),
    ...(values.workflow !== undefined ? { workflow: values.workflow } : {}),
    ...(values['error-code'] !== undefined ? { errorCode: values['error-code'] } : {}),
    ...(values.since !== undefined ? { startedAfter: timeOption(values.since, '--since', now) } : {}),
    ...(values.until !== undefined ? { startedBefore: timeOption(values.until, '--until', now) } : {}),
    ...(values.max !== undefined ? { max: maxOption(values.max) } : {}),
    requestId,
  };
}

/**
 * Runs `redrive`, `bulk-cancel` or `bulk-pause`: posts the filter (with `--request-id`,
 * or a new one, printed with how to send the same request again), shows the job, and
 * with `--wait` follows it to the end. Exit code 0, or with `--wait` 1 when any
 * execution failed.
 */
export async function runBulk(
  command: BulkCommand,
  values: BulkOptions,
  client: ApiClient,
  io: CliIo,
): Promise<number> {
  const given = values['request-id'];
  const requestId = given ?? newRequestId();
  const body = bulkBody(values, (io.now ?? Date.now)(), requestId);
  const job = (await client.request('POST', `/executions/${BULK_COMMANDS[command]}`, body)) as JobView;
  if (given === undefined) {
    // Relative times are sent resolved: the same request again names the same times.
    const again = [
      `--request-id ${requestId}`,
      ...(values.since !== undefined ? [`--since ${String(body.startedAfter)}`] : []),
      ...(values.until !== undefined ? [`--until ${String(body.startedBefore)}`] : []),
    ].join(' ');
    // With --json, stdout is the job's JSON alone.
    (values.json ? io.stderr : io.stdout).write(
      `request id: ${requestId} (re-run with ${again} to get the same job)\n`,
    );
  }
  return values.wait ? waitForJob(job, client, io, Boolean(values.json)) : shown(job, io, Boolean(values.json));
}

/** Runs `job <id> [--wait]`: shows the job, or follows it to the end. */
export async function runJob(id: string, values: BulkOptions, client: ApiClient, io: CliIo): Promise<number> {
  const flag = FILTER_FLAGS.find((f) => values[f] !== undefined);
  if (flag !== undefined) throw new UsageError(`job does not take --${flag} (redrive, bulk-cancel and bulk-pause do)`);
  const job = await getJob(client, id);
  return values.wait ? waitForJob(job, client, io, Boolean(values.json)) : shown(job, io, Boolean(values.json));
}

function getJob(client: ApiClient, id: string): Promise<JobView> {
  return client.request('GET', `/jobs/${encodeURIComponent(id)}`) as Promise<JobView>;
}

function shown(job: JobView, io: CliIo, json: boolean): number {
  io.stdout.write(json ? `${JSON.stringify(job, null, 2)}\n` : formatJob(job));
  if (!json && job.state === 'running') io.stdout.write(`follow:   longrunning job ${job.id} --wait\n`);
  return 0;
}

/**
 * Polls the job until it completes, a line each time its counts change (none with
 * `--json`: stdout is then the final job's JSON alone), then the job. Exit code 0
 * when no execution failed, 1 otherwise.
 */
async function waitForJob(first: JobView, client: ApiClient, io: CliIo, json: boolean): Promise<number> {
  const interval = io.watchIntervalMs ?? 1_000;
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let job = first;
  let last = '';
  for (;;) {
    const line = `${job.state}: ${formatCounts(job)} (${plural(job.pages, 'page')})`;
    if (!json && line !== last) io.stdout.write(`${line}\n`);
    last = line;
    if (job.state === 'completed') break;
    await sleep(interval);
    job = await getJob(client, job.id);
  }
  io.stdout.write(json ? `${JSON.stringify(job, null, 2)}\n` : formatJob(job));
  return job.counts.failed > 0 ? 1 : 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `matched 200, changed 198, skipped 2, failed 0`. */
export function formatCounts(job: JobView): string {
  const c = job.counts;
  return `matched ${c.matched}, changed ${c.changed}, skipped ${c.skipped}, failed ${c.failed}`;
}

/** A job as a header line (`job <id>: redrive, completed`) and `key: value` lines, then its failures. */
export function formatJob(job: JobView): string {
  const f = job.filter;
  const filter = [
    `state ${f.state}`,
    ...(f.workflow !== undefined ? [`workflow ${f.workflow}`] : []),
    ...(f.errorCode !== undefined ? [`error code ${f.errorCode}`] : []),
    ...(f.startedAfter !== undefined ? [`started at or after ${f.startedAfter}`] : []),
    ...(f.startedBefore !== undefined ? [`started before ${f.startedBefore}`] : []),
    `max ${f.max}`,
  ];
  const lines = [
    `job ${job.id}: ${job.action}, ${job.state}`,
    `filter:   ${filter.join(', ')}`,
    `counts:   ${formatCounts(job)}`,
    `pages:    ${job.pages}`,
    `created:  ${job.createdAt}`,
    `updated:  ${job.updatedAt}`,
  ];
  if (job.endTime !== undefined) lines.push(`ended:    ${job.endTime}`);
  if (job.failures.length > 0) {
    const shownOf =
      job.counts.failed > job.failures.length ? ` (the last ${job.failures.length} of ${job.counts.failed})` : '';
    lines.push(`failures:${shownOf}`);
    for (const x of job.failures) lines.push(`  ${x.executionId}  ${x.error.code}: ${x.error.message}`);
  }
  return lines.join('\n') + '\n';
}
