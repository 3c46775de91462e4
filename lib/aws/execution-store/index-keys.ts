import { isJsonObject } from '../../core/json.js';
import { ValidationError } from '../../core/errors.js';
import { decodePageToken } from '../../runtime/paging.js';
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

const LIST_SK = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#(.+)$/s;
const CHECKPOINT_SK = /^CP#\d{10}$/;

/**
 * Decodes a page token (the one codec, lib/runtime/paging.ts) whose position is a
 * single key, and checks the key with `expected.isKey`: a key of the wrong shape or
 * of another execution or index partition is refused with VALIDATION_ERROR before
 * any call to DynamoDB, so a forged token is never passed on as an ExclusiveStartKey.
 */
export function decodeKey(token: unknown, expected: CursorScope): StoredKey {
  const key = decodePageToken(token, expected.scope);
  if (!isJsonObject(key) || !expected.isKey(key)) throw new ValidationError('invalid nextToken: malformed position');
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

function hasExactly(k: Record<string, unknown>, names: readonly string[]): boolean {
  const keys = Object.keys(k);
  return keys.length === names.length && names.every((n) => typeof k[n] === 'string');
}
