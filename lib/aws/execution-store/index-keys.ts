import { ValidationError } from '../../core/errors.js';
import { TableKeys, execPk } from '../schema/table-schema.js';

/** A DynamoDB key (table keys, plus the index keys when read from an index). */
export type StoredKey = Record<string, string | number>;

/** What a continued query must look like: its scope, and the checks of its keys. */
export interface CursorScope {
  /** Names the query (index and filter values); a token of another query is refused. */
  scope: string;
  /** True for a key that this query could have returned. */
  isKey: (key: Record<string, unknown>) => boolean;
}

const MAX_TOKEN_LENGTH = 4096;
const LIST_SK = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#(.+)$/s;
const CHECKPOINT_SK = /^CP#\d{10}$/;

/**
 * Encodes a cursor as an opaque token: base64url of JSON `{ v: 1, q: scope, c }`.
 * `c` is a key (`LastEvaluatedKey`) or, for merged queries, a record of keys.
 */
export function encodeCursor(scope: string, cursor: unknown): string {
  return Buffer.from(JSON.stringify({ v: 1, q: scope, c: cursor }), 'utf8').toString('base64url');
}

/**
 * Decodes a token made by {@link encodeCursor} for the same scope. Anything else
 * (garbled text, another query's token, a key of the wrong shape or of another
 * execution or index partition) is refused with `VALIDATION_ERROR` before any call
 * to DynamoDB, so a forged token is never passed on as an `ExclusiveStartKey`.
 */
export function decodeCursor(token: unknown, scope: string): unknown {
  const invalid = (why: string): ValidationError => new ValidationError(`invalid nextToken: ${why}`, { scope });
  if (
    typeof token !== 'string' ||
    token.length === 0 ||
    token.length > MAX_TOKEN_LENGTH ||
    !/^[A-Za-z0-9_-]+$/.test(token)
  ) {
    throw invalid('expected a token returned by an earlier page');
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('malformed');
  }
  if (!isRecord(body) || body['v'] !== 1 || !('c' in body)) throw invalid('malformed');
  if (body['q'] !== scope) throw invalid('it belongs to a different query');
  return body['c'];
}

/** Decodes a single-key cursor and checks the key with `expected.isKey`. */
export function decodeKey(token: unknown, expected: CursorScope): StoredKey {
  const key = decodeCursor(token, expected.scope);
  if (!isRecord(key) || !expected.isKey(key)) throw new ValidationError('invalid nextToken: malformed position');
  return key as StoredKey;
}

/** The scope of an execution's checkpoints (`EXEC#<id>` / `CP#<10 digits>`). */
export function checkpointScope(id: string): CursorScope {
  return {
    scope: `checkpoints:${id}`,
    isKey: (k) =>
      hasExactly(k, ['pk', 'sk']) &&
      k['pk'] === execPk(id) &&
      typeof k['sk'] === 'string' &&
      CHECKPOINT_SK.test(k['sk']),
  };
}

/** The scope of a head index query whose partition attribute `attr` equals `value`. */
export function headIndexScope(indexName: string, attr: string, value: string): CursorScope {
  return { scope: `${indexName}:${value}`, isKey: (k) => isHeadIndexKey(k, attr, value) };
}

/** True for `{ pk: EXEC#<id>, sk: HEAD, [attr]: value, listSk: <ISO>#<id> }`. */
export function isHeadIndexKey(k: Record<string, unknown>, attr: string, value: string): boolean {
  if (!hasExactly(k, ['pk', 'sk', attr, 'listSk']) || k['sk'] !== TableKeys.headSk || k[attr] !== value) return false;
  const { pk, listSk } = k;
  if (typeof pk !== 'string' || typeof listSk !== 'string') return false;
  const id = LIST_SK.exec(listSk)?.[1];
  return id !== undefined && pk === execPk(id);
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasExactly(k: Record<string, unknown>, names: readonly string[]): boolean {
  const keys = Object.keys(k);
  return keys.length === names.length && names.every((n) => typeof k[n] === 'string');
}
