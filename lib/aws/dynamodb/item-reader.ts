import { ErrorCode, LongRunningError } from '../../core/errors.js';

/** Reads typed fields out of a stored item, failing with `CORRUPT_RECORD` naming the field. */
export class ItemReader {
  readonly #item: Readonly<Record<string, unknown>>;
  readonly #source: string;

  constructor(item: Readonly<Record<string, unknown>>, source: string) {
    this.#item = item;
    this.#source = source;
  }

  /** A required string. */
  string(field: string): string {
    const value = this.#item[field];
    if (typeof value !== 'string') throw this.fail(field, 'a string', value);
    return value;
  }

  /** An optional string. */
  optionalString(field: string): string | undefined {
    return this.#item[field] === undefined ? undefined : this.string(field);
  }

  /** A required finite number. */
  number(field: string): number {
    const value = this.#item[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.fail(field, 'a number', value);
    return value;
  }

  /** An optional finite number. */
  optionalNumber(field: string): number | undefined {
    return this.#item[field] === undefined ? undefined : this.number(field);
  }

  /** A required list. */
  list(field: string): unknown[] {
    const value = this.#item[field];
    if (!Array.isArray(value)) throw this.fail(field, 'a list', value);
    return value;
  }

  /** A required map. */
  map(field: string): Record<string, unknown> {
    const value = this.#item[field];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.fail(field, 'a map', value);
    return value as Record<string, unknown>;
  }

  /** A JSON document stored as a string; `undefined` when the attribute is absent. */
  json(field: string): unknown {
    const text = this.optionalString(field);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (thrown) {
      throw this.fail(field, 'JSON text', text.slice(0, 40), thrown);
    }
  }

  /** The error to throw for a field that is not what it must be. */
  fail(field: string, expected: string, got: unknown, cause?: unknown): LongRunningError {
    const shown = typeof got === 'string' ? JSON.stringify(got) : typeof got;
    return new LongRunningError(
      ErrorCode.CorruptRecord,
      `corrupt record in ${this.#source}: field "${field}" must be ${expected}, got ${shown}`,
      { cause, details: { source: this.#source, field } },
    );
  }
}
