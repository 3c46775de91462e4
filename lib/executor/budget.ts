import { ErrorCode, LongRunningError } from '../core/errors.js';
import type { Execution } from '../core/types.js';
import { addUsage, budgetMessage, type BudgetOverrun, overBudget, type Usage } from '../core/usage.js';

// The Executor's side of core's usage and budget rules: a committed step's usage
// added to the execution's totals, the pause a budget causes, and its end.

const NO_OVERRUNS: readonly BudgetOverrun[] = Object.freeze([]);

/** The units the execution's usage has gone past its budget in (none without a budget). */
export function budgetOverruns(exec: Execution): readonly BudgetOverrun[] {
  return exec.budget ? overBudget(exec.usage, exec.budget) : NO_OVERRUNS;
}

/** Adds a committed step run's usage to the execution's totals (nothing reported: unchanged). */
export function commitUsage(exec: Execution, usage: Usage | undefined): void {
  if (usage !== undefined) exec.usage = addUsage(exec.usage, usage);
}

/** Records why the execution is paused: `BUDGET_EXCEEDED`, with what went past which bound. */
export function markBudgetPaused(exec: Execution, overruns: readonly BudgetOverrun[]): LongRunningError {
  const error = budgetExceededError(exec.id, overruns);
  exec.error = error.message;
  exec.errorCode = ErrorCode.BudgetExceeded;
  return error;
}

/** Takes away the error of a budget pause, as the execution goes on. */
export function clearBudgetPause(exec: Execution): void {
  if (exec.errorCode !== ErrorCode.BudgetExceeded) return;
  delete exec.error;
  delete exec.errorCode;
}

/** Throws `BUDGET_EXCEEDED` when the execution's usage is past its budget (it would pause again at once). */
export function assertWithinBudget(exec: Execution): void {
  const overruns = budgetOverruns(exec);
  if (overruns.length > 0) throw budgetExceededError(exec.id, overruns);
}

/** True for an execution paused by its budget. */
export function isBudgetPaused(exec: Execution): boolean {
  return exec.state === 'paused' && exec.errorCode === ErrorCode.BudgetExceeded;
}

function budgetExceededError(id: string, overruns: readonly BudgetOverrun[]): LongRunningError {
  return new LongRunningError(ErrorCode.BudgetExceeded, budgetMessage(overruns), {
    details: { id, overruns: overruns.map((o) => ({ ...o })) },
  });
}
