import { ValidationError } from '../core/errors.js';
import type { NamedStep, StepFunc } from '../core/types.js';
import { assertStepName } from '../core/step-registry.js';

/** Workflow names: a letter or digit, then up to 63 letters, digits, `_`, `.` or `-`. */
export const WORKFLOW_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A named, ordered list of steps that executions run. Frozen once defined. */
export interface Workflow {
  readonly name: string;
  readonly version?: string;
  /** The step names in order; an execution stores these. */
  readonly stepNames: readonly string[];
  readonly steps: readonly NamedStep[];
}

/** What {@link defineWorkflow} takes: steps that pass a state of type `S` along. */
export interface WorkflowDefinition<S = unknown> {
  name: string;
  version?: string;
  steps: readonly NamedStep<S>[];
}

/**
 * Checks and freezes a workflow: a valid name, at least one step, valid step names,
 * and a name used twice must name the same function both times.
 *
 * @example
 * interface Research { topic: string; plan?: string[]; done?: boolean }
 * const research = defineWorkflow<Research>({
 *   name: 'research',
 *   steps: [
 *     { name: 'plan', fn: async (s) => ({ ...s, plan: ['a', 'b'] }) },
 *     { name: 'write', fn: async (s) => ({ ...s, done: true }) },
 *   ],
 * });
 */
export function defineWorkflow<S = unknown>(definition: WorkflowDefinition<S>): Workflow {
  if (definition === null || typeof definition !== 'object')
    throw new ValidationError('workflow definition must be an object');
  const { name, version, steps } = definition;
  if (typeof name !== 'string' || !WORKFLOW_NAME_PATTERN.test(name)) {
    throw new ValidationError(
      `workflow name must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit, got ${JSON.stringify(name)}`,
      { name },
    );
  }
  if (version !== undefined && (typeof version !== 'string' || version.length === 0 || version.length > 64)) {
    throw new ValidationError(`workflow ${name}: version must be a string of 1 to 64 characters`);
  }
  if (!Array.isArray(steps) || steps.length === 0) {
    throw new ValidationError(`workflow ${name} must have at least one step`);
  }
  const byName = new Map<string, StepFunc>();
  const frozenSteps = (steps as unknown as readonly NamedStep[]).map((step, i) => {
    if (step === null || typeof step !== 'object')
      throw new ValidationError(`workflow ${name}: step ${i} must be an object`);
    assertStepName(step.name);
    if (typeof step.fn !== 'function') {
      throw new ValidationError(`workflow ${name}: step "${step.name}" must have a function fn, got ${typeof step.fn}`);
    }
    const seen = byName.get(step.name);
    if (seen !== undefined && seen !== step.fn) {
      throw new ValidationError(`workflow ${name}: step name "${step.name}" is used for two different functions`, {
        step: step.name,
      });
    }
    byName.set(step.name, step.fn);
    return Object.freeze({ name: step.name, fn: step.fn });
  });
  const workflow: Workflow = Object.freeze({
    name,
    ...(version === undefined ? {} : { version }),
    stepNames: Object.freeze(frozenSteps.map((s) => s.name)),
    steps: Object.freeze(frozenSteps),
  });
  defined.add(workflow);
  return workflow;
}

const defined = new WeakSet<Workflow>();

/** True for a workflow made (and so checked) by {@link defineWorkflow}. */
export function isDefinedWorkflow(value: unknown): value is Workflow {
  return typeof value === 'object' && value !== null && defined.has(value as Workflow);
}
