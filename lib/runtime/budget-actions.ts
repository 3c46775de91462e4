import { ErrorCode, IllegalTransitionError, NotFoundError, ValidationError } from '../core/errors.js';
import { ExecutionState, isTerminalState } from '../core/execution-state.js';
import { addUsage, overBudget, validateBudget, type Usage } from '../core/usage.js';
import { decideAndWrite } from './head-writes.js';
import type { ExecutionHead } from './model.js';
import { afterResume, resumedHead } from './resume-actions.js';
import type { ResolvedRuntime } from './runtime-config.js';
import { WORKFLOW_NAME_PATTERN, WORKFLOW_NAME_RULE } from './workflow.js';

/** What {@link setBudget} answers: the head as written, and whether the call resumed it. */
export interface BudgetResult {
  head: ExecutionHead;
  /** The execution was paused with BUDGET_EXCEEDED and the new budget let it run on. */
  resumed: boolean;
}

/**
 * Replaces the budget of an unfinished or failed execution, in one compare-and-set
 * of its head. An execution paused with BUDGET_EXCEEDED that the new budget no
 * longer holds back is resumed by the same write (its next step sent); one still
 * past it stays paused, its error unchanged. A failed one keeps failed: its budget
 * is what a `retry` is then held to (a retry past its budget is refused).
 * ILLEGAL_TRANSITION on a completed or cancelled execution, VALIDATION_ERROR for a
 * budget that is not one (see `validateBudget`).
 */
export async function setBudget(rt: ResolvedRuntime, id: string, budget: unknown): Promise<BudgetResult> {
  const valid = validateBudget(budget);
  const now = rt.clock.now();
  let resumed = false;
  const { head, written } = await decideAndWrite(rt, id, (h) => {
    if (!h) throw new NotFoundError('execution', id);
    if (isTerminalState(h.state) && h.state !== ExecutionState.Failed)
      throw new IllegalTransitionError(id, h.state, 'set the budget of', ['running', 'waiting', 'paused', 'failed']);
    const next: ExecutionHead = { ...h, budget: { ...valid }, lastUpdate: now };
    resumed = pausedByBudget(h) && overBudget(h.usage, valid).length === 0;
    return resumed ? resumedHead(rt, next, 'resume', now) : next;
  });
  if (!head) throw new NotFoundError('execution', id);
  if (resumed) await afterResume(rt, head, written, now);
  return { head, resumed };
}

function pausedByBudget(h: ExecutionHead): boolean {
  return h.state === ExecutionState.Paused && h.error?.code === ErrorCode.BudgetExceeded;
}

/** Executions {@link workflowUsage} reads at most. */
export const USAGE_CAP = 10_000;

/** What {@link workflowUsage} answers. */
export interface WorkflowUsage {
  workflow: string;
  /** Executions summed (at most {@link USAGE_CAP}). */
  executions: number;
  usage: Usage;
  /** More executions exist than were summed. */
  capped: boolean;
}

/**
 * The usage of a workflow's executions, summed unit by unit: computed on read, a
 * page of 100 heads at a time through the store's list by workflow, newest first,
 * stopping at {@link USAGE_CAP} executions (`capped: true`). Executions deleted
 * are not counted.
 */
export async function workflowUsage(rt: ResolvedRuntime, workflow: string): Promise<WorkflowUsage> {
  if (typeof workflow !== 'string' || !WORKFLOW_NAME_PATTERN.test(workflow))
    throw new ValidationError(`workflow must be ${WORKFLOW_NAME_RULE}, got ${JSON.stringify(workflow)}`);
  let usage: Usage = {};
  let executions = 0;
  let nextToken: string | undefined;
  do {
    const page = await rt.store.list({ workflow, limit: 100, ...(nextToken === undefined ? {} : { nextToken }) });
    for (const head of page.items) {
      if (executions === USAGE_CAP) return { workflow, executions, usage, capped: true };
      usage = addUsage(usage, head.usage);
      executions++;
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return { workflow, executions, usage, capped: false };
}
