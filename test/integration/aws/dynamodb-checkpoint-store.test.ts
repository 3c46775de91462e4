import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../lib/aws/dynamodb-checkpoint-store.js';
import { snapshotPk } from '../../../lib/aws/schema/table-schema.js';
import type { LogFields } from '../../../lib/core/logger.js';
import type { Execution } from '../../../lib/core/types.js';
import { checkpointStoreContract } from '../../contract/checkpoint-store-contract.js';
import { useAwsResources, useFreshTables } from './aws-test-context.js';
import { newTestId } from './fixtures.js';

const aws = useAwsResources();
const freshTable = useFreshTables(aws);

function execution(id: string, overrides: Partial<Execution> = {}): Execution {
  return {
    id,
    name: 'report',
    state: 'paused',
    progress: 50,
    currentStep: 1,
    totalSteps: 2,
    stepNames: ['fetch', 'write'],
    startTime: new Date('2025-03-01T04:30:00.123Z'),
    lastUpdate: new Date('2025-03-01T04:31:00.456Z'),
    checkpoints: [{ id: 'cp_a', step: 1, state: { rows: [1, 2] }, timestamp: new Date('2025-03-01T04:31:00.400Z') }],
    metadata: { owner: 'ops' },
    ...overrides,
  };
}

describe('DynamoDbCheckpointStore (emulator)', () => {
  checkpointStoreContract(
    async () => new DynamoDbCheckpointStore({ client: aws().documentClient, tableName: await freshTable() }),
  );

  it('saves, replaces, loads, lists and deletes executions', async () => {
    const warnings: LogFields[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (_: string, f?: LogFields) => void warnings.push(f ?? {}),
    };
    const store = new DynamoDbCheckpointStore({ client: aws().documentClient, tableName: aws().tableName, logger });
    const [a, b] = [`a_${newTestId()}`, `b_${newTestId()}`];
    await store.saveCheckpoint(execution(b));
    await store.saveCheckpoint(execution(a));
    await store.saveCheckpoint(execution(a, { state: 'completed', currentStep: 2, progress: 100 }));
    expect(await store.loadCheckpoint(a)).toEqual(execution(a, { state: 'completed', currentStep: 2, progress: 100 }));
    await aws().documentClient.send(
      new PutCommand({
        TableName: aws().tableName,
        Item: {
          pk: snapshotPk('c_bad'),
          sk: 'SNAPSHOT',
          kind: 'SNAPSHOT',
          listSk: 'c_bad',
          id: 'c_bad',
          document: '{"id":',
        },
      }),
    );
    const listed = await store.listCheckpoints();
    expect(listed.map((e) => [e.id, e.state])).toEqual([
      [a, 'completed'],
      [b, 'paused'],
    ]);
    expect(warnings).toEqual([expect.objectContaining({ id: 'c_bad' })]);
    await expect(store.loadCheckpoint('c_bad')).rejects.toMatchObject({ code: 'CORRUPT_RECORD' });
    await store.deleteCheckpoint(a);
    await expect(store.loadCheckpoint(a)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.deleteCheckpoint(a)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await store.listCheckpoints()).map((e) => e.id)).toEqual([b]);
  });

  it('refuses a snapshot over 400 KB and an unsafe id without writing', async () => {
    const store = new DynamoDbCheckpointStore({ client: aws().documentClient, tableName: aws().tableName });
    const id = newTestId();
    const big = execution(id, {
      checkpoints: [{ id: 'cp', step: 1, state: 'x'.repeat(410 * 1024), timestamp: new Date(0) }],
    });
    await expect(store.saveCheckpoint(big)).rejects.toMatchObject({ code: 'STATE_TOO_LARGE' });
    await expect(store.loadCheckpoint(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.saveCheckpoint(execution('../etc'))).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
