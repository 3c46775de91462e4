import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { headToItem } from '../../../lib/aws/execution-store/items.js';
import { sampleHead } from './mock-items.js';

it('list({ state }) returns only heads in that state, even while the byState index lags (GSIs are eventually consistent)', async () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  // e1 was failed when indexed; a retry has since made the head running (the GSI entry not yet moved).
  const table = [headToItem(sampleHead({ id: 'e1', state: 'running', startTime: 1 }))];
  const index: Record<string, unknown>[] = [{ ...table[0]!, state: 'failed' }];
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const value = input.ExpressionAttributeValues?.[':p'];
    const keys = index
      .filter((i) => i['state'] === value)
      .map((i) => ({ pk: i['pk'], sk: i['sk'], state: i['state'], listSk: i['listSk'] }));
    return { Items: keys, Count: keys.length };
  });
  ddb.on(BatchGetCommand).callsFake(() => ({ Responses: { t: table } }));
  const store = new DynamoDbExecutionStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    tableName: 't',
  });
  const page = await store.list({ state: 'failed', limit: 10 });
  expect(page.items.map((h) => h.state)).toEqual([]);
  ddb.restore();
});
