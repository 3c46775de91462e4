import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { checkpointSk, execPk } from '../../../lib/aws/schema/table-schema.js';
import { EventType } from '../../../lib/core/events.js';
import { emulatorClientConfig } from '../../support/aws-resources.js';
import { useAwsResources } from './aws-test-context.js';
import { installPhaseTracer } from '../../chaos/fault-middleware.js';
import { newExecution } from './fixtures.js';

// A commit is two writes, the checkpoint put and then the fenced head update (no
// transaction). These are the windows between them, on the emulator.

const aws = useAwsResources();
const LEASE = 30_000;

/** A store whose client fails every head UpdateItem while `crash.on` (the process dying after the put). */
function crashingStore(crash: { on: boolean }): DynamoDbExecutionStore {
  const client = new DynamoDBClient(emulatorClientConfig(aws().endpoint));
  const fail: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
    if (crash.on && context.commandName === 'UpdateItemCommand') throw new Error('worker killed');
    return next(args);
  };
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(fail, { step: 'initialize' });
  return new DynamoDbExecutionStore({ client: DynamoDBDocumentClient.from(client), tableName: aws().tableName });
}

function store(): DynamoDbExecutionStore {
  return new DynamoDbExecutionStore({ client: aws().documentClient, tableName: aws().tableName });
}

async function rawCheckpoint(id: string, seq: number) {
  const out = await aws().documentClient.send(
    new GetCommand({ TableName: aws().tableName, Key: { pk: execPk(id), sk: checkpointSk(seq) } }),
  );
  return out.Item;
}

const commitOf = (id: string, owner: string, output: unknown, now: number) => ({
  id,
  token: 0,
  owner,
  now,
  step: 0,
  output,
  sweepAt: now + 60_000,
  events: [],
});

