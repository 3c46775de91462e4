/**
 * Flow control declarations: how many runs of a step may hold a key at once
 * (`concurrency`) and how often a key may be taken (`perSecond`, `perMinute`),
 * across executions. A key names what is limited, such as a model provider or a
 * provider per tenant: a string, or a function of the step's input state,
 * evaluated when the step is about to run. Pure rules shared by both faces.
 */
import { LongRunningError, ErrorCode, ValidationError } from './errors.js';
import { isPrintableName } from './printable.js';

/** One limit of a step (or of every step of a workflow). */
export interface LimitSpec<S = unknown> {
  /** What is limited: `'openai'`, or `(s) => 'openai:' + s.tenant`. */
  key: string | ((state: S) => string);
  /** At most this many runs hold the key at once (a whole number from 1 to 10,000). */
  concurrency?: number;
  /** At most this many runs start per second (a number greater than 0). */
  perSecond?: number;
  /** At most this many runs start per minute (a number greater than 0). */
  perMinute?: number;
}

/** The most limits one step may have (its own and its workflow's together). */
export const MAX_LIMITS_PER_STEP = 8;
/** The largest `concurrency`. */
export const MAX_CONCURRENCY = 10_000;

/** Checks a limit key: 1 to 200 characters, no control characters. */
export function assertLimitKey(key: unknown, what: string): string {
  if (!isPrintableName(key, 200))
    throw new ValidationError(
      `${what} must be a string of 1 to 200 characters without control characters, got ${JSON.stringify(key) ?? String(key)}`,
    );
  return key;
}

/**
 * Checks a list of limit declarations (`where` names them in errors, such as
 * `step "call-model"`): each has a key (a valid string or a function) and at
 * least one of `concurrency` (whole, 1 to 10,000), `perSecond` and `perMinute`
 * (finite, greater than 0), and nothing else.
 */
export function validateLimits<S>(limits: unknown, where: string): readonly LimitSpec<S>[] {
  if (!Array.isArray(limits))
    throw new ValidationError(`${where}: limits must be an array of { key, concurrency?, perSecond?, perMinute? }`);
  if (limits.length > MAX_LIMITS_PER_STEP)
    throw new ValidationError(`${where}: at most ${MAX_LIMITS_PER_STEP} limits, got ${limits.length}`);
  return Object.freeze(
    limits.map((raw: unknown, i) => {
      const what = `${where}: limits[${i}]`;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new ValidationError(`${what} must be an object`);
      const spec = raw as Record<string, unknown>;
      const unknown = Object.keys(spec).filter((k) => !['key', 'concurrency', 'perSecond', 'perMinute'].includes(k));
      if (unknown.length > 0)
        throw new ValidationError(`${what}: unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
      if (typeof spec['key'] !== 'function') assertLimitKey(spec['key'], `${what}.key`);
      const { concurrency, perSecond, perMinute } = spec;
      if (concurrency === undefined && perSecond === undefined && perMinute === undefined)
        throw new ValidationError(`${what} must set concurrency, perSecond or perMinute`);
      if (
        concurrency !== undefined &&
        (!Number.isInteger(concurrency) || (concurrency as number) < 1 || (concurrency as number) > MAX_CONCURRENCY)
      )
        throw new ValidationError(
          `${what}.concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${JSON.stringify(concurrency)}`,
        );
      for (const [name, rate] of [
        ['perSecond', perSecond],
        ['perMinute', perMinute],
      ] as const) {
        if (rate !== undefined && (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0))
          throw new ValidationError(`${what}.${name} must be a number greater than 0, got ${JSON.stringify(rate)}`);
      }
      return Object.freeze({ ...spec }) as unknown as LimitSpec<S>;
    }),
  );
}

/**
 * The key of `spec` for a step whose input is `state`. A key function that throws
 * or returns something other than a valid key fails the attempt with an error
 * that names the step (`STEP_FAILED`), on both faces: retried like any failed
 * attempt, then the execution fails.
 */
export function limitKeyOf<S>(spec: LimitSpec<S>, state: S, stepName: string): string {
  if (typeof spec.key === 'string') return spec.key;
  let key: unknown;
  try {
    key = spec.key(state);
  } catch (err) {
    throw new LongRunningError(
      ErrorCode.StepFailed,
      `the limit key function of step "${stepName}" threw: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err, details: { step: stepName } },
    );
  }
  try {
    return assertLimitKey(key, `the limit key of step "${stepName}"`);
  } catch (err) {
    throw new LongRunningError(ErrorCode.StepFailed, (err as Error).message, { details: { step: stepName } });
  }
}

/** The bounds of one key: `concurrency` runs at once, starts spaced by the rates. */
export interface KeyBounds {
  concurrency?: number;
  perSecond?: number;
  perMinute?: number;
}

/** One key to take before a step's attempt runs, with its bounds. */
export interface KeyClaim extends KeyBounds {
  key: string;
}

/**
 * The keys a step's attempt takes, for its input `state`: each limit's key
 * evaluated (a key function that throws fails the attempt, naming the step), two
 * limits on one key merged (the tighter of each bound), sorted by key so that
 * attempts holding different keys never wait on each other in a circle.
 */
export function claimsOf<S>(specs: readonly LimitSpec<S>[], state: S, stepName: string): KeyClaim[] {
  const byKey = new Map<string, KeyClaim>();
  for (const spec of specs) {
    const key = limitKeyOf(spec, state, stepName);
    const claim = byKey.get(key) ?? { key };
    for (const name of ['concurrency', 'perSecond', 'perMinute'] as const) {
      const value = spec[name];
      if (value !== undefined) claim[name] = Math.min(value, claim[name] ?? Infinity);
    }
    byKey.set(key, claim);
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
