import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { IndexNames, activeShard, checkpointSk, execPk } from '../../../lib/aws/schema/table-schema.js';
import { LeaseConflictError, StaleTokenError } from '../../../lib/runtime/errors.js';
import { MAX_RECORDED_EVENTS } from '../../../lib/runtime/model.js';
import { emulatorClientConfig } from '../../support/aws-resources.js';
import { startSerializingProxy } from '../../support/serializing-proxy.js';
import { useAwsResources } from './aws-test-context.js';
import { newExecution } from './fixtures.js';

const aws = useAwsResources();
const LEASE = 30_000;

function store(): DynamoDbExecutionStore {
  return new DynamoDbExecutionStore({ client: aws().documentClient, tableName: aws().tableName });
}

async function rawItem(id: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const out = await aws().documentClient.send(
    new GetCommand({ TableName: aws().tableName, Key: { pk: execPk(id), sk } }),
  );
  return out.Item;
}

async function activeIds(): Promise<string[]> {
  const ids: string[] = [];
  for (let shard = 0; shard < 8; shard++) {
    const out = await aws().documentClient.send(
      new QueryCommand({
        TableName: aws().tableName,
        IndexName: IndexNames.active,
        KeyConditionExpression: 'activePk = :s',
        ExpressionAttributeValues: { ':s': `ACTIVE#${shard}` },
      }),
    );
    ids.push(...(out.Items ?? []).map((i) => String(i['pk']).slice('EXEC#'.length)));
  }
  return ids;
}

