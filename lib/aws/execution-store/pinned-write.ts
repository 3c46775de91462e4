import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorCode, LongRunningError } from '../../core/errors.js';
import type { ExecutionHead, StoredCheckpoint } from '../../runtime/model.js';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { send } from '../dynamodb/requests.js';
import { Expression, diffUpdate, pinCondition } from '../dynamodb/expression.js';
import { checkpointToItem, headToItem, itemToHead } from './items.js';
import { assertItemFits } from '../../core/item-size.js';
import { cancellationReasons, conditionFailure, translateSdkError } from '../dynamodb/sdk-errors.js';
import type { TableContext } from '../dynamodb/table-context.js';
import { TableKeys, execPk } from '../schema/table-schema.js';

/** The outcome of a write pinned on a base head: done, or the head that is there now. */
export type PinnedWriteResult = { ok: true } | { ok: false; current: ExecutionHead | undefined };

/** The head's key. */
export function headKey(id: string): { pk: string; sk: string } {
  return { pk: execPk(id), sk: TableKeys.headSk };
}

/** The head of `id` (strongly consistent), or undefined. */
export async function readHead(ctx: TableContext, id: string): Promise<ExecutionHead | undefined> {
  const out = await send(ctx, 'GetItem', () =>
    ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: headKey(id), ConsistentRead: true })),
  );
  return out.Item ? itemToHead(out.Item) : undefined;
}

/**
 * Decodes the raw old item a failed condition returned (ALL_OLD), if any: the
 * document client leaves `CancellationReasons[].Item` and a
 * `ConditionalCheckFailedException`'s `Item` in wire format.
 */
export function oldHead(raw: Record<string, AttributeValue> | undefined): ExecutionHead | undefined {
  return raw === undefined ? undefined : itemToHead(unmarshall(raw));
}

/**
 * Replaces head `base` by `next` with one conditional write: an UpdateItem of the
 * attributes that differ, conditional on `pins` still having `base`'s values; with
 * a `checkpoint`, one TransactWriteItems that also puts the checkpoint (only if it
 * does not exist yet). Both items are size-checked first (STATE_TOO_LARGE, nothing
 * written). When the head's condition fails, returns the head that is there now.
 */
export async function writeOverBase(
  ctx: TableContext,
  base: ExecutionHead,
  next: ExecutionHead,
  pins: readonly string[],
  checkpoint?: StoredCheckpoint,
): Promise<PinnedWriteResult> {
  const nextItem = headToItem(next);
  assertItemFits(nextItem, ctx.maxItemBytes, 'execution head');
  const cpItem = checkpoint === undefined ? undefined : checkpointToItem(checkpoint);
  if (cpItem) assertItemFits(cpItem, ctx.maxItemBytes, 'checkpoint');
  const baseItem = headToItem(base);
  const expr = new Expression();
  const update =
    diffUpdate(baseItem, nextItem, expr) || `SET ${expr.name('lastUpdate')} = ${expr.value(next.lastUpdate)}`;
  const headUpdate = {
    TableName: ctx.tableName,
    Key: headKey(base.id),
    UpdateExpression: update,
    ConditionExpression: pinCondition(baseItem, pins, expr),
    ...expr.params(),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  try {
    if (cpItem === undefined) {
      await ctx.client.send(new UpdateCommand(headUpdate));
    } else {
      const put = { TableName: ctx.tableName, Item: cpItem, ConditionExpression: 'attribute_not_exists(pk)' };
      await ctx.client.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, { Update: headUpdate }] }));
    }
    return { ok: true };
  } catch (thrown) {
    const failed = conditionFailure(thrown);
    if (failed) return { ok: false, current: oldHead(failed.item) };
    const reasons = cancellationReasons(thrown);
    const headReason = reasons?.[1];
    if (headReason?.Code === 'ConditionalCheckFailed') return { ok: false, current: oldHead(headReason.Item) };
    if (reasons?.[0]?.Code === 'ConditionalCheckFailed') {
      throw new LongRunningError(
        ErrorCode.Conflict,
        `execution ${base.id}: checkpoint ${checkpoint?.seq ?? '?'} already exists although the head is at step run ${base.stepRuns}`,
        { details: { id: base.id, seq: checkpoint?.seq }, cause: thrown },
      );
    }
    throw translateSdkError(thrown, `DynamoDB ${cpItem ? 'TransactWriteItems' : 'UpdateItem'} on ${ctx.tableName}`);
  }
}
