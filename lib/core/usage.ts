/**
 * What steps use (model tokens, money, any unit of their own) and the budgets that
 * stop an execution before it uses more. Pure rules shared by both faces: a step
 * reports usage with `ctx.reportUsage`, the driver commits it with the step's
 * result, and a commit that takes the execution's usage past its budget pauses the
 * execution with `BUDGET_EXCEEDED` before the next step runs.
 */
import { ValidationError } from './errors.js';

/** Amounts by unit: `tokens`, `costUsd`, or a unit of your own (`searches`, `gpuSeconds`). */
export type Usage = Record<string, number>;

/** Upper bounds by unit; a unit without a bound is not limited. */
export type Budget = Record<string, number>;

/** The units every budget knows by name; others are allowed as they are. */
export const KNOWN_UNITS = ['tokens', 'costUsd'] as const;

/** The most units one usage report or budget may name. */
export const MAX_UNITS = 16;

const UNIT = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** What an own amount of `unit` is in `amounts` (0 when it has none): never a name every object inherits. */
function amountOf(amounts: Record<string, number> | undefined, unit: string): number {
  return amounts !== undefined && Object.hasOwn(amounts, unit) ? (amounts[unit] ?? 0) : 0;
}

function checkAmounts(what: string, value: unknown, positive: boolean): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ValidationError(
      `${what} must be an object of amounts by unit, such as { "tokens": 1200, "costUsd": 0.02 }`,
    );
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_UNITS)
    throw new ValidationError(`${what} names ${entries.length} units; at most ${MAX_UNITS}`);
  const out: Record<string, number> = {};
  for (const [unit, amount] of entries) {
    if (!UNIT.test(unit))
      throw new ValidationError(`${what}: unit "${unit}" must be 1 to 64 letters, digits or _, starting with a letter`);
    if (unit in Object.prototype)
      throw new ValidationError(`${what}: unit "${unit}" is a name every JavaScript object has; choose another`);
    if (typeof amount !== 'number' || !Number.isFinite(amount))
      throw new ValidationError(
        `${what}.${unit} must be a finite number, got ${JSON.stringify(amount) ?? String(amount)}`,
      );
    if (positive ? amount <= 0 : amount < 0)
      throw new ValidationError(`${what}.${unit} must be ${positive ? 'greater than 0' : '0 or more'}, got ${amount}`);
    out[unit] = amount;
  }
  return out;
}

/** Checks a usage report: finite amounts of 0 or more, by unit. Throws VALIDATION_ERROR naming the problem. */
export function validateUsage(value: unknown, what = 'usage'): Usage {
  return checkAmounts(what, value, false);
}

/** Checks a budget: finite amounts greater than 0, by unit, at least one. Throws VALIDATION_ERROR naming the problem. */
export function validateBudget(value: unknown, what = 'budget'): Budget {
  const budget = checkAmounts(what, value, true);
  if (Object.keys(budget).length === 0) throw new ValidationError(`${what} must limit at least one unit`);
  return budget;
}

/** The sum of two usages, unit by unit. */
export function addUsage(a: Usage | undefined, b: Usage | undefined): Usage {
  const out: Usage = { ...a };
  for (const [unit, amount] of Object.entries(b ?? {})) out[unit] = amountOf(out, unit) + amount;
  return out;
}

/** True when the usage has no amount (nothing reported, or only zeros). */
export function isEmptyUsage(u: Usage | undefined): boolean {
  return u === undefined || Object.values(u).every((v) => v === 0);
}

/** One unit over its bound. */
export interface BudgetOverrun {
  unit: string;
  used: number;
  limit: number;
}

/** The units of `budget` that `usage` has gone past (used > limit), in the budget's order. */
export function overBudget(usage: Usage | undefined, budget: Budget | undefined): BudgetOverrun[] {
  if (!budget) return [];
  const out: BudgetOverrun[] = [];
  for (const [unit, limit] of Object.entries(budget)) {
    const used = amountOf(usage, unit);
    if (used > limit) out.push({ unit, used, limit });
  }
  return out;
}

/** The message of the `BUDGET_EXCEEDED` pause: what went past which bound. */
export function budgetMessage(overruns: readonly BudgetOverrun[]): string {
  return `budget exceeded: ${overruns.map((o) => `${o.unit} ${o.used} of ${o.limit}`).join(', ')}; raise the budget to resume`;
}

/**
 * A step run's usage recorder: `report` adds to it (a step may report several
 * times), `total` is what the driver commits with the step's result. Usage of an
 * attempt that does not commit is never counted, so a retried step counts once.
 * A report that would take the execution (`soFar`, its usage before this step run)
 * past {@link MAX_UNITS} units in all is refused, naming them: the stores keep at
 * most that many, and a commit they refuse could never be saved.
 */
export function usageRecorder(soFar?: Usage): { report: (u: Usage) => void; total: () => Usage | undefined } {
  let total: Usage | undefined;
  return {
    report(u) {
      const next = addUsage(total, validateUsage(u, 'reportUsage'));
      const units = new Set([...Object.keys(soFar ?? {}), ...Object.keys(next)]);
      if (units.size > MAX_UNITS)
        throw new ValidationError(
          `reportUsage: the execution would use ${units.size} units in all, at most ${MAX_UNITS} (${[...units].join(', ')})`,
        );
      total = next;
    },
    total: () => total,
  };
}
