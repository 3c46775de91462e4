import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { checkpointSk, execPk, idempotencyPk } from '../../../lib/aws/schema/table-schema.js';
import type { ExecutionState } from '../../../lib/core/execution-state.js';
import { MAX_RECORDED_EVENTS } from '../../../lib/runtime/model.js';
import type { TransitionRequest } from '../../../lib/runtime/ports.js';
import { useAwsResources } from './aws-test-context.js';
import { newExecution } from './fixtures.js';

const aws = useAwsResources();

function store(): DynamoDbExecutionStore {
  return new DynamoDbExecutionStore({ client: aws().documentClient, tableName: aws().tableName });
}

function request(
  id: string,
  action: string,
  from: ExecutionState[],
  to: ExecutionState,
  extra: Partial<TransitionRequest> = {},
): TransitionRequest {
  return { id, action, from, to, now: 5000, bumpVersion: true, event: { type: 'paused', step: 0, at: 5000 }, ...extra };
}

async function putCheckpoints(id: string, steps: number[]): Promise<void> {
  for (let i = 0; i < steps.length; i += 25) {
    const puts = steps.slice(i, i + 25).map((step) => ({
      PutRequest: {
        Item: {
          pk: execPk(id),
          sk: checkpointSk(step),
          id: `${id}/${step}`,
          executionId: id,
          step,
          timestamp: 0,
          data: '1',
        },
      },
    }));
    await aws().documentClient.send(new BatchWriteCommand({ RequestItems: { [aws().tableName]: puts } }));
  }
}

