import { ValidationError } from './errors.js';

/** A JSON object: not null, not an array. */
export type JsonObject = Record<string, unknown>;

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws {@link ValidationError} unless `value` is plain JSON: null, booleans,
 * finite numbers, strings, arrays and plain objects of those. Object properties
 * whose value is `undefined` are allowed (JSON drops them). Dates, Maps, class
 * instances, functions, bigints and cycles are refused, so that what a step is
 * given after a restart is exactly what was stored.
 */
export function assertJsonValue(value: unknown, what: string): void {
  const problem = findProblem(value, '$', new Set(), 0);
  if (problem !== undefined) {
    throw new ValidationError(`${what} must be JSON-serializable: ${problem}`, { what });
  }
}

/** Deeper values are refused: DynamoDB allows 32 levels of nesting, and deep recursion is a stack overflow. */
export const MAX_JSON_DEPTH = 32;

function findProblem(value: unknown, path: string, ancestors: Set<object>, depth: number): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `${path} is nested more than ${MAX_JSON_DEPTH} levels deep`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${String(value)}`;
  if (value === undefined) return `${path} is undefined`;
  if (typeof value !== 'object') return `${path} is a ${typeof value}`;
  if (ancestors.has(value)) return `${path} is a circular reference`;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        if (item === undefined) return `${path}[${i}] is undefined`;
        const problem = findProblem(item, `${path}[${i}]`, ancestors, depth + 1);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain object';
      return `${path} is a ${kind} (convert it to plain JSON, for example a Date to an ISO string)`;
    }
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const problem = findProblem(item, `${path}.${key}`, ancestors, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}
