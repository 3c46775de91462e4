import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbLimiter, LIMITS_PK, limitSk } from '../../../lib/aws/dynamodb-limiter.js';
import { useAwsResources } from './aws-test-context.js';

const aws = useAwsResources();
const limiter = () => new DynamoDbLimiter({ client: aws().documentClient, tableName: aws().tableName });

describe('DynamoDbLimiter (emulator)', () => {
  it('never grants more than the concurrency to acquires racing on one key', async () => {
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        limiter()
          .acquire({
            key: 'race',
            executionId: `e${i}`,
            holderId: `e${i}#w`,
            leaseUntil: now + 60_000,
            now,
            concurrency: 3,
          })
          .then(
            (r) => r.granted,
            () => false, // too contended: the worker treats it as a refusal
          ),
      ),
    );
    expect(results.filter(Boolean).length).toBeLessThanOrEqual(3);
    const [use] = (await limiter().list(now)).filter((u) => u.key === 'race');
    expect(use?.inUse).toBe(results.filter(Boolean).length);
  });

  it('releases once, lists every key with one query, and reports a corrupt record', async () => {
    const l = limiter();
    const now = Date.now();
    await l.acquire({ key: 'rel', executionId: 'a', holderId: 'a#w', leaseUntil: now + 60_000, now, concurrency: 1 });
    await l.acquire({ key: 'rate', executionId: 'a', holderId: 'a#w', leaseUntil: now + 60_000, now, perSecond: 5 });
    await l.release({ key: 'rel', holderId: 'a#w' });
    await l.release({ key: 'rel', holderId: 'a#w' });
    const listed = await l.list(now);
    expect(listed).toEqual(
      expect.arrayContaining([
        { key: 'rel', inUse: 0, limit: 1, waiting: 0 },
        { key: 'rate', inUse: 0, waiting: 0, perSecond: 5, tokens: { perSecond: 4 } },
      ]),
    );
    await aws().documentClient.send(
      new PutCommand({ TableName: aws().tableName, Item: { pk: LIMITS_PK, sk: limitSk('bad'), rev: 1, limit: 'x' } }),
    );
    await expect(
      l.acquire({ key: 'bad', executionId: 'a', holderId: 'a#w', leaseUntil: now + 1, now, concurrency: 1 }),
    ).rejects.toThrow(/corrupt limit record KEY#bad/);
  });
});
