import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { LargeStateExecutionStore } from '../../../lib/aws/large-state/large-state-store.js';
import { S3StateObjects } from '../../../lib/aws/large-state/state-objects.js';
import { StoredStateRef } from '../../../lib/aws/large-state/state-ref.js';
import { EventType } from '../../../lib/core/events.js';
import { itemSizeBytes } from '../../../lib/core/item-size.js';
import { execPk } from '../../../lib/aws/schema/table-schema.js';
import { emulatorClientConfig } from '../../support/aws-resources.js';
import { useAwsResources } from './aws-test-context.js';
import { newExecution } from './fixtures.js';

// The large-state path on the emulator's DynamoDB and S3: objects, references in the
// table, reading back with a cold cache, links, deletion, and the crash windows
// around the object write.

const aws = useAwsResources();
const LEASE = 30_000;

function objects(): S3StateObjects {
  return new S3StateObjects({
    bucket: aws().stateBucket,
    clientConfig: { ...emulatorClientConfig(aws().endpoint), forcePathStyle: true },
  });
}

/** A store as one Lambda instance holds it: its own table handle, object client and caches. */
function instance(thresholdBytes = 1024): LargeStateExecutionStore {
  const table = new DynamoDbExecutionStore({ client: aws().documentClient, tableName: aws().tableName });
  return new LargeStateExecutionStore(table, { objects: objects(), thresholdBytes });
}

async function partitionItems(id: string): Promise<Record<string, unknown>[]> {
  const out = await aws().documentClient.send(
    new QueryCommand({
      TableName: aws().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': execPk(id) },
    }),
  );
  return out.Items ?? [];
}

/** A state of about `bytes` bytes of JSON, with text that is not ASCII, so bytes and characters differ. */
function bigState(bytes: number, tag: string): { tag: string; text: string; list: number[] } {
  return { tag, text: 'état-'.repeat(Math.ceil(bytes / 7)), list: [1, 2, 3] };
}

describe('S3StateObjects (emulator)', () => {
  it('writes and reads text, reports a missing object as CORRUPT_RECORD, and signs a link that reads it', async () => {
    const o = objects();
    const text = JSON.stringify(bigState(300_000, 'a'));
    await o.put('executions/x1/a.json', text);
    expect(await o.get('executions/x1/a.json')).toBe(text);
    await expect(o.get('executions/x1/missing.json')).rejects.toMatchObject({ code: 'CORRUPT_RECORD' });
    const url = await o.url('executions/x1/a.json', 60);
    expect(url).toMatch(/X-Amz-Signature=/);
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe(text);
  });

  it('deletes every object under a prefix, across pages, and nothing else', async () => {
    const o = objects();
    const keys = Array.from({ length: 1_005 }, (_, i) => `executions/many/${String(i).padStart(4, '0')}.json`);
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((k) => o.put(k, '{}')));
    }
    await o.put('executions/many-other/keep.json', '{}');
    expect(await o.deletePrefix('executions/many/')).toBe(1_005);
    expect(await o.deletePrefix('executions/many/')).toBe(0);
    expect(await o.get('executions/many-other/keep.json')).toBe('{}');
  });
});

describe('LargeStateExecutionStore over DynamoDB and S3 (emulator)', () => {
  it('keeps a 1 MB state out of the table and gives it back to another instance claiming the step', async () => {
    const api = instance();
    const input = bigState(1_000_000, 'input');
    const exec = newExecution({ input });
    const { head } = await api.create(exec);
    expect(head.data).toBeInstanceOf(StoredStateRef);
    const ref = head.data as StoredStateRef;
    expect(ref.key).toMatch(new RegExp(`^executions/${exec.id}/[0-9a-f]{64}\\.json$`));
    expect(ref.bytes).toBe(Buffer.byteLength(JSON.stringify(input)));
    for (const item of await partitionItems(exec.id)) expect(itemSizeBytes(item)).toBeLessThan(1_024);

    const worker = instance();
    const claimed = await worker.claim({ id: exec.id, token: 0, owner: 'w1', now: exec.now, step: 0, leaseMs: LEASE });
    expect(claimed?.data).toEqual(input);

    const output = bigState(1_200_000, 'output');
    const committed = await worker.commit({
      id: exec.id,
      token: 0,
      owner: 'w1',
      now: exec.now + 1,
      step: 0,
      output,
      sweepAt: exec.now + 60_000,
      events: [],
    });
    expect(committed.data).toBeInstanceOf(StoredStateRef);
    const cps = await api.listCheckpoints(exec.id, { limit: 10 });
    expect(cps.items.map((cp) => cp.seq)).toEqual([1, 0]);
    expect(await api.readState(cps.items[0]?.state)).toEqual(output);
    expect(await api.readState(cps.items[1]?.state)).toEqual(input);
    for (const item of await partitionItems(exec.id)) expect(itemSizeBytes(item)).toBeLessThan(1_024);
  });

  it('keeps a small state in the table, as before', async () => {
    const s = instance();
    const exec = newExecution({ input: { small: true } });
    await s.create(exec);
    const head = await aws().documentClient.send(
      new GetCommand({ TableName: aws().tableName, Key: { pk: execPk(exec.id), sk: 'HEAD' } }),
    );
    expect(head.Item?.['data']).toBe('{"small":true}');
  });

  it('leaves the head on its old state when a stale writer wrote an object and its head update failed', async () => {
    const s = instance();
    const exec = newExecution({ input: bigState(50_000, 'input') });
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'w1', now: exec.now, step: 0, leaseMs: LEASE });
    const stale = instance();
    const write = stale.commit({
      id: exec.id,
      token: 0,
      owner: 'w2',
      now: exec.now + 1,
      step: 0,
      output: bigState(50_000, 'stale'),
      sweepAt: exec.now + 60_000,
      events: [],
    });
    await expect(write).rejects.toMatchObject({ code: 'LEASE_CONFLICT' });
    const head = await s.get(exec.id);
    expect(await s.readState(head?.data)).toEqual(exec.input);
    expect((await s.listCheckpoints(exec.id, { limit: 10 })).items).toHaveLength(1);
    // The stale object is there, referred to by nothing; the execution's delete removes it.
    const o = objects();
    await s.transition({
      id: exec.id,
      from: ['running'],
      to: 'cancelled',
      now: exec.now + 2,
      bumpVersion: true,
      end: true,
      event: { type: EventType.ExecutionCancelled, step: 0, at: exec.now + 2 },
      action: 'cancel',
    });
    await s.delete(exec.id);
    expect(await o.deletePrefix(`executions/${exec.id}/`)).toBe(0);
    expect(await partitionItems(exec.id)).toEqual([]);
  });

  it('fails the execution with CORRUPT_RECORD when its state object does not match the reference', async () => {
    const s = instance();
    const exec = newExecution({ input: bigState(10_000, 'input') });
    const { head } = await s.create(exec);
    const ref = head.data as StoredStateRef;
    await aws().s3.send(new PutObjectCommand({ Bucket: aws().stateBucket, Key: ref.key, Body: '{"tampered":1}' }));
    const claim = instance().claim({ id: exec.id, token: 0, owner: 'w1', now: exec.now, step: 0, leaseMs: LEASE });
    await expect(claim).resolves.toBeUndefined();
    expect(await s.get(exec.id)).toMatchObject({ state: 'failed', error: { code: 'CORRUPT_RECORD' } });
  });
});