describe('DynamoDbExecutionStore step protocol (emulator)', () => {
  it('creates a running head at version 0 with checkpoint 0, indexed as active', async () => {
    const s = store();
    const exec = newExecution();
    const { head, created } = await s.create(exec);
    expect(created).toBe(true);
    expect(head).toMatchObject({
      id: exec.id,
      state: 'running',
      version: 0,
      claims: 0,
      currentStep: 0,
      totalSteps: 3,
      progress: 0,
    });
    expect(await s.get(exec.id)).toEqual(head);
    const cp = await rawItem(exec.id, checkpointSk(0));
    expect(cp).toMatchObject({ step: 0, data: JSON.stringify(exec.input), executionId: exec.id });
    expect((await rawItem(exec.id, 'HEAD'))?.['activePk']).toBe(activeShard(exec.id));
    expect(await activeIds()).toContain(exec.id);
  });

  it('runs claim, heartbeat and commit through every step to completed', async () => {
    const s = store();
    const exec = newExecution({ stepNames: ['a', 'b'] });
    await s.create(exec);
    let token = 0;
    for (const [step, output] of [
      [0, { n: 1 }],
      [1, { n: 2 }],
    ] as const) {
      const now = exec.now + 1000 * (step + 1);
      const claimed = await s.claim({ id: exec.id, token, owner: `w${step}`, now, step, leaseMs: LEASE });
      expect(claimed).toMatchObject({
        leaseOwner: `w${step}`,
        leaseExpiresAt: now + LEASE,
        claims: 1,
        currentStep: step,
      });
      expect(await s.extendLease({ id: exec.id, token, owner: `w${step}`, now: now + 1, leaseMs: LEASE })).toEqual({
        lost: false,
        state: 'running',
      });
      const committed = await s.commit({
        id: exec.id,
        token,
        owner: `w${step}`,
        now: now + 2,
        step,
        output,
        sweepAt: now + 60_000,
        events: [],
      });
      token = committed.version;
      expect(committed.version).toBe(step + 1);
      expect(committed.leaseOwner).toBeUndefined();
      expect(await s.get(exec.id)).toEqual(committed);
    }
    const done = await s.get(exec.id);
    expect(done).toMatchObject({
      state: 'completed',
      progress: 100,
      currentStep: 2,
      data: { n: 2 },
      endTime: exec.now + 2002,
    });
    expect(done?.sweepAt).toBeUndefined();
    expect(await activeIds()).not.toContain(exec.id);
    const page = await s.listCheckpoints(exec.id, { limit: 10 });
    expect(page.items.map((cp) => [cp.step, cp.state])).toEqual([
      [2, { n: 2 }],
      [1, { n: 1 }],
      [0, exec.input],
    ]);
  });

  it('lets exactly one of 20 concurrent claims of the same step win', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    // moto applies concurrent requests without per-item locking; DynamoDB serializes
    // writes to one item. The proxy gives the emulator DynamoDB's serialization.
    const proxy = await startSerializingProxy(aws().endpoint);
    const raw = new DynamoDBClient(emulatorClientConfig(proxy.endpoint));
    const client = DynamoDBDocumentClient.from(raw);
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        new DynamoDbExecutionStore({ client, tableName: aws().tableName }).claim({
          id: exec.id,
          token: 0,
          owner: `w${i}`,
          now: exec.now + 1,
          step: 0,
          leaseMs: LEASE,
        }),
      ),
    );
    raw.destroy();
    await proxy.close();
    const winners = claims.filter((c) => c !== undefined);
    expect(winners).toHaveLength(1);
    expect((await s.get(exec.id))?.claims).toBe(1);
    expect((await s.get(exec.id))?.leaseOwner).toBe(winners[0]?.leaseOwner);
  });

  it('refuses a claim while another lease is live, and allows it once expired', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: 1000, step: 0, leaseMs: LEASE });
    expect(
      await s.claim({ id: exec.id, token: 0, owner: 'b', now: 1000 + LEASE - 1, step: 0, leaseMs: LEASE }),
    ).toBeUndefined();
    expect(
      await s.claim({ id: exec.id, token: 1, owner: 'b', now: 1000 + LEASE, step: 0, leaseMs: LEASE }),
    ).toBeUndefined();
    const second = await s.claim({ id: exec.id, token: 0, owner: 'b', now: 1000 + LEASE, step: 0, leaseMs: LEASE });
    expect(second).toMatchObject({ leaseOwner: 'b', claims: 2 });
    expect(await s.extendLease({ id: exec.id, token: 0, owner: 'a', now: 2000 + LEASE, leaseMs: LEASE })).toEqual({
      lost: true,
      state: 'running',
    });
  });

  it('rejects a commit with a stale token and writes nothing', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: exec.now, step: 0, leaseMs: LEASE });
    await s.commit({
      id: exec.id,
      token: 0,
      owner: 'a',
      now: exec.now + 1,
      step: 0,
      output: 'one',
      sweepAt: 0,
      events: [],
    });
    const before = await rawItem(exec.id, 'HEAD');
    const stale = s.commit({
      id: exec.id,
      token: 0,
      owner: 'a',
      now: exec.now + 2,
      step: 0,
      output: 'again',
      sweepAt: 0,
      events: [],
    });
    await expect(stale).rejects.toBeInstanceOf(StaleTokenError);
    await expect(stale).rejects.toMatchObject({ code: 'STALE_TOKEN', current: { version: 1 } });
    expect(await rawItem(exec.id, 'HEAD')).toEqual(before);
    expect(await rawItem(exec.id, checkpointSk(2))).toBeUndefined();
  });

  it('rejects a commit by a worker whose expired lease another claimed', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: 0, step: 0, leaseMs: 10 });
    await store().claim({ id: exec.id, token: 0, owner: 'b', now: 20, step: 0, leaseMs: LEASE });
    const late = s.commit({ id: exec.id, token: 0, owner: 'a', now: 30, step: 0, output: 1, sweepAt: 0, events: [] });
    await expect(late).rejects.toBeInstanceOf(LeaseConflictError);
    await expect(late).rejects.toMatchObject({ current: { leaseOwner: 'b' } });
    expect(await rawItem(exec.id, checkpointSk(1))).toBeUndefined();
  });

  it('throws STATE_TOO_LARGE before writing when the output does not fit an item', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: exec.now, step: 0, leaseMs: LEASE });
    const before = await rawItem(exec.id, 'HEAD');
    const big = 'x'.repeat(401 * 1024);
    const commit = s.commit({
      id: exec.id,
      token: 0,
      owner: 'a',
      now: exec.now + 1,
      step: 0,
      output: big,
      sweepAt: 0,
      events: [],
    });
    await expect(commit).rejects.toMatchObject({ code: 'STATE_TOO_LARGE', details: { limitBytes: 400 * 1024 } });
    expect(await rawItem(exec.id, 'HEAD')).toEqual(before);
    expect(await rawItem(exec.id, checkpointSk(1))).toBeUndefined();
    const fits = 'y'.repeat(300 * 1024);
    const ok = await s.commit({
      id: exec.id,
      token: 0,
      owner: 'a',
      now: exec.now + 2,
      step: 0,
      output: fits,
      sweepAt: 0,
      events: [],
    });
    expect(ok.data).toBe(fits);
  });

  it('releases a failed attempt for retry, then fails it for good', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: 1, step: 0, leaseMs: LEASE });
    const error = { code: 'STEP_FAILED', message: 'boom' };
    const event = { type: 'step_failed' as const, step: 0, at: 2, attempt: 0, error };
    const released = await s.releaseForRetry({
      id: exec.id,
      token: 0,
      owner: 'a',
      now: 2,
      error,
      sweepAt: 500,
      events: [event],
    });
    expect(released).toMatchObject({ state: 'running', version: 1, error, sweepAt: 500, claims: 1, events: [event] });
    expect(released.leaseOwner).toBeUndefined();
    await s.claim({ id: exec.id, token: 1, owner: 'b', now: 3, step: 0, leaseMs: LEASE });
    const failed = await s.fail({ id: exec.id, token: 1, owner: 'b', now: 4, error, events: [] });
    expect(failed).toMatchObject({ state: 'failed', version: 2, endTime: 4, claims: 2 });
    expect(await s.get(exec.id)).toEqual(failed);
    expect(await activeIds()).not.toContain(exec.id);
  });

  it('parks an execution as paused and keeps a paused head paused on commit', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: 1, step: 0, leaseMs: LEASE });
    await s.transition({
      id: exec.id,
      from: ['running'],
      to: 'paused',
      now: 2,
      bumpVersion: false,
      event: { type: 'paused', step: 0, at: 2 },
      action: 'pause',
    });
    const committed = await s.commit({
      id: exec.id,
      token: 0,
      owner: 'a',
      now: 3,
      step: 0,
      output: 'o',
      sweepAt: 9,
      events: [],
    });
    expect(committed).toMatchObject({ state: 'paused', currentStep: 1, version: 1 });
    expect(committed.events.map((e) => e.type)).toEqual(['paused']);
    expect(await activeIds()).not.toContain(exec.id);
    const other = newExecution();
    await s.create(other);
    await s.claim({ id: other.id, token: 0, owner: 'a', now: 1, step: 0, leaseMs: LEASE });
    const error = { code: 'STEP_NOT_REGISTERED', message: 'no step fetch' };
    const parked = await s.park({ id: other.id, token: 0, owner: 'a', now: 2, error, events: [] });
    expect(parked).toMatchObject({ state: 'paused', version: 0, error });
    expect(parked.sweepAt).toBeUndefined();
  });

  it('keeps only the most recent events', async () => {
    const s = store();
    const exec = newExecution();
    const events = Array.from({ length: MAX_RECORDED_EVENTS + 5 }, (_, i) => ({
      type: 'checkpointed' as const,
      step: 0,
      at: i,
    }));
    const { head } = await s.create({ ...exec, events });
    expect(head.events).toHaveLength(MAX_RECORDED_EVENTS);
    expect(head.events[0]?.at).toBe(5);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: 1, step: 0, leaseMs: LEASE });
    const committed = await s.commit({
      id: exec.id,
      token: 0,
      owner: 'a',
      now: 2,
      step: 0,
      output: 1,
      sweepAt: 3,
      events: [{ type: 'step_completed', step: 0, at: 99 }],
    });
    expect(committed.events).toHaveLength(MAX_RECORDED_EVENTS);
    expect(committed.events.at(-1)?.at).toBe(99);
    expect((await s.get(exec.id))?.events).toEqual(committed.events);
  });
});
