import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { headToItem } from '../../../lib/aws/execution-store/items.js';
import { encodePageToken } from '../../../lib/runtime/paging.js';
import { LeaseConflictError, StaleTokenError } from '../../../lib/runtime/errors.js';
import { sampleHead, wireItem } from './mock-items.js';

const ddb = mockClient(DynamoDBDocumentClient);
const fence = { id: 'exec_1', token: 3, owner: 'a', now: 1500 };
const commitReq = { ...fence, step: 1, output: { n: 2 }, sweepAt: 9000, events: [] };

function store(): DynamoDbExecutionStore {
  return new DynamoDbExecutionStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    tableName: 't',
  });
}

function conditionFailed(current: ReturnType<typeof sampleHead>): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: wireItem(current),
  });
}

beforeEach(() => {
  ddb.reset();
});

describe('DynamoDbExecutionStore error translation (mocked SDK)', () => {
  it('turns throttling into a retryable THROTTLED error carrying the cause', async () => {
    const cause = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    ddb.on(UpdateCommand).rejects(cause);
    const claim = store().claim({ ...fence, step: 1, leaseMs: 100 });
    await expect(claim).rejects.toMatchObject({ code: 'THROTTLED', retryable: true, cause });
  });

  it('turns a service fault into a retryable STORE_UNAVAILABLE error', async () => {
    ddb.on(GetCommand).rejects(new InternalServerError({ message: 'oops', $metadata: {} }));
    await expect(store().get('exec_1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
  });

  it('throws STALE_TOKEN with the current head when the commit finds another version', async () => {
    ddb.on(GetCommand).resolves({ Item: headToItem(sampleHead()) });
    const moved = sampleHead({ version: 4, leaseOwner: 'b', claims: 0 });
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).rejects(conditionFailed(moved));
    const commit = store().commit(commitReq);
    await expect(commit).rejects.toBeInstanceOf(StaleTokenError);
    await expect(commit).rejects.toMatchObject({ current: moved });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('throws LEASE_CONFLICT when another owner holds the lease at the same version', async () => {
    ddb.on(GetCommand).resolves({ Item: headToItem(sampleHead()) });
    const taken = sampleHead({ leaseOwner: 'b', claims: 2 });
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).rejects(conditionFailed(taken));
    const commit = store().commit(commitReq);
    await expect(commit).rejects.toBeInstanceOf(LeaseConflictError);
    await expect(commit).rejects.toMatchObject({ code: 'LEASE_CONFLICT', current: { leaseOwner: 'b' } });
  });

  it('works a commit out again when only unfenced fields changed, and completes it without putting the checkpoint twice', async () => {
    ddb.on(GetCommand).resolves({ Item: headToItem(sampleHead()) });
    const paused = sampleHead({ state: 'paused', lastUpdate: 1200 });
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed(paused)).resolves({});
    const head = await store().commit(commitReq);
    expect(head).toMatchObject({ state: 'paused', currentStep: 2, version: 4 });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(2);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('puts the checkpoint stamped with its claim sequence, conditional on no later claim having put it', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...headToItem(sampleHead()), claimSeq: 7 } });
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    await store().commit(commitReq);
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.Item).toMatchObject({ sk: 'CP#0000000002', writerSeq: 7 });
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk) OR writerSeq <= :seq');
    expect(put?.ExpressionAttributeValues).toEqual({ ':seq': 7 });
  });

  it('stops at a checkpoint put by a later claim: reads the head and refuses, without updating it', async () => {
    const taken = sampleHead({ leaseOwner: 'b', claims: 2 });
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: headToItem(sampleHead()) })
      .resolves({ Item: headToItem(taken) });
    ddb
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    await expect(store().commit(commitReq)).rejects.toMatchObject({ code: 'LEASE_CONFLICT' });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('refuses an oversized output before sending any write', async () => {
    ddb.on(GetCommand).resolves({ Item: headToItem(sampleHead()) });
    const big = { ...commitReq, output: 'x'.repeat(400 * 1024) };
    await expect(store().commit(big)).rejects.toMatchObject({ code: 'STATE_TOO_LARGE' });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('refuses garbled, foreign and forged tokens before any SDK call', async () => {
    const s = store();
    const forged = encodePageToken('byState:running', {
      pk: 'EXEC#other',
      sk: 'HEAD',
      state: 'running',
      listSk: '2025-01-01T00:00:00.000Z#mine',
    });
    const wrongPk = encodePageToken('checkpoints:exec_1', { pk: 'EXEC#exec_2', sk: 'CP#0000000001' });
    const extraKey = encodePageToken('checkpoints:exec_1', { pk: 'EXEC#exec_1', sk: 'CP#0000000001', x: '1' });
    const attempts = [
      () => s.list({ state: 'running', limit: 5, nextToken: forged }),
      () => s.list({ state: 'running', limit: 5, nextToken: 'not!a*token' }),
      () => s.list({ state: 'paused', limit: 5, nextToken: encodePageToken('byState:running', {}) }),
      () => s.list({ limit: 5, nextToken: encodePageToken('byState:*', { running: { pk: 'EXEC#a', sk: 'HEAD' } }) }),
      () => s.listCheckpoints('exec_1', { limit: 5, nextToken: wrongPk }),
      () => s.listCheckpoints('exec_1', { limit: 5, nextToken: extraKey }),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('passes a valid token on as the ExclusiveStartKey', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    const key = { pk: 'EXEC#mine', sk: 'HEAD', state: 'running', listSk: '2025-01-01T00:00:00.000Z#mine' };
    await store().list({ state: 'running', limit: 5, nextToken: encodePageToken('byState:running', key) });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual(key);
  });

  it("treats a claim whose retried request finds its own live lease as claimed, and another owner's as not", async () => {
    const claimReq = { id: 'exec_1', token: 3, owner: 'a', now: 1500, step: 1, leaseMs: 60_000 };
    const fail = (head: ReturnType<typeof sampleHead>) =>
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: wireItem(head),
      });
    ddb.on(UpdateCommand).rejects(fail(sampleHead({ leaseOwner: 'a', leaseExpiresAt: 61_500 })));
    expect(await store().claim(claimReq)).toMatchObject({ leaseOwner: 'a', version: 3, currentStep: 1 });
    ddb.reset();
    ddb.on(UpdateCommand).rejects(fail(sampleHead({ leaseOwner: 'b', leaseExpiresAt: 61_500 })));
    expect(await store().claim(claimReq)).toBeUndefined();
  });
});
