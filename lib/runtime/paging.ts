import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../core/errors.js';
import { isJsonObject } from '../core/json.js';
import type { Page } from './model.js';

// Paging, one codec for every store: a page token is the base64url JSON of
// `{ v: 1, q: scope, c: position }` followed by a 16-character tag. The scope names
// the query the token continues (another query's token is refused); the tag makes a
// garbled, truncated or edited token fail loudly instead of paging from the wrong
// place. The tag's key is fixed, so tokens stay valid across processes (Lambda
// instances); it is an integrity check, not a secret: every store also checks that
// the position it decodes is one its query could have produced.

/** Longest page token any store issues or accepts. */
export const MAX_PAGE_TOKEN_LENGTH = 4096;

/** What every page token looks like (URL-safe, so it needs no escaping in a query string). */
export const PAGE_TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

const TAG_LENGTH = 16;
const TAG_KEY = 'longrunning page token v1';

/** A token that continues query `scope` after `position` (any JSON value). */
export function encodePageToken(scope: string, position: unknown): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, q: scope, c: position }), 'utf8').toString('base64url');
  return payload + tag(payload);
}

/**
 * The position of a token made by {@link encodePageToken} for the same `scope`.
 * Anything else (not a token, a garbled or edited one, another query's) is refused
 * with VALIDATION_ERROR before the store reads anything.
 */
export function decodePageToken(token: unknown, scope: string): unknown {
  const invalid = (why: string): ValidationError => new ValidationError(`invalid nextToken: ${why}`, { scope });
  if (
    typeof token !== 'string' ||
    token.length <= TAG_LENGTH ||
    token.length > MAX_PAGE_TOKEN_LENGTH ||
    !PAGE_TOKEN_PATTERN.test(token)
  ) {
    throw invalid('expected a token returned by an earlier page');
  }
  const payload = token.slice(0, -TAG_LENGTH);
  const given = Buffer.from(token.slice(-TAG_LENGTH));
  if (!timingSafeEqual(given, Buffer.from(tag(payload)))) throw invalid('it is garbled or was edited');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid('malformed');
  }
  if (!isJsonObject(body) || body['v'] !== 1 || !('c' in body)) throw invalid('malformed');
  if (body['q'] !== scope) throw invalid('it belongs to a different query');
  return body['c'];
}

function tag(payload: string): string {
  return createHmac('sha256', TAG_KEY).update(payload).digest('base64url').slice(0, TAG_LENGTH);
}

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
 * One page of `sorted` (a list held in memory), continuing after the position in
 * `page.nextToken`. The next token is set only when more items follow, and records a
 * position rather than an offset, so that items added meanwhile neither repeat nor
 * go missing.
 */
export function readPage<T>(
  sorted: readonly T[],
  page: { limit: number; nextToken?: string },
  scope: string,
  cursor: PageCursor<T>,
): Page<T> {
  validateLimit(page.limit);
  let rest = sorted;
  if (page.nextToken !== undefined) {
    const position = decodePageToken(page.nextToken, scope);
    if (!cursor.isPosition(position)) throw new ValidationError('invalid nextToken: malformed position', { scope });
    rest = sorted.filter((item) => cursor.isAfter(item, position));
  }
  const items = rest.slice(0, page.limit);
  const last = items.at(-1);
  return rest.length > page.limit && last !== undefined
    ? { items, nextToken: encodePageToken(scope, cursor.positionOf(last)) }
    : { items };
}
