import { ValidationError } from './errors.js';
import { assertStepName } from './step-list.js';

/** What happens when an event wait's timeout passes first: fail with WAIT_TIMEOUT, or run on with `ctx.event === null`. */
export type OnTimeout = 'fail' | 'continue';

/** Options of `ctx.waitForEvent`. */
export interface WaitForEventOptions<S> {
  /** The state to commit before waiting; the step after the wait gets it. */
  state: S;
  /** How long to wait, in ms; no timeout when absent. */
  timeoutMs?: number;
  /** What a timeout does; `'fail'` (the default) fails the execution with WAIT_TIMEOUT. */
  onTimeout?: OnTimeout;
  /** The step to run after the wait, instead of the next one in the list. */
  next?: string;
}

/** Options of `ctx.sleep` and `ctx.sleepUntil`. */
export interface SleepOptions {
  /** The step to run after the sleep, instead of the next one in the list. */
  next?: string;
}

/** What a directive asks for, besides committing its state. */
export type DirectiveSpec =
  | { kind: 'sleep'; until: number; next?: string }
  | { kind: 'wait'; eventType: string; timeoutMs?: number; onTimeout: OnTimeout; next?: string }
  | { kind: 'goto'; next: string };

/**
 * A step's result that asks for more than "run the next step": sleep, wait for an
 * event, or go to a named step. Only the helpers on a step's context make one; a
 * plain object with the same fields is just state.
 */
export class StepDirective<S = unknown> {
  /** @internal Made by the context helpers only. */
  constructor(
    readonly state: S,
    readonly spec: Readonly<DirectiveSpec>,
  ) {
    Object.freeze(this);
  }
}

/** What a step returns: its next state, or a directive made by its context. */
export type StepResult<S> = S | StepDirective<S>;

/** True for a directive made by a step context's helpers. */
export function isStepDirective(value: unknown): value is StepDirective {
  return value instanceof StepDirective;
}

/** Longest event type, in characters. Event types follow the step-name rule. */
export const MAX_EVENT_TYPE_LENGTH = 128;

/** Throws VALIDATION_ERROR unless `type` is a valid event type (1 to 128 printable characters). */
export function assertEventType(type: unknown): asserts type is string {
  try {
    assertStepName(type);
  } catch {
    throw new ValidationError(
      `event type must be a non-empty string of at most ${MAX_EVENT_TYPE_LENGTH} printable characters, got ${JSON.stringify(type)}`,
    );
  }
}

/** The helpers a step context offers, bound to one step run (they need no `this`: `const { goto } = ctx` works). */
export interface DirectiveHelpers {
  sleep<S>(this: void, ms: number, state: S, options?: SleepOptions): StepDirective<S>;
  sleepUntil<S>(this: void, at: Date | number, state: S, options?: SleepOptions): StepDirective<S>;
  waitForEvent<S>(this: void, type: string, options: WaitForEventOptions<S>): StepDirective<S>;
  goto<S>(this: void, stepName: string, state: S): StepDirective<S>;
}

/**
 * The directive helpers of one step run. `now` reads the run's clock; `stepNames`
 * are the execution's steps, which a `next` or `goto` must name (VALIDATION_ERROR
 * otherwise, which fails the attempt).
 */
export function directiveHelpers(now: () => number, stepNames: readonly string[]): DirectiveHelpers {
  const target = (name: unknown, helper: string): string => {
    if (typeof name !== 'string' || !stepNames.includes(name)) {
      throw new ValidationError(
        `${helper}: ${JSON.stringify(name)} is not a step of this execution (its steps: ${stepNames.join(', ')})`,
        { step: name },
      );
    }
    return name;
  };
  const nextOf = (options: SleepOptions | undefined, helper: string): { next?: string } => {
    if (options !== undefined && (options === null || typeof options !== 'object'))
      throw new ValidationError(`${helper}: options must be an object`);
    return options?.next === undefined ? {} : { next: target(options.next, `${helper} next`) };
  };
  const sleepUntil = <S>(at: Date | number, state: S, options?: SleepOptions): StepDirective<S> => {
    const time = at instanceof Date ? at.getTime() : at;
    if (typeof time !== 'number' || !Number.isFinite(time))
      throw new ValidationError(`sleepUntil: the time must be a valid Date or epoch milliseconds, got ${String(at)}`);
    // Whole milliseconds, as the stores keep times: rounded up, so a wait never ends early.
    const until = Math.ceil(time);
    return new StepDirective(state, { kind: 'sleep', until, ...nextOf(options, 'sleepUntil') });
  };
  return {
    sleep: (ms, state, options) => {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
        throw new ValidationError(`sleep: ms must be a finite number of milliseconds >= 0, got ${String(ms)}`);
      return sleepUntil(now() + ms, state, options);
    },
    sleepUntil,
    waitForEvent: (type, options) => {
      assertEventType(type);
      if (options === null || typeof options !== 'object' || !('state' in options))
        throw new ValidationError('waitForEvent: options must be an object with the state to commit');
      const { timeoutMs, onTimeout = 'fail' } = options;
      if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0))
        throw new ValidationError(`waitForEvent: timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`);
      if (onTimeout !== 'fail' && onTimeout !== 'continue')
        throw new ValidationError(`waitForEvent: onTimeout must be 'fail' or 'continue', got ${String(onTimeout)}`);
      return new StepDirective(options.state, {
        kind: 'wait',
        eventType: type,
        onTimeout,
        // Whole milliseconds, as the stores keep them: rounded up, so a wait never ends early.
        ...(timeoutMs === undefined ? {} : { timeoutMs: Math.ceil(timeoutMs) }),
        ...nextOf(options, 'waitForEvent'),
      });
    },
    goto: (stepName, state) => new StepDirective(state, { kind: 'goto', next: target(stepName, 'goto') }),
  };
}
