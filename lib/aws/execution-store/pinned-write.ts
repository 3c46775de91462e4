import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ExecutionHead, StoredCheckpoint } from '../../runtime/model.js';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { send } from '../dynamodb/requests.js';
import { Expression, diffUpdate, pinCondition } from '../dynamodb/expression.js';
import { checkpointToItem, headToItem, itemToHead } from './items.js';
import { claimSeqOf } from './claim-seq.js';
import { assertItemFits } from '../../core/item-size.js';
import { cancellationReasons, conditionFailure, translateSdkError } from '../dynamodb/sdk-errors.js';
import type { Item, TableContext } from '../dynamodb/table-context.js';
import { SEEN_EVENT_RETENTION_MS } from '../../runtime/ports.js';
import { TableKeys, TTL_ATTRIBUTE, execPk, seenEventSk } from '../schema/table-schema.js';

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
 * The condition of a checkpoint put: the item is new, or it was put by an attempt
 * that claimed earlier (a lower or equal `claimSeq`, which every claim raises and
 * nothing resets). The committing attempt is the last to have claimed its step
 * run, so a stale attempt's put never replaces its put, before or after the commit.
 */
const CHECKPOINT_ORDER = 'attribute_not_exists(pk) OR writerSeq <= :seq';

/**
 * Replaces head `base` by `next` with one conditional write: an UpdateItem of the
 * attributes that differ, conditional on `pins` still having `base`'s values. With
 * a `checkpoint`, the checkpoint is put first (conditional on CHECKPOINT_ORDER,
 * stamped with `base`'s claim sequence), then the head is updated: two writes
 * of one item each instead of a transaction, which bills both items twice. The
 * head update is the commit: a put whose head update then fails is a checkpoint
 * beyond the head's `stepRuns`, which listing leaves out and the step run's next
 * commit replaces. Both items are size-checked first (STATE_TOO_LARGE, nothing
 * written). When the head's condition (or the put's) fails, returns the head that
 * is there now. `lastPut` (the checkpoint item this write put last) skips putting
 * the same item again when a write is decided again.
 */
export async function writeOverBase(
  ctx: TableContext,
  base: ExecutionHead,
  next: ExecutionHead,
  pins: readonly string[],
  checkpoint?: StoredCheckpoint,
  lastPut?: { text: string },
): Promise<PinnedWriteResult> {
  const nextItem = headToItem(next);
  assertItemFits(nextItem, ctx.maxItemBytes, 'execution head');
  const writerSeq = checkpoint === undefined ? undefined : claimSeqOf(base);
  if (checkpoint !== undefined && writerSeq === undefined) {
    throw new Error(
      `internal: the base head of ${base.id} was not read from the table, so its claim sequence is unknown`,
    );
  }
  const cpItem = checkpoint === undefined ? undefined : { ...checkpointToItem(checkpoint), writerSeq };
  if (cpItem) assertItemFits(cpItem, ctx.maxItemBytes, 'checkpoint');
  const headUpdate = headUpdateOf(ctx, base, nextItem, pins);
  if (cpItem) {
    const text = JSON.stringify(cpItem);
    if (lastPut?.text !== text) {
      try {
        await ctx.client.send(
          new PutCommand({
            TableName: ctx.tableName,
            Item: cpItem,
            ConditionExpression: CHECKPOINT_ORDER,
            ExpressionAttributeValues: { ':seq': writerSeq },
          }),
        );
      } catch (thrown) {
        // A writer that claimed later put this step run's checkpoint: this one is stale.
        if (conditionFailure(thrown)) return { ok: false, current: await readHead(ctx, base.id) };
        throw translateSdkError(thrown, `DynamoDB PutItem (checkpoint) on ${ctx.tableName}`);
      }
      if (lastPut) lastPut.text = text;
    }
  }
  try {
    await ctx.client.send(new UpdateCommand(headUpdate));
    return { ok: true };
  } catch (thrown) {
    const failed = conditionFailure(thrown);
    if (failed) return { ok: false, current: oldHead(failed.item) };
    throw translateSdkError(thrown, `DynamoDB UpdateItem on ${ctx.tableName}`);
  }
}

/** The UpdateItem input that turns `base` into the item `nextItem`, conditional on `pins`. */
function headUpdateOf(ctx: TableContext, base: ExecutionHead, nextItem: Item, pins: readonly string[]) {
  const baseItem = headToItem(base);
  const expr = new Expression();
  const update =
    diffUpdate(baseItem, nextItem, expr) || `SET ${expr.name('lastUpdate')} = ${expr.value(nextItem['lastUpdate'])}`;
  return {
    TableName: ctx.tableName,
    Key: headKey(base.id),
    UpdateExpression: update,
    ConditionExpression: pinCondition(baseItem, pins, expr),
    ...expr.params(),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}

/**
 * {@link writeOverBase} without a checkpoint, recording in the same transaction that
 * the execution received event `eventId` (item `SEEN#<eventId>` in its partition,
 * expiring by TTL after SEEN_EVENT_RETENTION_MS). When the id was recorded before
 * (and has not expired), nothing is written: `duplicate`. A transaction bills both
 * items twice, about 4 write units an event; the head keeps no list of ids, so it
 * stays small however many events arrive.
 */
export async function writeOverBaseRecordingEvent(
  ctx: TableContext,
  base: ExecutionHead,
  next: ExecutionHead,
  pins: readonly string[],
  eventId: string,
): Promise<PinnedWriteResult & { duplicate?: true }> {
  const nextItem = headToItem(next);
  assertItemFits(nextItem, ctx.maxItemBytes, 'execution head');
  const nowSeconds = Math.floor(next.lastUpdate / 1000);
  const seen = {
    TableName: ctx.tableName,
    Item: {
      pk: execPk(base.id),
      sk: seenEventSk(eventId),
      receivedAt: next.lastUpdate,
      [TTL_ATTRIBUTE]: Math.ceil((next.lastUpdate + SEEN_EVENT_RETENTION_MS) / 1000),
    },
    ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
    ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
    ExpressionAttributeValues: { ':now': nowSeconds },
  };
  try {
    await ctx.client.send(
      new TransactWriteCommand({ TransactItems: [{ Put: seen }, { Update: headUpdateOf(ctx, base, nextItem, pins) }] }),
    );
    return { ok: true };
  } catch (thrown) {
    const reasons = cancellationReasons(thrown);
    const headReason = reasons?.[1];
    if (headReason?.Code === 'ConditionalCheckFailed') return { ok: false, current: oldHead(headReason.Item) };
    if (reasons?.[0]?.Code === 'ConditionalCheckFailed') {
      return { ok: false, current: await readHead(ctx, base.id), duplicate: true };
    }
    throw translateSdkError(thrown, `DynamoDB TransactWriteItems (event ${eventId}) on ${ctx.tableName}`);
  }
}
