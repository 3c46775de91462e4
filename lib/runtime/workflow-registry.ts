import { ValidationError } from '../core/errors.js';
import { StepRegistry } from '../core/step-registry.js';
import type { StepFunc } from '../core/types.js';
import { isDefinedWorkflow, type Workflow } from './workflow.js';

/**
 * The workflows a deployment knows, and through them every step by name: the
 * worker runs the step an execution names, whichever workflow it came from.
 * A step name means one function across all workflows.
 *
 * @example
 * const workflows = new WorkflowRegistry().register(research);
 * workflows.step('plan'); // the function
 */
export class WorkflowRegistry {
  readonly #workflows = new Map<string, Workflow>();
  readonly #steps = new StepRegistry();
  /** Which workflow registered each step name first, for conflict messages. */
  readonly #origin = new Map<string, string>();

  /**
   * Adds `workflow` (again is a no-op). Refuses a different workflow under a name
   * already registered, and a step name another workflow uses for a different
   * function; nothing is added when it refuses.
   */
  register(workflow: Workflow): this {
    if (!isDefinedWorkflow(workflow))
      throw new ValidationError('only workflows made by defineWorkflow can be registered');
    const existing = this.#workflows.get(workflow.name);
    if (existing === workflow) return this;
    if (existing !== undefined) {
      throw new ValidationError(`a different workflow named "${workflow.name}" is already registered`, {
        workflow: workflow.name,
      });
    }
    for (const step of workflow.steps) {
      const known = this.#steps.get(step.name);
      if (known !== undefined && known !== step.fn) {
        const registeredBy = this.#origin.get(step.name);
        throw new ValidationError(
          `step "${step.name}" of workflow "${workflow.name}" is a different function from the step of that name in workflow "${registeredBy}"`,
          { step: step.name, workflow: workflow.name, registeredBy },
        );
      }
    }
    this.#workflows.set(workflow.name, workflow);
    for (const step of workflow.steps) {
      if (this.#steps.has(step.name)) continue;
      this.#steps.register(step.name, step.fn);
      this.#origin.set(step.name, workflow.name);
    }
    return this;
  }

  /** The workflow called `name`, or undefined. */
  get(name: string): Workflow | undefined {
    return this.#workflows.get(name);
  }

  /** True when a workflow called `name` is registered. */
  has(name: string): boolean {
    return this.#workflows.has(name);
  }

  /** The registered workflows, in registration order. */
  list(): Workflow[] {
    return [...this.#workflows.values()];
  }

  /** The workflow that registered the step called `name` (the first to declare it), or undefined. */
  stepWorkflow(name: string): Workflow | undefined {
    const origin = this.#origin.get(name);
    return origin === undefined ? undefined : this.#workflows.get(origin);
  }

  /** The step function called `name` from any registered workflow, or undefined. */
  step(name: string): StepFunc | undefined {
    return this.#steps.get(name);
  }
}
