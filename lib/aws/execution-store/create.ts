import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorCode, LongRunningError } from '../../core/errors.js';
import { checkpointOf, createdHead } from '../../runtime/head-changes.js';
import type { ExecutionHead } from '../../runtime/model.js';
import type { NewExecution } from '../../runtime/ports.js';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { readHead } from './pinned-write.js';
import type { HeadCache } from './head-cache.js';
import { checkpointToItem, headToItem } from './items.js';
import { assertItemFits } from '../../core/item-size.js';
import { assertNewExecution } from '../../runtime/store-rules.js';
import { dropIdempotencyRecord, purgePartition } from './delete.js';
import { cancellationReasons, translateSdkError } from '../dynamodb/sdk-errors.js';
import type { TableContext } from '../dynamodb/table-context.js';
import { TableKeys, idempotencyPk } from '../schema/table-schema.js';

const NOT_EXISTS = 'attribute_not_exists(pk)';

/**
 * Creates the head and checkpoint 0 (and, with an idempotency key, the record
 * `IDEM#<key>` naming the execution) in one TransactWriteItems, each put
 * conditional on the item not existing. A used key returns the execution it names
 * (`created: false`); an existing id is `CONFLICT`. Leftovers of an interrupted
 * delete (checkpoints without a head, a key record without its execution) are
 * removed and the create tried again.
 */
export async function createExecution(
  ctx: TableContext,
  cache: HeadCache,
  exec: NewExecution,
): Promise<{ head: ExecutionHead; created: boolean }> {
  assertNewExecution(exec);
  const head = createdHead(exec);
  const headItem = headToItem(head);
  const cpItem = checkpointToItem(checkpointOf(head, exec.now));
  assertItemFits(headItem, ctx.maxItemBytes, 'execution head');
  assertItemFits(cpItem, ctx.maxItemBytes, 'checkpoint');
  const transactItems: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
    { Put: { TableName: ctx.tableName, Item: headItem, ConditionExpression: NOT_EXISTS } },
    { Put: { TableName: ctx.tableName, Item: cpItem, ConditionExpression: NOT_EXISTS } },
  ];
  if (exec.idempotencyKey !== undefined) {
    const idem = {
      pk: idempotencyPk(exec.idempotencyKey),
      sk: TableKeys.idempotencySk,
      executionId: exec.id,
      createdAt: exec.now,
    };
    transactItems.push({
      Put: {
        TableName: ctx.tableName,
        Item: idem,
        ConditionExpression: NOT_EXISTS,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.client.send(new TransactWriteCommand({ TransactItems: transactItems }));
      cache.set(head);
      return { head, created: true };
    } catch (thrown) {
      const reasons = cancellationReasons(thrown);
      const failed = (i: number): boolean => reasons?.[i]?.Code === 'ConditionalCheckFailed';
      if (reasons === null || attempt >= 2)
        throw translateSdkError(thrown, `DynamoDB TransactWriteItems (create) on ${ctx.tableName}`);
      if (failed(2)) {
        const raw = reasons[2]?.Item;
        const earlierId: unknown = raw === undefined ? undefined : unmarshall(raw)['executionId'];
        if (typeof earlierId !== 'string') {
          throw new LongRunningError(
            ErrorCode.CorruptRecord,
            `idempotency record ${exec.idempotencyKey ?? ''} names no execution`,
          );
        }
        const earlier = await readHead(ctx, earlierId);
        if (earlier) return { head: earlier, created: false };
        await dropIdempotencyRecord(ctx, exec.idempotencyKey ?? '', earlierId);
      } else if (failed(0)) {
        throw new LongRunningError(ErrorCode.Conflict, `execution ${exec.id} already exists`, {
          details: { id: exec.id },
        });
      } else if (failed(1)) {
        await purgePartition(ctx, exec.id);
      } else {
        throw translateSdkError(thrown, `DynamoDB TransactWriteItems (create) on ${ctx.tableName}`);
      }
    }
  }
}
