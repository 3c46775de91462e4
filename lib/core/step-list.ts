import { ValidationError } from './errors.js';
import { validateLimits } from './limits.js';
import { isPrintableName } from './printable.js';
import type { NamedStep, StepFunc } from './types.js';

export { isPrintableName };

/** Longest step name, in characters. */
export const MAX_STEP_NAME_LENGTH = 128;
/** Longest execution name, in characters. */
export const MAX_EXECUTION_NAME_LENGTH = 256;

/** Step names are 1 to 128 characters without control characters (VALIDATION_ERROR otherwise). */
export function assertStepName(name: unknown): asserts name is string {
  if (!isPrintableName(name, MAX_STEP_NAME_LENGTH)) {
    throw new ValidationError(
      `step name must be a non-empty string of at most ${MAX_STEP_NAME_LENGTH} printable characters, got ${JSON.stringify(name)}`,
    );
  }
}

/**
 * Execution names (a display name, on both faces) are 1 to 256 characters without
 * control characters, and not only white space (VALIDATION_ERROR otherwise).
 */
export function assertExecutionName(name: unknown): asserts name is string {
  if (!isPrintableName(name, MAX_EXECUTION_NAME_LENGTH) || name.trim() === '') {
    throw new ValidationError(
      `execution name must be 1 to ${MAX_EXECUTION_NAME_LENGTH} printable characters, not only spaces, got ${JSON.stringify(name)}`,
    );
  }
}

/**
 * Checks a list of named steps, the one rule both faces apply (the Executor's
 * `createNamedExecution` and `defineWorkflow`): an array of `{ name, fn }` with valid
 * names and functions, where a name used twice names the same function both times.
 * Returns frozen copies of the steps, in order. `where` starts each error message.
 */
export function checkNamedSteps<S>(steps: unknown, where: string): readonly NamedStep<S>[] {
  if (!Array.isArray(steps)) throw new ValidationError(`${where}: steps must be an array of { name, fn }`);
  const byName = new Map<string, StepFunc<S>>();
  return steps.map((step: unknown, i) => {
    if (step === null || typeof step !== 'object')
      throw new ValidationError(`${where}: steps[${i}] must be { name, fn }`);
    const { name, fn, limits } = step as { name: unknown; fn: unknown; limits?: unknown };
    assertStepName(name);
    if (typeof fn !== 'function') {
      throw new ValidationError(`${where}: step "${name}" (steps[${i}]) must have a function fn, got ${typeof fn}`);
    }
    const earlier = byName.get(name);
    if (earlier !== undefined && earlier !== fn) {
      throw new ValidationError(`${where}: step name "${name}" is used for two different functions`, { step: name });
    }
    byName.set(name, fn as StepFunc<S>);
    const checked = limits === undefined ? undefined : validateLimits<S>(limits, `${where}: step "${name}"`);
    return Object.freeze({ name, fn: fn as StepFunc<S>, ...(checked ? { limits: checked } : {}) });
  });
}