describe('the two writes of a commit (emulator)', () => {
  it('a crash between the checkpoint put and the head update leaves the put unlisted, and the next attempt replaces it', async () => {
    const crash = { on: false };
    const dying = crashingStore(crash);
    const exec = newExecution();
    await dying.create(exec);
    await dying.claim({ id: exec.id, token: 0, owner: 'w1', now: 0, step: 0, leaseMs: 10 });
    crash.on = true;
    await expect(dying.commit(commitOf(exec.id, 'w1', { by: 'w1' }, 5))).rejects.toThrow('worker killed');
    expect(await rawCheckpoint(exec.id, 1)).toMatchObject({ data: '{"by":"w1"}', writerSeq: 1 });
    const s = store();
    expect((await s.listCheckpoints(exec.id, { limit: 10 })).items.map((cp) => cp.seq)).toEqual([0]);
    expect(await s.get(exec.id)).toMatchObject({ state: 'running', currentStep: 0, stepRuns: 0, data: exec.input });

    // The lease runs out; the step runs again elsewhere and commits.
    expect(await s.claim({ id: exec.id, token: 0, owner: 'w2', now: 20, step: 0, leaseMs: LEASE })).toBeDefined();
    await s.commit(commitOf(exec.id, 'w2', { by: 'w2' }, 25));
    const listed = await s.listCheckpoints(exec.id, { limit: 10 });
    expect(listed.items.map((cp) => [cp.seq, cp.state])).toEqual([
      [1, { by: 'w2' }],
      [0, exec.input],
    ]);
  });

  it("a stale writer's put after the commit is refused and changes nothing", async () => {
    const stale = store();
    const exec = newExecution();
    await stale.create(exec);
    await stale.claim({ id: exec.id, token: 0, owner: 'w1', now: 0, step: 0, leaseMs: 10 });
    const winner = store();
    await winner.claim({ id: exec.id, token: 0, owner: 'w2', now: 20, step: 0, leaseMs: LEASE });
    await winner.commit(commitOf(exec.id, 'w2', { by: 'w2' }, 25));
    const committed = await rawCheckpoint(exec.id, 1);
    // w1 still holds its claimed head in its cache: it tries the put, which its older claim loses.
    await expect(stale.commit(commitOf(exec.id, 'w1', { by: 'w1' }, 30))).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    expect(await rawCheckpoint(exec.id, 1)).toEqual(committed);
    expect((await winner.listCheckpoints(exec.id, { limit: 10 })).items[0]?.state).toEqual({ by: 'w2' });
  });

  it("a stale writer's put before the commit is replaced by the committing writer's", async () => {
    const crash = { on: true };
    const stale = crashingStore(crash); // its head update never lands
    const exec = newExecution();
    await stale.create(exec);
    crash.on = false;
    await stale.claim({ id: exec.id, token: 0, owner: 'w1', now: 0, step: 0, leaseMs: 10 });
    const winner = store();
    await winner.claim({ id: exec.id, token: 0, owner: 'w2', now: 20, step: 0, leaseMs: LEASE });
    crash.on = true;
    await expect(stale.commit(commitOf(exec.id, 'w1', { by: 'w1' }, 21))).rejects.toThrow('worker killed');
    expect(await rawCheckpoint(exec.id, 1)).toMatchObject({ data: '{"by":"w1"}' });
    await winner.commit(commitOf(exec.id, 'w2', { by: 'w2' }, 25));
    expect(await rawCheckpoint(exec.id, 1)).toMatchObject({ data: '{"by":"w2"}', writerSeq: 2 });
  });

  describe('across a pause and a resume, which sets claims back to 0', () => {
    const pauseAndResume = async (s: DynamoDbExecutionStore, id: string, at: number) => {
      await s.transition({
        id,
        from: ['running'],
        to: 'paused',
        now: at,
        bumpVersion: false,
        event: { type: EventType.Paused, step: 0, at },
        action: 'pause',
      });
      await s.transition({
        id,
        from: ['paused'],
        to: 'running',
        now: at + 1,
        bumpVersion: false,
        resetAttempts: true,
        sweepAt: at + 60_000,
        event: { type: EventType.Resumed, step: 0, at: at + 1 },
        action: 'resume',
      });
    };

    it('a step in flight still commits, with its checkpoint', async () => {
      const worker = store();
      const exec = newExecution();
      await worker.create(exec);
      await worker.claim({ id: exec.id, token: 0, owner: 'w1', now: 0, step: 0, leaseMs: LEASE });
      await pauseAndResume(store(), exec.id, 5);
      const head = await worker.commit(commitOf(exec.id, 'w1', { by: 'w1' }, 10));
      expect(head).toMatchObject({ currentStep: 1, stepRuns: 1 });
      expect((await worker.listCheckpoints(exec.id, { limit: 10 })).items[0]?.state).toEqual({ by: 'w1' });
    });

    it("a stale attempt's late put cannot replace the checkpoint of the attempt that claimed after the resume", async () => {
      const stale = store();
      const exec = newExecution();
      await stale.create(exec);
      await stale.claim({ id: exec.id, token: 0, owner: 'w1', now: 0, step: 0, leaseMs: 10 });
      await pauseAndResume(store(), exec.id, 5);
      const winner = store();
      await winner.claim({ id: exec.id, token: 0, owner: 'w2', now: 20, step: 0, leaseMs: LEASE });
      await winner.commit(commitOf(exec.id, 'w2', { by: 'w2' }, 25));
      const committed = await rawCheckpoint(exec.id, 1);
      expect(committed).toMatchObject({ writerSeq: 2 });
      await expect(stale.commit(commitOf(exec.id, 'w1', { by: 'w1' }, 30))).rejects.toMatchObject({
        code: 'STALE_TOKEN',
      });
      expect(await rawCheckpoint(exec.id, 1)).toEqual(committed);
    });
  });

  it("the chaos suite's tracer sees a commit's crash points in order: before it, after its checkpoint, after its head", async () => {
    const client = new DynamoDBClient(emulatorClientConfig(aws().endpoint));
    const seen: string[] = [];
    installPhaseTracer(client, {
      phase: (op, _id, ph) => void seen.push(`${op}:${ph}`),
      crashPoint: (point) => void seen.push(point),
    });
    const traced = new DynamoDbExecutionStore({
      client: DynamoDBDocumentClient.from(client),
      tableName: aws().tableName,
    });
    // An id as the runtime makes them, which is how the tracer finds the execution of a request.
    const exec = newExecution({ id: `exec_${randomBytes(16).toString('hex')}` });
    await traced.create(exec);
    await traced.claim({ id: exec.id, token: 0, owner: 'w1', now: 0, step: 0, leaseMs: LEASE });
    seen.length = 0; // the create's transaction and the claim are not part of it
    await traced.commit(commitOf(exec.id, 'w1', { by: 'w1' }, 5));
    expect(seen).toEqual([
      'before-commit',
      'commit:start',
      'checkpoint-landed',
      'commit:start',
      'commit:end',
      'commit-landed',
    ]);
  });
});
