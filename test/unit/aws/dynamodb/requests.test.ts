import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { batchGetItems } from '../../../../lib/aws/dynamodb/requests.js';

const ddb = mockClient(DynamoDBDocumentClient);
const ctx = {
  client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  tableName: 't',
  maxItemBytes: 400 * 1024,
};

beforeEach(() => {
  ddb.reset();
});

describe('batchGetItems', () => {
  it('sends each key once (DynamoDB rejects duplicates) and returns each item once', async () => {
    ddb
      .on(BatchGetCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: { pk: string; sk: string }[] }> }) => ({
        Responses: { t: input.RequestItems['t']!.Keys.map((k) => ({ ...k, v: 1 })) },
      }));
    const a = { pk: 'EXEC#a', sk: 'HEAD' };
    const b = { pk: 'EXEC#b', sk: 'HEAD' };
    const items = await batchGetItems(ctx, [a, b, a]);
    const sent = ddb.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!['t']!.Keys;
    expect(sent).toEqual([a, b]);
    expect(items.map((i) => i['pk'])).toEqual(['EXEC#a', 'EXEC#b']);
  });
});
