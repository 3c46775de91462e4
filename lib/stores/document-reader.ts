import { isJsonObject, type JsonObject } from '../core/json.js';
import { parseRfc3339 } from './rfc3339-time.js';

/** Builds the error thrown when `field` of a document does not hold what it should. */
export type FieldErrorFactory = (field: string, problem: string) => Error;

/**
 * Reads typed fields out of an untrusted JSON document, naming the field (a path such
 * as `checkpoints[2].timestamp`) in the error when a value is missing or malformed.
 * `null` counts as absent for optional fields, as Go's `encoding/json` treats it.
 */
export class DocumentReader {
  constructor(private readonly makeError: FieldErrorFactory) {}

  /** Throws the reader's error for `field`, saying what was expected and what was found. */
  fail(field: string, expected: string, value: unknown): never {
    const problem =
      value === undefined ? `is missing (expected ${expected})` : `must be ${expected}, got ${preview(value)}`;
    throw this.makeError(field, problem);
  }

  object(value: unknown, field: string): JsonObject {
    if (!isJsonObject(value)) this.fail(field, 'an object', value);
    return value;
  }

  optionalObject(value: unknown, field: string): JsonObject | undefined {
    return value === undefined || value === null ? undefined : this.object(value, field);
  }

  string(value: unknown, field: string, options: { nonEmpty?: boolean } = {}): string {
    if (typeof value !== 'string') this.fail(field, 'a string', value);
    if (options.nonEmpty && value === '') this.fail(field, 'a non-empty string', value);
    return value;
  }

  optionalString(value: unknown, field: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, field);
  }

  /** A finite number within `[min, max]`. */
  number(value: unknown, field: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.fail(field, `a number from ${min} to ${max}`, value);
    }
    return value;
  }

  /** A whole number, 0 or more (Go `int`). */
  count(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      this.fail(field, 'a whole number, 0 or more', value);
    }
    return value;
  }

  timestamp(value: unknown, field: string): Date {
    const date = typeof value === 'string' ? parseRfc3339(value) : undefined;
    if (date === undefined) this.fail(field, 'an RFC 3339 timestamp in years 0000-9999 (UTC)', value);
    return date;
  }

  optionalTimestamp(value: unknown, field: string): Date | undefined {
    return value === undefined || value === null ? undefined : this.timestamp(value, field);
  }

  /** An array; absent or `null` reads as empty, like a nil Go slice. */
  array(value: unknown, field: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(field, 'an array', value);
    return value as unknown[];
  }

  stringArray(value: unknown, field: string): string[] {
    return this.array(value, field).map((item, i) => this.string(item, `${field}[${i}]`));
  }
}

const PREVIEW_LIMIT = 60;

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > PREVIEW_LIMIT ? `${text.slice(0, PREVIEW_LIMIT)}...` : text;
}
