import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../core/errors.js';
import { ExecutionState, isExecutionState } from '../../core/execution-state.js';
import type { EpochMs, ExecutionHead, Page, StoredCheckpoint } from '../../runtime/model.js';
import { validateLimit } from '../../runtime/page-reader.js';
import type { ListQuery } from '../../runtime/ports.js';
import { batchGetItems, queryItems, send } from '../dynamodb/requests.js';
import { itemToCheckpoint, itemToHead } from './items.js';
import { isKeyPart } from '../key-rules.js';
import { mergedStatePage, walkHeadIndex } from './head-index-pages.js';
import { checkpointScope, decodeKey, encodeCursor, headIndexScope } from './index-keys.js';
import type { StoreContext, TableKey } from '../dynamodb/table-context.js';
import { IndexNames, TableKeys, allActiveShards, execPk } from '../schema/table-schema.js';

/** Checkpoints of `id`, newest first: one Query of its partition (`CP#` keys), read backwards. */
export async function listCheckpoints(
  ctx: StoreContext,
  id: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<StoredCheckpoint>> {
  validateLimit(page.limit);
  const scope = checkpointScope(id);
  const start = page.nextToken === undefined ? undefined : decodeKey(page.nextToken, scope);
  if (!isKeyPart(id)) return { items: [] };
  const { items } = await queryItems(
    ctx,
    {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :cp)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': execPk(id), ':cp': TableKeys.checkpointPrefix },
      ScanIndexForward: false,
      ExclusiveStartKey: start,
    },
    page.limit + 1,
  );
  const shown = items.slice(0, page.limit);
  const last = shown.at(-1);
  const checkpoints = shown.map(itemToCheckpoint);
  return items.length > page.limit && last
    ? { items: checkpoints, nextToken: encodeCursor(scope.scope, { pk: last['pk'], sk: last['sk'] }) }
    : { items: checkpoints };
}

/**
 * Heads, newest first. By workflow (and state): the `byWorkflow` index, the state
 * checked on the heads read. By state: the `byState` index. Unfiltered: the
 * `byState` partitions of every state, merged. Indexes hold keys only; the heads
 * are read with BatchGetItem.
 */
export async function listHeads(ctx: StoreContext, query: ListQuery): Promise<Page<ExecutionHead>> {
  validateLimit(query.limit);
  const { state, workflow } = query;
  if (state !== undefined && !isExecutionState(state)) {
    throw new ValidationError(`state filter must be one of ${Object.values(ExecutionState).join(', ')}`, { state });
  }
  if (workflow !== undefined && !isKeyPart(workflow)) {
    throw new ValidationError('workflow filter must be a non-empty string of at most 1024 bytes', { workflow });
  }
  if (workflow !== undefined) {
    const scope = headIndexScope(IndexNames.byWorkflow, 'workflow', workflow);
    const scoped = { ...scope, scope: `${scope.scope}:${state ?? '*'}` };
    const start = query.nextToken === undefined ? undefined : decodeKey(query.nextToken, scoped);
    const part = { index: IndexNames.byWorkflow, attr: 'workflow', value: workflow, cursor: scoped };
    const keep = (h: ExecutionHead): boolean => h.state === state;
    return walkHeadIndex(ctx, state === undefined ? part : { ...part, keep }, start, query.limit);
  }
  if (state !== undefined) {
    const scope = headIndexScope(IndexNames.byState, 'state', state);
    const start = query.nextToken === undefined ? undefined : decodeKey(query.nextToken, scope);
    return walkHeadIndex(
      ctx,
      { index: IndexNames.byState, attr: 'state', value: state, cursor: scope },
      start,
      query.limit,
    );
  }
  return mergedStatePage(ctx, query.nextToken, query.limit);
}

/** Index entries one sweep reads per shard at most, past leased heads, before it stops. */
export const MAX_EXAMINED_PER_SHARD = 1_000;

/**
 * Running heads whose `sweepAt` has passed and that no live lease holds, oldest
 * first, at most `limit`. Each shard of the sparse `active` index is read in
 * `sweepAt` order, a page at a time: leased heads (long steps) are skipped and the
 * read goes on past them, so they cannot hide stalled executions behind them (up
 * to MAX_EXAMINED_PER_SHARD entries a shard and sweep). Never a table scan.
 */
export async function findStalled(
  ctx: StoreContext,
  req: { now: EpochMs; dueBefore: EpochMs; limit: number },
): Promise<ExecutionHead[]> {
  validateLimit(req.limit);
  const perShard = await Promise.all(allActiveShards().map((shard) => stalledInShard(ctx, shard, req)));
  return perShard
    .flat()
    .sort((a, b) => (a.sweepAt ?? 0) - (b.sweepAt ?? 0))
    .slice(0, req.limit);
}

async function stalledInShard(
  ctx: StoreContext,
  shard: string,
  req: { now: EpochMs; dueBefore: EpochMs; limit: number },
): Promise<ExecutionHead[]> {
  const found: ExecutionHead[] = [];
  let start: Record<string, unknown> | undefined;
  let examined = 0;
  do {
    const page = await send(ctx, 'Query', () =>
      ctx.client.send(
        new QueryCommand({
          TableName: ctx.tableName,
          IndexName: IndexNames.active,
          KeyConditionExpression: '#a = :shard AND #s <= :due',
          ExpressionAttributeNames: { '#a': 'activePk', '#s': 'sweepAt' },
          ExpressionAttributeValues: { ':shard': shard, ':due': req.dueBefore },
          ScanIndexForward: true,
          Limit: Math.min(100, req.limit - found.length),
          ExclusiveStartKey: start,
        }),
      ),
    );
    const keys = (page.Items ?? []) as TableKey[];
    examined += keys.length;
    for (const item of await batchGetItems(ctx, keys)) {
      const h = itemToHead(item);
      const due = h.state === ExecutionState.Running && h.sweepAt !== undefined && h.sweepAt <= req.dueBefore;
      if (due && (h.leaseExpiresAt === undefined || h.leaseExpiresAt <= req.now)) found.push(h);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined && found.length < req.limit && examined < MAX_EXAMINED_PER_SHARD);
  return found;
}
