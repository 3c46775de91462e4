import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ExecutionState } from '../../core/execution-state.js';
import type { ExecutionHead } from '../../runtime/model.js';
import type { ClaimRequest, Fence } from '../../runtime/ports.js';
import { isOwnClaim } from '../../runtime/store-rules.js';
import { headKey, oldHead } from './pinned-write.js';
import { Expression, updateExpression } from '../dynamodb/expression.js';
import { itemToHead } from './items.js';
import type { HeadCache } from './head-cache.js';
import { conditionFailure, translateSdkError } from '../dynamodb/sdk-errors.js';
import type { TableContext } from '../dynamodb/table-context.js';

/**
 * Claims step `step` with one conditional UpdateItem (ReturnValues ALL_NEW, so the
 * input state comes back without another read) whose condition is the port's
 * `canClaim` rule (lib/runtime/store-rules.ts) as an expression: running, version =
 * token, currentStep = step, and no live lease (absent, or expired at `now`). Sets the
 * lease, increments claims, sets lastUpdate. Returns undefined when the condition
 * fails; caches the claimed head for the fenced write that follows. If the SDK
 * retried a claim whose first try did land (a lost response), the condition fails
 * on this owner's own live lease (`isOwnClaim`): that is still our claim, and the
 * head comes back.
 */
export async function claimStep(
  ctx: TableContext,
  cache: HeadCache,
  req: ClaimRequest,
): Promise<ExecutionHead | undefined> {
  const e = new Expression();
  const expiresAt = e.name('leaseExpiresAt');
  const condition = [
    `${e.name('state')} = ${e.value(ExecutionState.Running)}`,
    `${e.name('version')} = ${e.value(req.token)}`,
    `${e.name('currentStep')} = ${e.value(req.step)}`,
    `(attribute_not_exists(${expiresAt}) OR ${expiresAt} <= ${e.value(req.now)})`,
  ].join(' AND ');
  const update = updateExpression(
    [
      `${e.name('leaseOwner')} = ${e.value(req.owner)}`,
      `${expiresAt} = ${e.value(req.now + req.leaseMs)}`,
      `${e.name('lastUpdate')} = ${e.value(req.now)}`,
      `${e.name('claims')} = ${e.name('claims')} + ${e.value(1)}`,
      `${e.name('claimSeq')} = if_not_exists(${e.name('claimSeq')}, ${e.value(0)}) + ${e.value(1)}`,
    ],
    // A limit's refusal is over once the step is claimed again (no cost: same write).
    [e.name('throttled')],
  );
  try {
    const out = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: headKey(req.id),
        UpdateExpression: update,
        ConditionExpression: condition,
        ...e.params(),
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    if (!out.Attributes) return undefined;
    const head = itemToHead(out.Attributes);
    cache.set(head);
    return head;
  } catch (thrown) {
    const failure = conditionFailure(thrown);
    if (failure) {
      const current = oldHead(failure.item);
      if (current === undefined || !isOwnClaim(current, req)) return undefined;
      cache.set(current);
      return current;
    }
    throw translateSdkError(thrown, `DynamoDB UpdateItem (claim) on ${ctx.tableName}`);
  }
}

/**
 * Extends this owner's lease to `now + leaseMs` with one conditional UpdateItem whose
 * condition is the port's `holdsLease` rule: version = token, leaseOwner = owner,
 * state running or paused. `lost: true` (with
 * the current state, if the head exists) when the condition fails.
 */
export async function extendLease(
  ctx: TableContext,
  cache: HeadCache,
  req: Fence & { leaseMs: number },
): Promise<{ lost: boolean; state?: ExecutionState }> {
  const e = new Expression();
  const condition = [
    `${e.name('version')} = ${e.value(req.token)}`,
    `${e.name('leaseOwner')} = ${e.value(req.owner)}`,
    e.in('state', [ExecutionState.Running, ExecutionState.Paused]),
  ].join(' AND ');
  try {
    const out = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: headKey(req.id),
        UpdateExpression: `SET ${e.name('leaseExpiresAt')} = ${e.value(req.now + req.leaseMs)}`,
        ConditionExpression: condition,
        ...e.params(),
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    const head = out.Attributes ? itemToHead(out.Attributes) : undefined;
    if (head) cache.set(head);
    return head ? { lost: false, state: head.state } : { lost: false };
  } catch (thrown) {
    const failed = conditionFailure(thrown);
    if (!failed) throw translateSdkError(thrown, `DynamoDB UpdateItem (extendLease) on ${ctx.tableName}`);
    const current = oldHead(failed.item);
    return current ? { lost: true, state: current.state } : { lost: true };
  }
}
