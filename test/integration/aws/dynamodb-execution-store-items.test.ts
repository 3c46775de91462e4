import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { IndexNames, activeShard, checkpointSk, execPk } from '../../../lib/aws/schema/table-schema.js';
import { useAwsResources, useFreshTables } from './aws-test-context.js';
import { newExecution, newTestId } from './fixtures.js';

// What the DynamoDB adapter writes, item by item, and what the sparse `active` index
// holds: the layout behind the port's behaviour (the contract, in
// dynamodb-execution-store.test.ts, covers the behaviour itself).

const aws = useAwsResources();
const freshTable = useFreshTables(aws);
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

describe('DynamoDbExecutionStore items and active index (emulator)', () => {
  it('writes checkpoint 0 with the state as JSON text, and indexes the new head as active in its shard', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    const cp = await rawItem(exec.id, checkpointSk(0));
    expect(cp).toMatchObject({ step: 0, data: JSON.stringify(exec.input), executionId: exec.id });
    expect((await rawItem(exec.id, 'HEAD'))?.['activePk']).toBe(activeShard(exec.id));
    expect(await activeIds()).toContain(exec.id);
  });

  it('takes the head out of the active index when it completes, fails or is paused by a commit', async () => {
    const s = store();
    const [done, failed, paused] = [newExecution({ stepNames: ['only'] }), newExecution(), newExecution()];
    for (const exec of [done, failed, paused]) {
      await s.create(exec);
      await s.claim({ id: exec.id, token: 0, owner: 'a', now: 1, step: 0, leaseMs: LEASE });
    }
    await s.commit({ id: done.id, token: 0, owner: 'a', now: 2, step: 0, output: 1, sweepAt: 3, events: [] });
    const error = { code: 'STEP_FAILED', message: 'boom' };
    await s.fail({ id: failed.id, token: 0, owner: 'a', now: 2, error, events: [] });
    await s.transition({
      id: paused.id,
      from: ['running'],
      to: 'paused',
      now: 2,
      bumpVersion: false,
      event: { type: 'paused', step: 0, at: 2 },
      action: 'pause',
    });
    await s.commit({ id: paused.id, token: 0, owner: 'a', now: 3, step: 0, output: 'o', sweepAt: 9, events: [] });
    const active = await activeIds();
    for (const exec of [done, failed, paused]) {
      expect(active).not.toContain(exec.id);
      expect((await rawItem(exec.id, 'HEAD'))?.['activePk']).toBeUndefined();
    }
  });

  it('leaves the head as it was and lists no checkpoint when a commit is refused: stale token, lease conflict, too large', async () => {
    const s = store();
    const exec = newExecution();
    await s.create(exec);
    await s.claim({ id: exec.id, token: 0, owner: 'a', now: 0, step: 0, leaseMs: 10 });
    const commit = { id: exec.id, token: 0, now: 30, step: 0, sweepAt: 0, events: [] };
    await store().claim({ id: exec.id, token: 0, owner: 'b', now: 20, step: 0, leaseMs: LEASE });
    let before = await rawItem(exec.id, 'HEAD');
    await expect(s.commit({ ...commit, owner: 'a', output: 1 })).rejects.toMatchObject({ code: 'LEASE_CONFLICT' });
    expect(await rawItem(exec.id, 'HEAD')).toEqual(before);
    // 'a' worked from its cached head, so it put its checkpoint before its head update
    // failed: an uncommitted put, stamped with its claim, that listing leaves out.
    const stalePut = await rawItem(exec.id, checkpointSk(1));
    expect(stalePut).toMatchObject({ data: '1', writerSeq: 1 });
    expect((await s.listCheckpoints(exec.id, { limit: 10 })).items.map((cp) => cp.seq)).toEqual([0]);
    const big = s.commit({ ...commit, owner: 'b', output: 'x'.repeat(401 * 1024) });
    await expect(big).rejects.toMatchObject({ code: 'STATE_TOO_LARGE' });
    expect(await rawItem(exec.id, 'HEAD')).toEqual(before);
    expect(await rawItem(exec.id, checkpointSk(1))).toEqual(stalePut);
    await s.commit({ ...commit, owner: 'b', output: 'one' });
    expect(await rawItem(exec.id, checkpointSk(1))).toMatchObject({ writerSeq: 2 });
    before = await rawItem(exec.id, 'HEAD');
    await expect(s.commit({ ...commit, owner: 'a', output: 'again' })).rejects.toMatchObject({ code: 'STALE_TOKEN' });
    // The same commit again (a retry after a lost response) answers the head it left and writes nothing.
    await expect(s.commit({ ...commit, owner: 'b', output: 'again' })).resolves.toMatchObject({ lastWriter: 'b' });
    expect(await rawItem(exec.id, 'HEAD')).toEqual(before);
    expect(await rawItem(exec.id, checkpointSk(1))).toMatchObject({ data: JSON.stringify('one') });
    expect(await rawItem(exec.id, checkpointSk(2))).toBeUndefined();
  });

  it('spreads running heads over the shards of the active index, and merges the shards oldest due first', async () => {
    const s = new DynamoDbExecutionStore({ client: aws().documentClient, tableName: await freshTable() });
    const due: string[] = [];
    const shards = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const exec = newExecution({ now: 100, sweepAt: 200 + i });
      await s.create(exec);
      due.push(exec.id);
      shards.add(activeShard(exec.id));
    }
    expect(shards.size).toBeGreaterThan(1);
    const found = await s.findStalled({ now: 1_000, dueBefore: 1_000, limit: 100 });
    expect(found.map((h) => h.id)).toEqual(due);
    expect((await s.findStalled({ now: 1_000, dueBefore: 1_000, limit: 5 })).map((h) => h.id)).toEqual(due.slice(0, 5));
  });

  it('reads past leased heads in a shard, so long steps cannot hide a stalled execution behind them', async () => {
    const s = new DynamoDbExecutionStore({ client: aws().documentClient, tableName: await freshTable() });
    // All due, leased ones first in every shard.
    const base = 10;
    const byShard = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const exec = newExecution({ now: base, sweepAt: base + i });
      await s.create(exec);
      await s.claim({ id: exec.id, token: 0, owner: 'long-step', now: base, step: 0, leaseMs: 1_000_000 });
      byShard.set(activeShard(exec.id), (byShard.get(activeShard(exec.id)) ?? 0) + 1);
    }
    // Ids are random: take one in a shard that holds leased heads (40 leave one empty about once in 200 runs).
    let id = newTestId();
    while ((byShard.get(activeShard(id)) ?? 0) === 0) id = newTestId();
    const stalled = newExecution({ id, now: base, sweepAt: base + 45 });
    await s.create(stalled);
    const found = await s.findStalled({ now: base + 1_000, dueBefore: base + 46, limit: 1 });
    expect(found.map((h) => h.id)).toEqual([stalled.id]);
  });
});
