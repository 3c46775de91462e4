import { randomBytes } from 'node:crypto';
import { ValidationError } from './errors.js';

/** A new id: `prefix` + `_` + 32 lowercase hex characters (128 random bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

/** The random half of this process's sequential ids; drawn on first use. */
let sequencePrefix: string | undefined;
let sequenceCount = 0;

/**
 * A new id, unique within this process and, with overwhelming likelihood, across
 * processes, in the same shape as {@link newId}: `prefix` + `_` + 32 lowercase hex
 * characters. The first 16 are random, drawn once per process; the last 16 count
 * up. Much cheaper than {@link newId} (no call for random bytes each time), so it
 * suits ids made at every step, such as checkpoint ids, that need to be unique but
 * not unguessable.
 */
export function newSequentialId(prefix: string): string {
  sequencePrefix ??= randomBytes(8).toString('hex');
  sequenceCount++;
  return `${prefix}_${sequencePrefix}${sequenceCount.toString(16).padStart(16, '0')}`;
}

/** A new execution id, `exec_` + 32 lowercase hex characters. */
export function newExecutionId(): string {
  return newId('exec');
}

/**
 * Execution ids (and idempotency keys) accepted at the edges: letters, digits, `_`,
 * `-` and `.`, 1 to 128 characters, not starting with a dot. Safe as a file name and
 * as a key part.
 */
export const EXECUTION_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/** The rule of {@link EXECUTION_ID_PATTERN} in words, for error messages. */
export const SAFE_ID_RULE = '1 to 128 letters, digits, "_", "-" or ".", not starting with a dot';

/** True for an id that is safe to use as a file name and a storage key. */
export function isSafeId(id: unknown): id is string {
  return typeof id === 'string' && EXECUTION_ID_PATTERN.test(id);
}

/**
 * Returns `id` when it is a safe id (see {@link isSafeId}); otherwise throws
 * {@link ValidationError} (code `VALIDATION_ERROR`) naming `what` and the value.
 */
export function assertSafeId(id: unknown, what = 'execution id'): string {
  if (!isSafeId(id)) {
    const shown = typeof id === 'string' ? JSON.stringify(id) : `a ${id === null ? 'null' : typeof id}`;
    throw new ValidationError(`invalid ${what} ${shown}: use ${SAFE_ID_RULE}`, { [fieldName(what)]: id });
  }
  return id;
}

function fieldName(what: string): string {
  return what === 'execution id' ? 'id' : what;
}
