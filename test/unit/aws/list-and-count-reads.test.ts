import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { headToItem } from '../../../lib/aws/execution-store/items.js';
import type { Item } from '../../../lib/aws/dynamodb/table-context.js';
import { sampleHead } from './mock-items.js';

// What the emulator cannot show cheaply: a name search over more index entries than
// one page may examine, and a count that must follow LastEvaluatedKey. A fake table
// answers Query (newest first, Limit, ExclusiveStartKey) and BatchGetItem from a
// list of heads, as DynamoDB would.

const ddb = mockClient(DynamoDBDocumentClient);

function store(): DynamoDbExecutionStore {
  return new DynamoDbExecutionStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    tableName: 't',
  });
}

/** A fake table of `items`; Query pages hold at most `pageSize` entries (DynamoDB's 1 MB, made small). */
function fakeTable(items: Item[], pageSize = Number.POSITIVE_INFINITY): { queries: QueryCommandInput[] } {
  const queries: QueryCommandInput[] = [];
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    queries.push(input);
    const value = input.ExpressionAttributeValues?.[':p'] ?? input.ExpressionAttributeValues?.[':s'];
    const partition = items
      .filter((i) => i['state'] === value)
      .sort((a, b) => (String(a['listSk']) < String(b['listSk']) ? 1 : -1));
    const after = input.ExclusiveStartKey?.['listSk'];
    const rest = after === undefined ? partition : partition.filter((i) => String(i['listSk']) < String(after));
    const page = rest.slice(0, Math.min(input.Limit ?? rest.length, pageSize));
    const last = page.at(-1);
    const more = rest.length > page.length && last !== undefined;
    const keys = page.map((i) => ({ pk: i['pk'], sk: i['sk'], state: i['state'], listSk: i['listSk'] }));
    return {
      ...(input.Select === 'COUNT' ? { Count: page.length } : { Items: keys, Count: page.length }),
      ...(more ? { LastEvaluatedKey: keys.at(-1) } : {}),
    };
  });
  ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Item[] }> }) => {
    const wanted = new Set((input.RequestItems['t']?.Keys ?? []).map((k) => String(k['pk'])));
    return { Responses: { t: items.filter((i) => wanted.has(String(i['pk']))) } };
  });
  return { queries };
}

const head = (i: number, name: string) =>
  headToItem(sampleHead({ id: `e${String(i).padStart(5, '0')}`, name, startTime: i }));

beforeEach(() => {
  ddb.reset();
});

describe('DynamoDbExecutionStore name search and counts (fake table)', () => {
  it('returns a short page with a token after examining 1,000 entries of other names, then finds the match', async () => {
    // 1,200 running executions, newest first: only the oldest is named "needle".
    fakeTable(Array.from({ length: 1200 }, (_, i) => head(i, i === 0 ? 'the Needle' : `hay ${i}`)));
    const first = await store().list({ limit: 5, name: 'needle' });
    expect(first.items).toEqual([]);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await store().list({ limit: 5, name: 'needle', nextToken: first.nextToken ?? '' });
    expect(second.items.map((h) => h.id)).toEqual(['e00000']);
    expect(second.nextToken).toBeUndefined();
  });

  it('fills a page past the heads of other names, and its token continues after the last entry examined', async () => {
    const names = ['a match', 'no', 'no', 'MATCH b', 'no', 'match c', 'match d'];
    fakeTable(names.map((name, i) => head(names.length - i, name)));
    const first = await store().list({ limit: 2, name: 'match' });
    expect(first.items.map((h) => h.name)).toEqual(['a match', 'MATCH b']);
    const second = await store().list({ limit: 2, name: 'match', nextToken: first.nextToken ?? '' });
    expect(second.items.map((h) => h.name)).toEqual(['match c', 'match d']);
  });

  it('counts a state across Query pages until one past the cap, with Select COUNT on the byState index', async () => {
    const { queries } = fakeTable(
      Array.from({ length: 7 }, (_, i) => head(i, `n${i}`)),
      2,
    );
    const capped = await store().countByState({ cap: 5 });
    expect(capped.running).toEqual({ count: 5, capped: true });
    expect(capped.failed).toEqual({ count: 0, capped: false });
    const running = queries.filter((q) => q.ExpressionAttributeValues?.[':s'] === 'running');
    expect(running.map((q) => q.Limit)).toEqual([6, 4, 2]);
    for (const q of queries) expect(q).toMatchObject({ IndexName: 'byState', Select: 'COUNT' });
    expect((await store().countByState({ cap: 7 })).running).toEqual({ count: 7, capped: false });
  });
});
