import { ValidationError } from '../../core/errors.js';
import { ExecutionState } from '../../core/execution-state.js';
import { isJsonObject } from '../../core/json.js';
import type { ExecutionHead, Page } from '../../runtime/model.js';
import { decodePageToken, encodePageToken } from '../../runtime/paging.js';
import type { ListQuery } from '../../runtime/ports.js';
import { matchesListQuery, nameMatches, nameScope } from '../../runtime/list-filter.js';
import { assertListQuery } from '../../runtime/store-rules.js';
import { batchGetItems, queryItems } from '../dynamodb/requests.js';
import type { Item, TableContext, TableKey } from '../dynamodb/table-context.js';
import { IndexNames } from '../schema/table-schema.js';
import { decodeKey, headIndexScope, isHeadIndexKey, type CursorScope, type StoredKey } from './index-keys.js';
import { itemToHead } from './items.js';

/**
 * Heads, newest first. By workflow (and state): the `byWorkflow` index, the state
 * checked on the heads read. By state: the `byState` index. Unfiltered: the
 * `byState` partitions of every state, merged. Indexes hold keys only; the heads
 * are read with BatchGetItem.
 */
export async function listHeads(ctx: TableContext, query: ListQuery): Promise<Page<ExecutionHead>> {
  assertListQuery(query);
  const { state, workflow, name } = query;
  const named = nameScope(name);
  const keep = (h: ExecutionHead): boolean => matchesListQuery(h, { state, name });
  if (workflow !== undefined) {
    const scope = headIndexScope(IndexNames.byWorkflow, 'workflow', workflow);
    const scoped = { ...scope, scope: `${scope.scope}:${state ?? '*'}${named}` };
    const start = query.nextToken === undefined ? undefined : decodeKey(query.nextToken, scoped);
    const part = { index: IndexNames.byWorkflow, attr: 'workflow', value: workflow, cursor: scoped };
    return walkHeadIndex(ctx, state === undefined && name === undefined ? part : { ...part, keep }, start, query.limit);
  }
  if (state !== undefined) {
    const scope = headIndexScope(IndexNames.byState, 'state', state);
    const scoped = { ...scope, scope: `${scope.scope}${named}` };
    const start = query.nextToken === undefined ? undefined : decodeKey(query.nextToken, scoped);
    const part = { index: IndexNames.byState, attr: 'state', value: state, cursor: scoped, keep };
    // `keep` checks the state on the head too: the index is eventually consistent, and an
    // entry not yet moved (a failed execution just retried) would list a head in another state.
    return walkHeadIndex(ctx, part, start, query.limit);
  }
  return mergedStatePage(ctx, query.nextToken, query.limit, name);
}

/** Index entries examined at most per page before returning a short page with a token. */
const MAX_EXAMINED = 1000;
const STATES = Object.values(ExecutionState);
const ALL_SCOPE = `${IndexNames.byState}:*`;

/** One partition of a head index, read newest first. */
export interface HeadIndexPartition {
  index: string;
  /** The index's partition key attribute and its value. */
  attr: string;
  value: string;
  cursor: CursorScope;
  /** Keeps only the heads this returns true for (a second filter); all when absent. */
  keep?: (head: ExecutionHead) => boolean;
}

/**
 * One page of a head index partition: keys newest first, heads read by key
 * (BatchGetItem), heads deleted meanwhile or not kept skipped. The token is the
 * key of the last entry examined; it is given only when entries follow.
 */
export async function walkHeadIndex(
  ctx: TableContext,
  part: HeadIndexPartition,
  start: StoredKey | undefined,
  limit: number,
): Promise<Page<ExecutionHead>> {
  const heads: ExecutionHead[] = [];
  let position = start;
  let examined = 0;
  for (;;) {
    const need = limit - heads.length;
    const { items: keys, more } = await queryItems(
      ctx,
      partitionQuery(part.index, part.attr, part.value, position),
      need + 1,
    );
    const batch = keys.slice(0, need);
    const found = byPk(await batchGetItems(ctx, batch as TableKey[]));
    for (const key of batch) {
      position = indexKey(key, part.attr);
      examined++;
      const item = found.get(String(key['pk']));
      const head = item && itemToHead(item);
      if (head && (part.keep === undefined || part.keep(head))) heads.push(head);
    }
    if (keys.length <= batch.length && !more) return { items: heads };
    if (heads.length >= limit || examined >= MAX_EXAMINED) {
      return position ? { items: heads, nextToken: encodePageToken(part.cursor.scope, position) } : { items: heads };
    }
  }
}

