import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorCode, LongRunningError } from '../../core/errors.js';
import { isSafeId } from '../../core/ids.js';
import { assertItemFits } from '../../core/item-size.js';
import { rewindCheckpointOf, rewoundHead } from '../../runtime/head-changes.js';
import type { ExecutionHead, StoredCheckpoint } from '../../runtime/model.js';
import type { RewindRequest } from '../../runtime/ports.js';
import { assertRewind, HEAD_PINS } from '../../runtime/store-rules.js';
import { diffUpdate, Expression, pinCondition } from '../dynamodb/expression.js';
import { send } from '../dynamodb/requests.js';
import { cancellationReasons, translateSdkError } from '../dynamodb/sdk-errors.js';
import type { TableContext } from '../dynamodb/table-context.js';
import { checkpointSk, execPk } from '../schema/table-schema.js';
import { claimSeqOf, rememberClaimSeq } from './claim-seq.js';
import type { HeadCache } from './head-cache.js';
import { checkpointToItem, headToItem, itemToCheckpoint } from './items.js';
import { headKey, readHead } from './pinned-write.js';

const MAX_ATTEMPTS = 5;

/**
 * Checkpoint `seq` of `id` when it is committed (at most the head's `stepRuns`):
 * two strongly consistent GetItems, of the checkpoint and of the head.
 */
export async function getCheckpoint(ctx: TableContext, id: string, seq: number): Promise<StoredCheckpoint | undefined> {
  if (!isSafeId(id) || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  // The head first: a checkpoint it shows committed can no longer change.
  const head = await readHead(ctx, id);
  const cp = head && (await getCheckpointItem(ctx, id, seq));
  return head && cp && cp.seq <= head.stepRuns ? cp : undefined;
}

/**
 * A rewind (see `RewindRequest`) as one TransactWriteItems of two items: the new
 * checkpoint `CP#<stepRuns + 1>` and the head, updated over the head as read
 * (conditional on its pinned fields). The head's `claimSeq` goes up by one and the
 * checkpoint is stamped with it, so the put of a step that was still in flight
 * under a pause (same sequence number, lower claim) can never replace it. A head
 * that moved between the read and the write is read again and the rewind decided again.
 */
export async function rewindExecution(ctx: TableContext, cache: HeadCache, req: RewindRequest): Promise<ExecutionHead> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // The head first: a checkpoint it shows committed can no longer change.
    const base = isSafeId(req.id) ? await readHead(ctx, req.id) : undefined;
    const cp = base && (await getCheckpointItem(ctx, req.id, req.toCheckpoint));
    assertRewind(req, base, cp);
    if (!base) throw new Error('internal: assertRewind passed without a head');
    const next = rewoundHead(base, cp, req.state === undefined ? cp.state : req.state, req);
    const seq = (claimSeqOf(base) ?? 0) + 1;
    const cpItem = { ...checkpointToItem(rewindCheckpointOf(next, cp.seq, req.now)), writerSeq: seq };
    const baseItem = { ...headToItem(base), claimSeq: claimSeqOf(base) ?? 0 };
    const nextItem = { ...headToItem(next), claimSeq: seq };
    assertItemFits(nextItem, ctx.maxItemBytes, 'execution head');
    assertItemFits(cpItem, ctx.maxItemBytes, 'checkpoint');
    const expr = new Expression();
    const update = diffUpdate(baseItem, nextItem, expr);
    const condition = pinCondition(baseItem, HEAD_PINS, expr);
    try {
      await ctx.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: ctx.tableName,
                Item: cpItem,
                ConditionExpression: 'attribute_not_exists(pk) OR writerSeq <= :seq',
                ExpressionAttributeValues: { ':seq': seq },
              },
            },
            {
              Update: {
                TableName: ctx.tableName,
                Key: headKey(req.id),
                UpdateExpression: update,
                ConditionExpression: condition,
                ...expr.params(),
              },
            },
          ],
        }),
      );
    } catch (thrown) {
      // Either item's condition: the head moved on (a claim, a commit, an action) meanwhile.
      if (cancellationReasons(thrown)?.some((r) => r.Code === 'ConditionalCheckFailed')) continue;
      throw translateSdkError(thrown, `DynamoDB TransactWriteItems (rewind) on ${ctx.tableName}`);
    }
    rememberClaimSeq(next, seq);
    cache.set(next);
    return next;
  }
  throw new LongRunningError(ErrorCode.Conflict, `execution ${req.id}: the head kept changing during rewind`, {
    retryable: true,
  });
}

async function getCheckpointItem(ctx: TableContext, id: string, seq: number): Promise<StoredCheckpoint | undefined> {
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  const out = await send(ctx, 'GetItem', () =>
    ctx.client.send(
      new GetCommand({
        TableName: ctx.tableName,
        Key: { pk: execPk(id), sk: checkpointSk(seq) },
        ConsistentRead: true,
      }),
    ),
  );
  return out.Item ? itemToCheckpoint(out.Item) : undefined;
}
