import { ValidationError } from '../core/errors.js';
import { isSafeId } from '../core/ids.js';
import type { StepMessage } from './model.js';
import type { JobMessage } from './bulk-model.js';

/** The longest delay a step message can be sent with (SQS's DelaySeconds limit, 15 minutes). */
export const MAX_DELAY_SECONDS = 900;

/** Throws VALIDATION_ERROR unless `delaySeconds` is a whole number from 0 to {@link MAX_DELAY_SECONDS}. */
export function assertDelaySeconds(delaySeconds: unknown): asserts delaySeconds is number {
  if (
    typeof delaySeconds !== 'number' ||
    !Number.isSafeInteger(delaySeconds) ||
    delaySeconds < 0 ||
    delaySeconds > MAX_DELAY_SECONDS
  ) {
    throw new ValidationError(
      `delaySeconds must be a whole number from 0 to ${MAX_DELAY_SECONDS}, got ${String(delaySeconds)}`,
      {
        delaySeconds,
      },
    );
  }
}

/** The result of {@link parseStepMessage}: the message, or why it is not one. */
export type ParsedStepMessage = { ok: true; message: StepMessage } | { ok: false; reason: string };

const KEYS = ['executionId', 'step', 'token', 'v'];
const OPTIONAL_KEYS = ['throttle', 'wake'];

/**
 * Checks a step message body strictly: an object (or its JSON text) with exactly
 * `v: 1`, a safe `executionId`, whole, non-negative `step` and `token`, and
 * optionally `wake: true` (a timer message). Never throws: a malformed body is
 * reported, so the worker can drop it.
 */
export function parseStepMessage(body: unknown): ParsedStepMessage {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { ok: false, reason: 'body is not JSON' };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, reason: 'body is not an object' };
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  const expected = [...KEYS, ...OPTIONAL_KEYS.filter((k) => k in record)].sort();
  if (keys.length !== expected.length || keys.some((k, i) => k !== expected[i])) {
    return {
      ok: false,
      reason: `body must have exactly the fields ${KEYS.join(', ')} (and optionally ${OPTIONAL_KEYS.join(' or ')}), got ${keys.join(', ') || 'none'}`,
    };
  }
  const { v, executionId, step, token, wake, throttle } = record;
  if (v !== 1) return { ok: false, reason: `unsupported message version ${JSON.stringify(v)}` };
  if (!isSafeId(executionId)) return { ok: false, reason: 'executionId is not a valid execution id' };
  if (!isIndex(step)) return { ok: false, reason: 'step must be a whole number of at least 0' };
  if (!isIndex(token)) return { ok: false, reason: 'token must be a whole number of at least 0' };
  if (wake !== undefined && wake !== true) return { ok: false, reason: 'wake must be true when present' };
  if (throttle !== undefined && !isThrottle(throttle))
    return { ok: false, reason: 'throttle must be { count, since } with whole numbers of at least 0' };
  if (throttle !== undefined && wake !== undefined) return { ok: false, reason: 'a wake message has no throttle' };
  const message: StepMessage = { v: 1, executionId, step, token };
  if (wake === true) message.wake = true;
  if (throttle !== undefined) message.throttle = { count: throttle.count, since: throttle.since };
  return { ok: true, message };
}

/**
 * `message` with only its own fields, after the checks of {@link parseStepMessage}
 * (or {@link parseJobMessage}): what a {@link StepQueue} sends. VALIDATION_ERROR names the problem.
 */
export function checkedStepMessage<M extends StepMessage | JobMessage>(message: M): M {
  if (isJobMessageShape(message)) {
    const job = parseJobMessage(message);
    if (!job) throw new ValidationError('invalid job message: needs v 1, a safe job id and a whole page number');
    return job as M;
  }
  const parsed = parseStepMessage(message);
  if (!parsed.ok) throw new ValidationError(`invalid step message: ${parsed.reason}`, { reason: parsed.reason });
  return parsed.message as M;
}

/** True for a body shaped like a job message (it has a `job` field): {@link parseJobMessage} decides whether it is one. */
export function isJobMessageShape(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'job' in body;
}

/** The job message in `body` (exactly `v: 1`, a safe `job` id and a whole `page`), or undefined. */
export function parseJobMessage(body: unknown): JobMessage | undefined {
  if (!isJobMessageShape(body)) return undefined;
  const record = body as Record<string, unknown>;
  const keys = Object.keys(record).sort().join(',');
  const { v, job, page } = record;
  if (keys !== 'job,page,v' || v !== 1 || !isSafeId(job) || !isIndex(page)) return undefined;
  return { v: 1, job, page };
}

/** The message that runs step `step` of `executionId` under fencing token `token`. */
export function stepMessage(executionId: string, step: number, token: number): StepMessage {
  return { v: 1, executionId, step, token };
}

/** The timer message that ends the wait of `executionId` (waiting at version `token`, before step `step`) once it is due. */
export function wakeMessage(executionId: string, step: number, token: number): StepMessage {
  return { v: 1, executionId, step, token, wake: true };
}

function isThrottle(value: unknown): value is { count: number; since: number } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value).sort().join(',');
  const { count, since } = value as Record<string, unknown>;
  return keys === 'count,since' && isIndex(count) && isIndex(since);
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
