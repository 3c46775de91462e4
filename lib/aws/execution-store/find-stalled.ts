import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs, ExecutionHead } from '../../runtime/model.js';
import { validateLimit } from '../../runtime/paging.js';
import { isStalled } from '../../runtime/store-rules.js';
import { batchGetItems, send } from '../dynamodb/requests.js';
import type { TableContext, TableKey } from '../dynamodb/table-context.js';
import { IndexNames, allActiveShards } from '../schema/table-schema.js';
import { itemToHead } from './items.js';

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
  ctx: TableContext,
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
  ctx: TableContext,
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
      const head = itemToHead(item);
      if (isStalled(head, req)) found.push(head);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined && found.length < req.limit && examined < MAX_EXAMINED_PER_SHARD);
  return found;
}
