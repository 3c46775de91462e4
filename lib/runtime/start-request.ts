import { ValidationError } from '../core/errors.js';
import { assertSafeId } from '../core/ids.js';
import { assertExecutionName } from '../core/step-list.js';
import { assertJsonValue } from '../core/json.js';
import { assertMaxStepRuns, DEFAULT_MAX_STEP_RUNS } from '../core/waits.js';
import type { WorkflowRegistry } from './workflow-registry.js';
import { validateBudget, type Budget } from '../core/usage.js';

/** What {@link ControlPlane.start} takes. */
export interface StartRequest {
  /** A registered workflow's name. */
  workflow: string;
  /** The first step's input: plain JSON. */
  input: unknown;
  /** A display name; the workflow's name by default. */
  name?: string;
  /** An explicit ordered list of registered step names to run instead of the workflow's. */
  steps?: readonly string[];
  /** Starting twice with the same key returns the first execution. Same rules as an execution id. */
  idempotencyKey?: string;
  /** String labels stored with the execution. */
  metadata?: Record<string, string>;
  /** Step runs allowed before the execution fails with STEP_LIMIT_EXCEEDED; the workflow's, else 10,000. Infinity: no limit. */
  maxStepRuns?: number;
  /** Upper bounds of what its steps report using, by unit; replaces the workflow's budget. */
  budget?: Budget;
}

/** A checked start request, ready for ExecutionStore.create. */
export interface ValidStart {
  workflow: string;
  name: string;
  stepNames: string[];
  input: unknown;
  metadata: Record<string, string>;
  idempotencyKey?: string;
  /** As stored: 0 means no limit. */
  maxStepRuns: number;
  /** The request's budget, else the workflow's; absent: no limit. */
  budget?: Budget;
  /** The workflow's `version`, recorded on the head; absent when it has none. */
  workflowVersion?: string;
}

/** Checks a start request against the registry; VALIDATION_ERROR names the first problem. */
export function validateStartRequest(request: StartRequest, workflows: WorkflowRegistry): ValidStart {
  if (request === null || typeof request !== 'object') throw new ValidationError('start request must be an object');
  const { workflow: workflowName, input, name, steps, idempotencyKey, metadata, maxStepRuns, budget } = request;
  const workflow = typeof workflowName === 'string' ? workflows.get(workflowName) : undefined;
  if (!workflow)
    throw new ValidationError(`workflow ${JSON.stringify(workflowName)} is not registered`, { workflow: workflowName });
  let stepNames = [...workflow.stepNames];
  if (steps !== undefined) {
    if (!Array.isArray(steps) || steps.length === 0)
      throw new ValidationError('steps must be a non-empty list of step names');
    for (const step of steps as unknown[]) {
      if (typeof step !== 'string' || workflows.step(step) === undefined) {
        throw new ValidationError(`step ${JSON.stringify(step)} is not registered`, { step });
      }
    }
    stepNames = [...(steps as string[])];
  }
  if (name !== undefined) assertExecutionName(name);
  assertJsonValue(input, 'input');
  if (idempotencyKey !== undefined) assertSafeId(idempotencyKey, 'idempotencyKey');
  if (maxStepRuns !== undefined) assertMaxStepRuns(maxStepRuns, 'start request');
  const limit = maxStepRuns ?? workflow.maxStepRuns ?? DEFAULT_MAX_STEP_RUNS;
  const bounds = budget === undefined ? workflow.budget : validateBudget(budget);
  const labels: Record<string, string> = {};
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      throw new ValidationError('metadata must be an object');
    for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
      if (typeof value !== 'string') throw new ValidationError(`metadata.${key} must be a string`);
      // Assigning it would set the object's prototype, not a label: the key would vanish.
      if (key === '__proto__') throw new ValidationError('metadata key "__proto__" is reserved; choose another');
      labels[key] = value;
    }
  }
  return {
    workflow: workflow.name,
    name: name ?? workflow.name,
    stepNames,
    input,
    metadata: labels,
    maxStepRuns: limit === Infinity ? 0 : limit,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(bounds === undefined ? {} : { budget: { ...bounds } }),
    ...(workflow.version === undefined ? {} : { workflowVersion: workflow.version }),
  };
}
