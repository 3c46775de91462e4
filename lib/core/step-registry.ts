import { ValidationError } from './errors.js';
import { assertStepName } from './step-list.js';
import type { StepFunc } from './types.js';

/**
 * Named step functions, so that an execution stored with its step names can be
 * rebuilt and resumed after a restart. The Executor keeps one; a
 * `WorkflowRegistry` keeps one for the steps of all its workflows.
 *
 * @example
 * const registry = new StepRegistry();
 * registry.register('plan', async (state) => ({ ...state, plan: ['a', 'b'] }));
 * registry.get('plan'); // the function
 */
export class StepRegistry {
  readonly #steps = new Map<string, StepFunc>();

  /** Registers (or replaces) the step called `name`. */
  register<S>(name: string, fn: StepFunc<S>): void {
    assertStepName(name);
    if (typeof fn !== 'function') throw new ValidationError(`step "${name}" must be a function, got ${typeof fn}`);
    this.#steps.set(name, fn as StepFunc);
  }

  /** The step called `name`, or undefined. */
  get(name: string): StepFunc | undefined {
    return this.#steps.get(name);
  }

  /** True when a step called `name` is registered. */
  has(name: string): boolean {
    return this.#steps.has(name);
  }

  /** The registered names, in registration order. */
  names(): string[] {
    return [...this.#steps.keys()];
  }
}
