import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { checkpointSk, execPk, idempotencyPk } from '../../../lib/aws/schema/table-schema.js';
import { useAwsResources } from './aws-test-context.js';
import { newExecution } from './fixtures.js';

// The items of one execution's partition and its idempotency record: what create and
// delete write and remove, including the leftovers of a delete that was cut short.

const aws = useAwsResources();

function store(): DynamoDbExecutionStore {
  return new DynamoDbExecutionStore({ client: aws().documentClient, tableName: aws().tableName });
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

async function idempotencyRecord(key: string): Promise<Record<string, unknown> | undefined> {
  const out = await aws().documentClient.send(
    new GetCommand({ TableName: aws().tableName, Key: { pk: idempotencyPk(key), sk: 'IDEM' } }),
  );
  return out.Item;
}

describe('DynamoDbExecutionStore partition items (emulator)', () => {
  it('writes the head, checkpoint 0 and an idempotency record once for a used key', async () => {
    const s = store();
    const first = newExecution({ idempotencyKey: 'order-42' });
    await s.create(first);
    const again = await s.create(newExecution({ idempotencyKey: 'order-42', name: 'other' }));
    expect(again.created).toBe(false);
    expect(await partitionSize(execPk(first.id))).toBe(2);
    expect(await idempotencyRecord('order-42')).toMatchObject({ executionId: first.id });
  });

  it('deletes every item of a terminal execution and its idempotency record', async () => {
    const s = store();
    const exec = newExecution({ idempotencyKey: 'del-1', stepNames: ['only'] });
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: 1, step: 0, leaseMs: 100 });
    await s.commit({ id: exec.id, token: 0, owner: 'a', now: 2, step: 0, output: 'done', sweepAt: 3, events: [] });
    expect(await partitionSize(execPk(exec.id))).toBe(3);
    await s.delete(exec.id);
    expect(await partitionSize(execPk(exec.id))).toBe(0);
    expect(await idempotencyRecord('del-1')).toBeUndefined();
  });

  it('deletes more checkpoints than one batch holds', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.transition({
      id: exec.id,
      from: ['running'],
      to: 'cancelled',
      now: 5000,
      bumpVersion: true,
      end: true,
      event: { type: 'execution_cancelled', step: 0, at: 5000 },
      action: 'cancel',
    });
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
    expect(await idempotencyRecord(`left-${orphan.id}`)).toMatchObject({ executionId: again.id });
  });
});
