import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorCode, LongRunningError } from '../../core/errors.js';
import { ExecutionState, isTerminalState } from '../../core/execution-state.js';
import { transitionedHead } from '../../runtime/head-changes.js';
import { MAX_RECORDED_EVENTS, type ExecutionHead } from '../../runtime/model.js';
import type { TransitionRequest } from '../../runtime/ports.js';
import { headKey, oldHead, readHead, writeOverBase } from './pinned-write.js';
import { Expression, updateExpression } from '../dynamodb/expression.js';
import { FENCE_PINS } from './fenced-writes.js';
import type { HeadCache } from './head-cache.js';
import { eventToMap, itemToHead } from './items.js';
import { isSafeId } from '../../core/ids.js';
import { assertTransitionAllowed } from '../../runtime/store-rules.js';
import { conditionFailure, translateSdkError } from '../dynamodb/sdk-errors.js';
import type { TableContext } from '../dynamodb/table-context.js';
import { activeShard } from '../schema/table-schema.js';

const TRANSITION_PINS = [...FENCE_PINS, 'leaseExpiresAt'] as const;
const MAX_ATTEMPTS = 5;

/**
 * Applies a control action with one conditional UpdateItem: state IN (`from`) and
 * room for one more event (the head keeps MAX_RECORDED_EVENTS). A failed condition
 * returns the old item: none is NOT_FOUND, another state ILLEGAL_TRANSITION (with
 * the actual state). A full event list is trimmed by a second write conditional on
 * the head the failure returned.
 */
export async function transitionExecution(
  ctx: TableContext,
  cache: HeadCache,
  req: TransitionRequest,
): Promise<ExecutionHead> {
  let current: ExecutionHead | undefined;
  if (req.from.length === 0 || !isSafeId(req.id)) {
    current = isSafeId(req.id) ? await readHead(ctx, req.id) : undefined;
  } else {
    try {
      const head = await blindTransition(ctx, req);
      cache.set(head);
      return head;
    } catch (thrown) {
      const failed = conditionFailure(thrown);
      if (!failed) throw translateSdkError(thrown, `DynamoDB UpdateItem (${req.action}) on ${ctx.tableName}`);
      current = oldHead(failed.item);
    }
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    assertTransitionAllowed(req, current);
    const next = transitionedHead(current, req);
    const result = await writeOverBase(ctx, current, next, TRANSITION_PINS);
    if (result.ok) {
      cache.set(next);
      return next;
    }
    current = result.current;
  }
  throw new LongRunningError(ErrorCode.Conflict, `execution ${req.id}: the head kept changing during ${req.action}`, {
    retryable: true,
  });
}

async function blindTransition(ctx: TableContext, req: TransitionRequest): Promise<ExecutionHead> {
  const e = new Expression();
  const set = [
    `${e.name('state')} = ${e.value(req.to)}`,
    `${e.name('lastUpdate')} = ${e.value(req.now)}`,
    `${e.name('events')} = list_append(${e.name('events')}, ${e.value([eventToMap(req.event)])})`,
  ];
  const remove: string[] = [];
  if (req.bumpVersion) set.push(`${e.name('version')} = ${e.name('version')} + ${e.value(1)}`);
  if (req.resetAttempts) {
    set.push(`${e.name('claims')} = ${e.value(0)}`);
    remove.push(e.name('error'));
    if (!req.end) remove.push(e.name('endTime'));
  }
  if (req.end) set.push(`${e.name('endTime')} = ${e.value(req.now)}`);
  if (isTerminalState(req.to)) {
    remove.push(...['leaseOwner', 'leaseExpiresAt', 'sweepAt', 'activePk', 'wait', 'callbacks'].map((a) => e.name(a)));
  } else if (req.to === ExecutionState.Running) {
    set.push(`${e.name('activePk')} = ${e.value(activeShard(req.id))}`);
    if (req.sweepAt !== undefined) set.push(`${e.name('sweepAt')} = ${e.value(req.sweepAt)}`);
  } else {
    remove.push(e.name('activePk'));
  }
  const condition = [
    `attribute_exists(${e.name('pk')})`,
    e.in('state', req.from),
    `size(${e.name('events')}) < ${e.value(MAX_RECORDED_EVENTS)}`,
  ].join(' AND ');
  const out = await ctx.client.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: headKey(req.id),
      UpdateExpression: updateExpression(set, remove),
      ConditionExpression: condition,
      ...e.params(),
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
  );
  if (!out.Attributes) throw new LongRunningError(ErrorCode.Internal, `UpdateItem returned no item for ${req.id}`);
  return itemToHead(out.Attributes);
}
