import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { IllegalTransitionError, NotFoundError } from '../../core/errors.js';
import { isSafeId } from '../../core/ids.js';
import { legalFrom } from '../../core/transitions.js';
import type { ExecutionHead } from '../../runtime/model.js';
import { Expression } from '../dynamodb/expression.js';
import { batchDeleteKeys, send } from '../dynamodb/requests.js';
import { conditionFailure, translateSdkError } from '../dynamodb/sdk-errors.js';
import type { TableContext, TableKey } from '../dynamodb/table-context.js';
import { TableKeys, execPk, idempotencyPk } from '../schema/table-schema.js';
import type { HeadCache } from './head-cache.js';
import { itemToHead } from './items.js';
import { headKey, oldHead } from './pinned-write.js';

/**
 * Deletes a terminal execution: the head with one conditional DeleteItem (state
 * completed, failed or cancelled; otherwise ILLEGAL_TRANSITION with the actual
 * state, or NOT_FOUND), then every other item of its partition (BatchWriteItem,
 * unprocessed items retried) and its idempotency record. A delete interrupted after
 * the head is completed by the next call, which still clears the partition before
 * reporting NOT_FOUND.
 */
export async function deleteExecution(ctx: TableContext, cache: HeadCache, id: string): Promise<void> {
  cache.delete(id);
  if (!isSafeId(id)) throw new NotFoundError('execution', id);
  const e = new Expression();
  const terminal = legalFrom('delete');
  let old: ExecutionHead | undefined;
  try {
    const out = await ctx.client.send(
      new DeleteCommand({
        TableName: ctx.tableName,
        Key: headKey(id),
        ConditionExpression: `attribute_exists(${e.name('pk')}) AND ${e.in('state', terminal)}`,
        ...e.params(),
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    old = out.Attributes ? itemToHead(out.Attributes) : undefined;
  } catch (thrown) {
    const failed = conditionFailure(thrown);
    if (!failed) throw translateSdkError(thrown, `DynamoDB DeleteItem on ${ctx.tableName}`);
    const current = oldHead(failed.item);
    if (current) throw new IllegalTransitionError(id, current.state, 'delete', terminal);
    await purgePartition(ctx, id);
    throw new NotFoundError('execution', id);
  }
  await purgePartition(ctx, id);
  if (old?.idempotencyKey !== undefined) await dropIdempotencyRecord(ctx, old.idempotencyKey, id);
}

/** Deletes every item of execution `id`'s partition (head, checkpoints), 25 per BatchWriteItem. */
export async function purgePartition(ctx: TableContext, id: string): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await send(ctx, 'Query', () =>
      ctx.client.send(
        new QueryCommand({
          TableName: ctx.tableName,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: '#pk, #sk',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': execPk(id) },
          ExclusiveStartKey: start,
        }),
      ),
    );
    await batchDeleteKeys(ctx, (out.Items ?? []) as TableKey[]);
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
}

/** Deletes the idempotency record of `key` if it still names `executionId`. */
export async function dropIdempotencyRecord(ctx: TableContext, key: string, executionId: string): Promise<void> {
  try {
    await ctx.client.send(
      new DeleteCommand({
        TableName: ctx.tableName,
        Key: { pk: idempotencyPk(key), sk: TableKeys.idempotencySk },
        ConditionExpression: 'executionId = :id',
        ExpressionAttributeValues: { ':id': executionId },
      }),
    );
  } catch (thrown) {
    if ((thrown as Error).name === 'ConditionalCheckFailedException') return; // reused meanwhile: keep it
    throw translateSdkError(thrown, `DynamoDB DeleteItem (idempotency record) on ${ctx.tableName}`);
  }
}
