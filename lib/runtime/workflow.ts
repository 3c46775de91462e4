import { ValidationError } from '../core/errors.js';
import { checkNamedSteps } from '../core/step-list.js';
import { assertMaxStepRuns } from '../core/waits.js';
import type { NamedStep } from '../core/types.js';
import { validateBudget, type Budget } from '../core/usage.js';
import { MAX_LIMITS_PER_STEP, validateLimits, type LimitSpec } from '../core/limits.js';

/** Workflow names: a letter or digit, then up to 63 letters, digits, `_`, `.` or `-`. */
export const WORKFLOW_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The rule of {@link WORKFLOW_NAME_PATTERN} in words, for error messages. */
export const WORKFLOW_NAME_RULE = '1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit';

/** True for a workflow `version`: a string of 1 to 64 characters. */
export function isWorkflowVersion(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 64;
}

/** A named, ordered list of steps that executions run. Frozen once defined. */
export interface Workflow {
  readonly name: string;
  readonly version?: string;
  /** The step names in order; an execution stores these. */
  readonly stepNames: readonly string[];
  readonly steps: readonly NamedStep[];
  /** Step runs an execution of it may make (loops count every run); DEFAULT_MAX_STEP_RUNS when absent. */
  readonly maxStepRuns?: number;
  /** Whether each commit keeps a checkpoint item (`every`, when absent) or only moves the head (`none`). */
  readonly checkpointHistory?: CheckpointHistory;
  /** Whether the serverless worker runs the next step in the same invocation when time remains (false when absent). */
  readonly chainSteps?: boolean;
  /** The default budget of its executions (a start request's `budget` replaces it). */
  readonly budget?: Readonly<Budget>;
  /** Limits every step of it takes (besides each step's own); see {@link stepLimits}. */
  readonly limits?: readonly LimitSpec[];
}

/**
 * What a commit keeps: `every` step's checkpoint (the history that
 * `GET /executions/{id}/checkpoints` lists), or `none` (the head alone holds the
 * latest state: a commit is one conditional write instead of a two-item
 * transaction, 3 write units a step less with a small state; the listing shows
 * the start's checkpoint only).
 */
export type CheckpointHistory = 'every' | 'none';

/** What {@link defineWorkflow} takes: steps that pass a state of type `S` along. */
export interface WorkflowDefinition<S = unknown> {
  name: string;
  version?: string;
  steps: readonly NamedStep<S>[];
  /** Step runs an execution may make before it fails with STEP_LIMIT_EXCEEDED (default 10,000; Infinity: none). */
  maxStepRuns?: number;
  /** `none`: commits keep no checkpoint items, only the head (cheaper, no history); `every` by default. */
  checkpointHistory?: CheckpointHistory;
  /**
   * Serverless runtime: when a step commits and the next one may run at once, the
   * worker claims it in the same write and runs it in the same invocation while
   * time remains (lib/runtime/step-chain.ts), instead of sending a message for it:
   * no claim write, no queue send and no queue hop per chained step. Off by default:
   * one step per invocation is the shape of record. The Executor ignores it.
   */
  chainSteps?: boolean;
  /**
   * Upper bounds of what an execution's steps report using (`ctx.reportUsage`), by
   * unit, such as `{ costUsd: 5 }`: a commit that goes past one pauses the execution
   * with BUDGET_EXCEEDED before its next step. A start request's `budget` replaces it.
   */
  budget?: Budget;
  /**
   * Flow control for every step (lib/core/limits.ts): merged with each step's own
   * `limits`, at most MAX_LIMITS_PER_STEP together.
   */
  limits?: readonly LimitSpec<S>[];
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
  const { name, version, steps, maxStepRuns, checkpointHistory, chainSteps, budget, limits } = definition;
  if (typeof name !== 'string' || !WORKFLOW_NAME_PATTERN.test(name)) {
    throw new ValidationError(`workflow name must be ${WORKFLOW_NAME_RULE}, got ${JSON.stringify(name)}`, { name });
  }
  if (version !== undefined && !isWorkflowVersion(version)) {
    throw new ValidationError(`workflow ${name}: version must be a string of 1 to 64 characters`);
  }
  if (Array.isArray(steps) && steps.length === 0)
    throw new ValidationError(`workflow ${name} must have at least one step`);
  const frozenSteps = checkNamedSteps<unknown>(steps, `workflow ${name}`);
  if (maxStepRuns !== undefined) assertMaxStepRuns(maxStepRuns, `workflow ${name}`);
  if (checkpointHistory !== undefined && checkpointHistory !== 'every' && checkpointHistory !== 'none')
    throw new ValidationError(
      `workflow ${name}: checkpointHistory must be 'every' or 'none', got ${JSON.stringify(checkpointHistory)}`,
    );
  if (chainSteps !== undefined && typeof chainSteps !== 'boolean')
    throw new ValidationError(`workflow ${name}: chainSteps must be true or false, got ${JSON.stringify(chainSteps)}`);
  const checkedBudget = budget === undefined ? undefined : validateBudget(budget, `workflow ${name}: budget`);
  const checkedLimits = limits === undefined ? undefined : validateLimits<unknown>(limits, `workflow ${name}`);
  for (const step of frozenSteps) {
    const together = (checkedLimits?.length ?? 0) + (step.limits?.length ?? 0);
    if (together > MAX_LIMITS_PER_STEP)
      throw new ValidationError(
        `workflow ${name}: step "${step.name}" has ${together} limits with the workflow's, at most ${MAX_LIMITS_PER_STEP}`,
      );
  }
  const workflow: Workflow = Object.freeze({
    name,
    ...(version === undefined ? {} : { version }),
    stepNames: Object.freeze(frozenSteps.map((s) => s.name)),
    steps: Object.freeze(frozenSteps),
    ...(maxStepRuns === undefined ? {} : { maxStepRuns }),
    ...(checkpointHistory === undefined ? {} : { checkpointHistory }),
    ...(chainSteps === true ? { chainSteps } : {}),
    ...(checkedBudget === undefined ? {} : { budget: Object.freeze(checkedBudget) }),
    ...(checkedLimits === undefined || checkedLimits.length === 0 ? {} : { limits: checkedLimits }),
  });
  defined.add(workflow);
  return workflow;
}

const defined = new WeakSet<Workflow>();

/** True for a workflow made (and so checked) by {@link defineWorkflow}. */
export function isDefinedWorkflow(value: unknown): value is Workflow {
  return typeof value === 'object' && value !== null && defined.has(value as Workflow);
}

/**
 * The limits step `stepName` takes when it runs in an execution of `workflow`: the
 * workflow's, then the step's own (empty for a step without any, which then costs
 * nothing extra). A step goes with its own limits wherever it runs: when `workflow`
 * does not declare it (an execution may name the steps of any workflow), they are
 * those `declaredBy` gives it (the workflow that registered the step).
 */
export function stepLimits(
  workflow: Workflow | undefined,
  stepName: string,
  declaredBy?: Workflow,
): readonly LimitSpec[] {
  const step = (w: Workflow | undefined) => w?.steps.find((s) => s.name === stepName);
  const own = (step(workflow) ?? step(declaredBy))?.limits ?? [];
  const all = workflow?.limits ?? [];
  return all.length === 0 ? own : own.length === 0 ? all : [...all, ...own];
}
