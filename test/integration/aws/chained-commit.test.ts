import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { execPk, TableKeys } from '../../../lib/aws/schema/table-schema.js';
import type { CommitRequest } from '../../../lib/runtime/ports.js';
import { countRequests } from '../../bench/runtime-bench.js';
import { emulatorClientConfig } from '../../support/aws-resources.js';
import { useAwsResources } from './aws-test-context.js';
import { newExecution } from './fixtures.js';

// chainSteps: a commit that also claims the next step for the worker that runs it
// next, without a claim write of its own. On the emulator: what it writes, what it
// costs, and a stale chained worker.

const aws = useAwsResources();

/** A store on its own client, with the requests it sends counted by command. */
function countedStore(): { store: DynamoDbExecutionStore; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const client = new DynamoDBClient(emulatorClientConfig(aws().endpoint));
  countRequests(client, counts);
  return {
    store: new DynamoDbExecutionStore({ client: DynamoDBDocumentClient.from(client), tableName: aws().tableName }),
    counts,
  };
}

function commitOf(id: string, owner: string, step: number, now: number, next?: string): CommitRequest {
  return {
    id,
    token: step,
    owner,
    now,
    step,
    output: { by: owner, step },
    sweepAt: now + 60_000,
    events: [],
    ...(next === undefined ? {} : { claimNext: { owner: next, leaseMs: 10_000 } }),
  };
}

async function claimSeq(id: string): Promise<unknown> {
  const out = await aws().documentClient.send(
    new GetCommand({ TableName: aws().tableName, Key: { pk: execPk(id), sk: TableKeys.headSk } }),
  );
  return out.Item?.['claimSeq'];
}

describe('a commit that claims the next step (emulator)', () => {
  it('leases the next step to the named owner, and the chained commits cost one put and one update each, no read', async () => {
    const { store, counts } = countedStore();
    const exec = newExecution();
    await store.create(exec);
    await store.claim({ id: exec.id, token: 0, owner: 'w', now: 0, step: 0, leaseMs: 10_000 });
    counts.clear();
    const first = await store.commit(commitOf(exec.id, 'w', 0, 5, 'w.1'));
    expect(first).toMatchObject({ state: 'running', currentStep: 1, version: 1, claims: 1, leaseOwner: 'w.1' });
    expect(first.leaseExpiresAt).toBe(10_005);
    const second = await store.commit(commitOf(exec.id, 'w.1', 1, 9, 'w.2'));
    expect(second).toMatchObject({ currentStep: 2, version: 2, claims: 1, leaseOwner: 'w.2' });
    expect(Object.fromEntries(counts)).toEqual({ PutItemCommand: 2, UpdateItemCommand: 2 });
    // The last step ends the execution: nothing to claim, and the lease is gone.
    const done = await store.commit(commitOf(exec.id, 'w.2', 2, 12, 'w.3'));
    expect(done).toMatchObject({ state: 'completed', claims: 0 });
    expect(done.leaseOwner).toBeUndefined();
    // Chained claims leave the claim sequence as the message's claim set it.
    expect(await claimSeq(exec.id)).toBe(1);
    const stored = await store.get(exec.id);
    expect(stored).toMatchObject({ state: 'completed', stepRuns: 3, data: { by: 'w.2', step: 2 } });
    const listed = await store.listCheckpoints(exec.id, { limit: 10 });
    expect(listed.items.map((cp) => cp.seq)).toEqual([3, 2, 1, 0]);
  });

  it('refuses a stale chained worker once another claimed the step after its lease, and lists the winner’s checkpoint', async () => {
    const { store: slow } = countedStore();
    const exec = newExecution();
    await slow.create(exec);
    await slow.claim({ id: exec.id, token: 0, owner: 'w', now: 0, step: 0, leaseMs: 10_000 });
    await slow.commit(commitOf(exec.id, 'w', 0, 5, 'w.1'));
    // w.1 stalls past its lease; the sweeper's message is claimed by another worker, which commits.
    const { store: other } = countedStore();
    expect(
      await other.claim({ id: exec.id, token: 1, owner: 'x', now: 10_006, step: 1, leaseMs: 10_000 }),
    ).toMatchObject({ leaseOwner: 'x', claims: 2 });
    expect(await claimSeq(exec.id)).toBe(2);
    await other.commit(commitOf(exec.id, 'x', 1, 10_010));
    await expect(slow.commit(commitOf(exec.id, 'w.1', 1, 10_020, 'w.2'))).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    const listed = await other.listCheckpoints(exec.id, { limit: 10 });
    expect(listed.items.map((cp) => [cp.seq, cp.state])).toEqual([
      [2, { by: 'x', step: 1 }],
      [1, { by: 'w', step: 0 }],
      [0, exec.input],
    ]);
    expect(await other.get(exec.id)).toMatchObject({ currentStep: 2, version: 2, data: { by: 'x', step: 1 } });
  });
});
