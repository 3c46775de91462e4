import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ExecutionState } from '../../core/execution-state.js';
import { assertCountCap, cappedCounts } from '../../runtime/list-filter.js';
import type { StateCounts } from '../../runtime/ports.js';
import { send } from '../dynamodb/requests.js';
import type { TableContext } from '../dynamodb/table-context.js';
import { IndexNames } from '../schema/table-schema.js';

/**
 * The executions in each state: one Query per state of the `byState` index with
 * `Select: 'COUNT'`, following LastEvaluatedKey until `cap + 1` entries are counted
 * (one more than the cap tells that it is passed) or the partition ends. It reads
 * index entries only (the index is KEYS_ONLY: keys, never a head), so counting costs
 * about one read unit per 4 KB of keys (some 40 entries, eventually consistent);
 * never a Scan, never a head.
 */
export async function countByState(ctx: TableContext, options: { cap: number }): Promise<StateCounts> {
  assertCountCap(options.cap);
  const counted = new Map<ExecutionState, number>();
  await Promise.all(
    Object.values(ExecutionState).map(async (state) => {
      counted.set(state, await countState(ctx, state, options.cap + 1));
    }),
  );
  return cappedCounts(options.cap, (state) => counted.get(state) ?? 0);
}

/** Entries of the `byState` partition of `state`, counted up to `upTo`. */
async function countState(ctx: TableContext, state: ExecutionState, upTo: number): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await send(ctx, 'Query', () =>
      ctx.client.send(
        new QueryCommand({
          TableName: ctx.tableName,
          IndexName: IndexNames.byState,
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':s': state },
          Select: 'COUNT',
          Limit: upTo - count,
          ExclusiveStartKey: start,
        }),
      ),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start !== undefined && count < upTo);
  return count;
}
