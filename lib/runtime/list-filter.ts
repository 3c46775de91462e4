import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors.js';
import { ExecutionState } from '../core/execution-state.js';
import { isPrintableName } from '../core/step-list.js';
import type { ExecutionHead } from './model.js';
import type { StateCounts } from './ports.js';

// The rules of the list's name search and of the counts per state, shared by every
// store: what a filter or cap may be, which heads a query keeps, and how a page
// token is bound to the name it was issued for.

/** Longest name filter of `ExecutionStore.list`, in characters. */
export const MAX_NAME_FILTER_LENGTH = 128;

/** Largest cap of `ExecutionStore.countByState`. */
export const MAX_COUNT_CAP = 100_000;

/** Throws VALIDATION_ERROR naming `name` unless it is 1 to 128 characters without control characters. */
export function assertNameFilter(name: unknown): void {
  if (!isPrintableName(name, MAX_NAME_FILTER_LENGTH)) {
    throw new ValidationError(
      `name filter must be 1 to ${MAX_NAME_FILTER_LENGTH} characters without control characters`,
      { name },
    );
  }
}

/** True when `head`'s name contains `name`, compared lower-cased. */
export function nameMatches(head: ExecutionHead, name: string): boolean {
  return head.name.toLowerCase().includes(name.toLowerCase());
}

/** True when `head` passes every filter of `query` (state, workflow and name). */
export function matchesListQuery(
  head: ExecutionHead,
  query: { state?: ExecutionState | undefined; workflow?: string | undefined; name?: string | undefined },
): boolean {
  return (
    (query.state === undefined || head.state === query.state) &&
    (query.workflow === undefined || head.workflow === query.workflow) &&
    (query.name === undefined || nameMatches(head, query.name))
  );
}

/**
 * What a list token's scope adds for a name filter: nothing without one, so tokens
 * of unfiltered lists are unchanged; a digest of the name with one (the token stays
 * small whatever the name), so a token continues only the name it was issued for.
 */
export function nameScope(name: string | undefined): string {
  if (name === undefined) return '';
  return `:name=${createHash('sha256').update(name, 'utf8').digest('base64url').slice(0, 22)}`;
}

/** Throws VALIDATION_ERROR naming `cap` unless it is a whole number from 1 to MAX_COUNT_CAP. */
export function assertCountCap(cap: unknown): asserts cap is number {
  if (typeof cap !== 'number' || !Number.isSafeInteger(cap) || cap < 1 || cap > MAX_COUNT_CAP) {
    throw new ValidationError(`cap must be a whole number from 1 to ${MAX_COUNT_CAP}, got ${String(cap)}`, { cap });
  }
}

/**
 * The counts of every state, each capped at `cap`: `counted(state)` is how many a
 * store found, having looked for at most `cap + 1` (one more tells it is past the cap).
 */
export function cappedCounts(cap: number, counted: (state: ExecutionState) => number): StateCounts {
  return Object.fromEntries(
    Object.values(ExecutionState).map((state) => {
      const n = counted(state);
      return [state, { count: Math.min(n, cap), capped: n > cap }];
    }),
  ) as StateCounts;
}
