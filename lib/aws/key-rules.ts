import { ValidationError } from '../core/errors.js';

/** DynamoDB refuses key values over 2048 bytes (partition) or 1024 (sort); stay well inside. */
const MAX_KEY_PART_BYTES = 1024;

/** True for a string that can be part of a key: not empty, at most 1024 UTF-8 bytes. */
export function isKeyPart(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && Buffer.byteLength(value, 'utf8') <= MAX_KEY_PART_BYTES;
}

/** Throws VALIDATION_ERROR unless `value` can be part of a key (see {@link isKeyPart}). */
export function assertKeyPart(value: unknown, what: string): asserts value is string {
  if (!isKeyPart(value)) {
    throw new ValidationError(`${what} must be a non-empty string of at most ${MAX_KEY_PART_BYTES} bytes`, { what });
  }
}