/**
 * One page of every head, newest first: the `byState` partition of each state is
 * read from its own position and the entries merged. The token records a position
 * per state (`0` once a state is exhausted). With a name filter, heads of other
 * names are dropped and the merge goes on from where it stopped, until the page is
 * full, every state is exhausted or MAX_EXAMINED entries were examined (a short page
 * with a token then).
 */
export async function mergedStatePage(
  ctx: TableContext,
  token: string | undefined,
  limit: number,
  name?: string,
): Promise<Page<ExecutionHead>> {
  const scope = `${ALL_SCOPE}${nameScope(name)}`;
  let positions = token === undefined ? {} : decodePositions(token, scope);
  const heads: ExecutionHead[] = [];
  let examined = 0;
  for (;;) {
    const step = await mergeStep(ctx, positions, limit - heads.length);
    heads.push(...step.heads.filter((h) => name === undefined || nameMatches(h, name)));
    examined += step.examined;
    positions = step.next;
    if (!step.open) return { items: heads };
    if (heads.length >= limit || examined >= MAX_EXAMINED) {
      return { items: heads, nextToken: encodePageToken(scope, positions) };
    }
  }
}

type Positions = Partial<Record<string, StoredKey | 0>>;

/**
 * The next `want` entries of every state's partition after `positions`, merged
 * newest first, with their heads (those deleted meanwhile skipped), the positions
 * after them, and whether any state has entries left (`open`).
 */
async function mergeStep(
  ctx: TableContext,
  positions: Positions,
  want: number,
): Promise<{ heads: ExecutionHead[]; examined: number; next: Positions; open: boolean }> {
  const reads = await Promise.all(
    STATES.map(async (state) => {
      const at = positions[state];
      if (at === 0) return { state, keys: [] as Item[], more: false };
      const { items, more } = await queryItems(ctx, partitionQuery(IndexNames.byState, 'state', state, at), want + 1);
      return { state, keys: items, more };
    }),
  );
  const merged = reads
    .flatMap((r) => r.keys.map((key) => ({ state: r.state, key })))
    .sort((a, b) => (String(a.key['listSk']) < String(b.key['listSk']) ? 1 : -1))
    .slice(0, want);
  const found = byPk(await batchGetItems(ctx, merged.map((m) => m.key) as TableKey[]));
  const heads = merged.flatMap((m) => {
    const item = found.get(String(m.key['pk']));
    return item ? [itemToHead(item)] : [];
  });
  const next: Record<string, StoredKey | 0> = {};
  let open = false;
  for (const read of reads) {
    const taken = merged.filter((m) => m.state === read.state);
    const last = taken.at(-1);
    const exhausted = positions[read.state] === 0 || (!read.more && taken.length === read.keys.length);
    if (exhausted) next[read.state] = 0;
    else {
      open = true;
      const at = last ? indexKey(last.key, 'state') : positions[read.state];
      if (at !== undefined) next[read.state] = at;
    }
  }
  return { heads, examined: merged.length, next, open };
}

function decodePositions(token: string, scope: string): Positions {
  const raw = decodePageToken(token, scope);
  if (!isJsonObject(raw)) throw new ValidationError('invalid nextToken: malformed position');
  for (const [state, at] of Object.entries(raw)) {
    const valid =
      STATES.includes(state as ExecutionState) &&
      (at === 0 || (isJsonObject(at) && isHeadIndexKey(at, 'state', state)));
    if (!valid) throw new ValidationError('invalid nextToken: malformed position');
  }
  return raw as Positions;
}

function partitionQuery(index: string, attr: string, value: string, start: StoredKey | undefined) {
  return {
    IndexName: index,
    KeyConditionExpression: '#p = :p',
    ExpressionAttributeNames: { '#p': attr },
    ExpressionAttributeValues: { ':p': value },
    ScanIndexForward: false,
    ExclusiveStartKey: start,
  };
}

function indexKey(entry: Item, attr: string): StoredKey {
  return {
    pk: String(entry['pk']),
    sk: String(entry['sk']),
    [attr]: String(entry[attr]),
    listSk: String(entry['listSk']),
  };
}

function byPk(items: readonly Item[]): Map<string, Item> {
  return new Map(items.map((item) => [String(item['pk']), item]));
}