async function partitionSize(pk: string): Promise<number> {
  const out = await aws().documentClient.send(
    new QueryCommand({
      TableName: aws().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return out.Items?.length ?? 0;
}

describe('DynamoDbExecutionStore control actions (emulator)', () => {
  it('returns the existing execution for a used idempotency key', async () => {
    const s = store();
    const first = newExecution({ idempotencyKey: 'order-42' });
    const created = await s.create(first);
    const again = await s.create(newExecution({ idempotencyKey: 'order-42', name: 'other' }));
    expect(again).toEqual({ head: created.head, created: false });
    expect(await partitionSize(execPk(first.id))).toBe(2);
  });

  it('refuses to create an execution whose id exists', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await expect(s.create({ ...exec, name: 'again' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await s.get(exec.id))?.name).toBe('report');
  });

  it('pauses, resumes with a new sweep time, and cancels', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    const paused = await s.transition(request(exec.id, 'pause', ['running'], 'paused', { bumpVersion: false }));
    expect(paused).toMatchObject({ state: 'paused', version: 0, lastUpdate: 5000, sweepAt: exec.sweepAt });
    expect(paused.events).toEqual([{ type: 'paused', step: 0, at: 5000 }]);
    const resumed = await s.transition(
      request(exec.id, 'resume', ['paused'], 'running', {
        sweepAt: 7000,
        event: { type: 'resumed', step: 0, at: 6000 },
      }),
    );
    expect(resumed).toMatchObject({ state: 'running', version: 1, sweepAt: 7000 });
    expect(await s.findStalled({ now: 7000, dueBefore: 7000, limit: 10 })).toEqual([resumed]);
    await s.claim({ id: exec.id, token: 1, owner: 'a', now: 6500, step: 0, leaseMs: 1000 });
    const cancelled = await s.transition(request(exec.id, 'cancel', ['running', 'paused'], 'cancelled', { end: true }));
    expect(cancelled).toMatchObject({ state: 'cancelled', version: 2, endTime: 5000 });
    expect(cancelled.leaseOwner).toBeUndefined();
    expect(cancelled.sweepAt).toBeUndefined();
    expect(await s.get(exec.id)).toEqual(cancelled);
  });

  it('retries a failed execution, clearing error and endTime and resetting claims', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: 1, step: 0, leaseMs: 100 });
    await s.fail({
      id: exec.id,
      token: 0,
      owner: 'a',
      now: 2,
      error: { code: 'STEP_FAILED', message: 'x' },
      events: [],
    });
    const retried = await s.transition(
      request(exec.id, 'retry', ['failed'], 'running', { resetAttempts: true, sweepAt: 10 }),
    );
    expect(retried).toMatchObject({ state: 'running', version: 2, claims: 0, sweepAt: 10 });
    expect(retried.error).toBeUndefined();
    expect(retried.endTime).toBeUndefined();
  });

  it('reports the actual state of an illegal transition, and NOT_FOUND for no execution', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await expect(s.transition(request(exec.id, 'resume', ['paused'], 'running'))).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      state: 'running',
      action: 'resume',
    });
    expect((await s.get(exec.id))?.version).toBe(0);
    await expect(s.transition(request('exec_missing', 'pause', ['running'], 'paused'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('drops the oldest event when a transition finds the event list full', async () => {
    const s = store();
    const events = Array.from({ length: MAX_RECORDED_EVENTS }, (_, i) => ({
      type: 'checkpointed' as const,
      step: 0,
      at: i,
    }));
    const exec = newExecution({ events });
    await s.create(exec);
    const paused = await s.transition(
      request(exec.id, 'pause', ['running'], 'paused', { event: { type: 'paused', step: 0, at: 777 } }),
    );
    expect(paused.events).toHaveLength(MAX_RECORDED_EVENTS);
    expect(paused.events[0]?.at).toBe(1);
    expect(paused.events.at(-1)).toEqual({ type: 'paused', step: 0, at: 777 });
    expect(await s.get(exec.id)).toEqual(paused);
  });

  it('deletes a terminal execution with all its checkpoints and frees its idempotency key', async () => {
    const s = store();
    const exec = newExecution({ idempotencyKey: 'del-1', stepNames: ['only'] });
    await s.create(exec);
    await expect(s.delete(exec.id)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION', state: 'running' });
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: 1, step: 0, leaseMs: 100 });
    await s.commit({ id: exec.id, token: 0, owner: 'a', now: 2, step: 0, output: 'done', sweepAt: 3, events: [] });
    expect(await partitionSize(execPk(exec.id))).toBe(3);
    await s.delete(exec.id);
    expect(await s.get(exec.id)).toBeUndefined();
    expect(await partitionSize(execPk(exec.id))).toBe(0);
    const idem = await aws().documentClient.send(
      new GetCommand({ TableName: aws().tableName, Key: { pk: idempotencyPk('del-1'), sk: 'IDEM' } }),
    );
    expect(idem.Item).toBeUndefined();
    await expect(s.delete(exec.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const reused = await s.create(newExecution({ idempotencyKey: 'del-1' }));
    expect(reused.created).toBe(true);
  });

  it('deletes more checkpoints than one batch holds', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.transition(request(exec.id, 'cancel', ['running'], 'cancelled', { end: true }));
    await putCheckpoints(
      exec.id,
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    expect(await partitionSize(execPk(exec.id))).toBe(62);
    await s.delete(exec.id);
    expect(await partitionSize(execPk(exec.id))).toBe(0);
  });

  it('clears the leftovers of an interrupted delete, and creates over them', async () => {
    const s = store();
    const orphan = newExecution();
    await putCheckpoints(orphan.id, [0, 1, 2]);
    await expect(s.delete(orphan.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await partitionSize(execPk(orphan.id))).toBe(0);
    const again = newExecution({ idempotencyKey: `left-${orphan.id}` });
    await putCheckpoints(again.id, [0, 5]);
    await aws().documentClient.send(
      new PutCommand({
        TableName: aws().tableName,
        Item: { pk: idempotencyPk(`left-${orphan.id}`), sk: 'IDEM', executionId: 'exec_gone' },
      }),
    );
    const created = await s.create(again);
    expect(created.created).toBe(true);
    expect((await s.listCheckpoints(again.id, { limit: 10 })).items.map((cp) => [cp.step, cp.state])).toEqual([
      [0, again.input],
    ]);
  });
});
