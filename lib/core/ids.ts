import { randomBytes } from 'node:crypto';

/** A new id: `prefix` + `_` + 32 lowercase hex characters (128 random bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

/** A new execution id, `exec_` + 32 lowercase hex characters. */
export function newExecutionId(): string {
  return newId('exec');
}

/**
 * Execution ids accepted at the edges: letters, digits, `_`, `-` and `.`, 1 to 128
 * characters, not starting with a dot. Safe as a file name and as a key part.
 */
export const EXECUTION_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/** True for an id that is safe to use as a file name and a storage key. */
export function isSafeId(id: unknown): id is string {
  return typeof id === 'string' && EXECUTION_ID_PATTERN.test(id);
}
