import { ValidationError } from '../core/errors.js';
import type { Page } from './model.js';
import type { PageTokenCodec } from './page-token.js';

/** How {@link readPage} finds its place in a sorted list. */
export interface PageCursor<T> {
  /** The position a token records for `item` (the last item of a page). */
  positionOf(item: T): unknown;
  /** True when `item` comes after `position` in the list's order. */
  isAfter(item: T, position: unknown): boolean;
  /** True for a position of the right shape (a decoded token is checked with it). */
  isPosition(position: unknown): boolean;
}

/** Throws VALIDATION_ERROR unless `limit` is a whole number of at least 1. */
export function validateLimit(limit: unknown): asserts limit is number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    throw new ValidationError(`limit must be a whole number of at least 1, got ${String(limit)}`, { limit });
  }
}

/**
 * One page of `sorted`, continuing after the position in `page.nextToken`. The next
 * token is set only when more items follow, and records a position rather than an
 * offset, so that items added meanwhile neither repeat nor go missing.
 */
export function readPage<T>(
  sorted: readonly T[],
  page: { limit: number; nextToken?: string },
  codec: PageTokenCodec,
  scope: string,
  cursor: PageCursor<T>,
): Page<T> {
  validateLimit(page.limit);
  let rest = sorted;
  if (page.nextToken !== undefined) {
    const position = codec.decode(page.nextToken, scope);
    if (!cursor.isPosition(position)) throw new ValidationError('invalid nextToken: malformed position');
    rest = sorted.filter((item) => cursor.isAfter(item, position));
  }
  const items = rest.slice(0, page.limit);
  const last = items.at(-1);
  return rest.length > page.limit && last !== undefined
    ? { items, nextToken: codec.encode(scope, cursor.positionOf(last)) }
    : { items };
}
