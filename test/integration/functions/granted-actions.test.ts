import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { LIMIT_RECORDS_QUERY, TABLE_ACTIONS } from '../../../infra/handler-permissions.js';
import { publishLimitUse } from '../../../functions/sweeper/limit-metrics.js';
import { STATE_ACTIONS } from '../../../infra/state-bucket.js';
import { bucketUploads } from '../../../functions/http/uploads.js';
import { S3Client } from '@aws-sdk/client-s3';
import {
  ControlPlane,
  defineWorkflow,
  DynamoDbExecutionStore,
  DynamoDbLimiter,
  DynamoDbJobStore,
  IndexNames,
  LargeStateExecutionStore,
  noopLogger,
  processStepMessage,
  S3StateObjects,
  type RuntimeDeps,
  SqsStepQueue,
  sweep,
  WorkflowRegistry,
} from '../../../lib/index.js';
import { emulatorClientConfig } from '../../support/aws-resources.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { useAwsResources } from '../aws/aws-test-context.js';
import { noMetrics } from '../../../functions/shared/metrics.js';

// A deployed function may call only the DynamoDB actions the construct grants it
// (infra/handler-permissions.ts). The emulator does not enforce IAM, so these tests
// record what a function's own client sends (the sweeper's in every kind of sweep,
// the worker's through steps, a retry, a wait and heartbeats, the API's through
// every control-plane call it makes) and check each request against the grant. A transaction is authorised as the puts and updates inside it.

const DAY = 86_400_000;

const aws = useAwsResources();

/** Adds middleware to `client` that hands every request's command name (without `Command`) and input to `record`. */
function recordRequests<C extends { middlewareStack: unknown }>(
  client: C,
  record: (command: string, input: Record<string, unknown>) => void,
): C {
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
    record((context.commandName ?? 'unknown').replace(/Command$/, ''), args.input as Record<string, unknown>);
    return next(args);
  };
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(middleware, { step: 'initialize' });
  return client;
}

/** A DynamoDB client that records the IAM action of every request it sends. */
function recordingClient(actions: string[]): DynamoDBDocumentClient {
  const client = recordRequests(new DynamoDBClient(emulatorClientConfig(aws().endpoint)), (command, input) => {
    if (command === 'TransactWriteItems') {
      const items = (input as { TransactItems?: Record<string, unknown>[] }).TransactItems ?? [];
      for (const item of items) for (const kind of Object.keys(item)) actions.push(`dynamodb:${kind}Item`);
    } else if (command === 'Query' && typeof input['IndexName'] === 'string') {
      actions.push(`dynamodb:Query@${input['IndexName']}`);
    } else actions.push(`dynamodb:${command}`);
  });
  return DynamoDBDocumentClient.from(client);
}

/** The runtime's deps on this file's table and queue, with `extra` settings. */
function runtimeOn(workflows: WorkflowRegistry, extra: Partial<RuntimeDeps> = {}): RuntimeDeps {
  const res = aws();
  return {
    store: new DynamoDbExecutionStore({ client: res.documentClient, tableName: res.tableName }),
    queue: new SqsStepQueue({ client: res.sqs, queueUrl: res.queueUrl }),
    workflows,
    ...extra,
  };
}

/** The same deps with stores whose client records the IAM action of every request into `actions`. */
function recorded(deps: RuntimeDeps, actions: string[]): RuntimeDeps {
  const client = recordingClient(actions);
  return {
    ...deps,
    store: new DynamoDbExecutionStore({ client, tableName: aws().tableName }),
    jobs: new DynamoDbJobStore({ client, tableName: aws().tableName }),
  };
}

describe("the sweeper's DynamoDB requests", () => {
  it('stay within the actions its role is granted, for a stalled step and a long wait', async () => {
    const workflows = new WorkflowRegistry().register(
      defineWorkflow({
        name: 'sweepable',
        steps: [
          { name: 'nap', fn: (s, ctx) => ctx.sleep(DAY, s) },
          { name: 'after', fn: (s) => s },
        ],
      }),
    );
    const deps = runtimeOn(workflows);
    const control = new ControlPlane(deps);
    // One execution whose first message is never handled (stalled), one asleep for a day.
    const stalled = (await control.start({ workflow: 'sweepable', input: { n: 1 } })).head;
    const sleeper = (await control.start({ workflow: 'sweepable', input: { n: 2 } })).head;
    await processStepMessage(
      { v: 1, executionId: sleeper.id, step: 0, token: 0 },
      { deadline: Date.now() + 60_000 },
      deps,
    );
    const asleep = await deps.store.get(sleeper.id);
    expect(asleep).toMatchObject({ state: 'waiting', wait: { kind: 'sleep' } });

    const actions: string[] = [];
    const sweeperDeps = recorded(deps, actions);
    const now = (asleep?.sweepAt ?? 0) + 1;
    const result = await sweep({ now }, sweeperDeps);
    expect(result).toEqual({ examined: 2, reenqueued: 2 });
    // Both heads moved their sweepAt on: the running one by one stall threshold, the sleeping one past its end.
    expect((await deps.store.get(stalled.id))?.sweepAt).toBeGreaterThan(stalled.sweepAt ?? Infinity);
    expect((await deps.store.get(sleeper.id))?.sweepAt).toBeGreaterThan(now);

    const granted = grantOf('sweeper');
    expect(new Set(actions)).toEqual(
      new Set([`dynamodb:Query@${IndexNames.active}`, 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem']),
    );
    for (const action of actions) expect(granted).toContain(action);
  });
});

describe("the sweeper's read of the limit keys", () => {
  it('is a Query of the LIMITS partition of the table, which its role is granted and nothing more', async () => {
    const requests: { command: string; input: Record<string, unknown> }[] = [];
    const client = recordRequests(new DynamoDBClient(emulatorClientConfig(aws().endpoint)), (command, input) =>
      requests.push({ command, input }),
    );
    const limiter = new DynamoDbLimiter({ client: DynamoDBDocumentClient.from(client), tableName: aws().tableName });
    await publishLimitUse({ limiter }, Date.now(), noMetrics, noopLogger);
    expect(requests).toHaveLength(1);
    const [query] = requests;
    expect(query?.command).toBe(LIMIT_RECORDS_QUERY.action.replace('dynamodb:', ''));
    expect(query?.input['IndexName']).toBeUndefined();
    expect(query?.input['KeyConditionExpression']).toBe('pk = :pk');
    expect(query?.input['ExpressionAttributeValues']).toEqual({ ':pk': LIMIT_RECORDS_QUERY.leadingKey });
  });
});

describe("the step worker's DynamoDB requests", () => {
  it('stay within the actions its role is granted, through steps, a failed attempt, a wait and heartbeats', async () => {
    let failures = 0;
    const workflows = new WorkflowRegistry().register(
      defineWorkflow({
        name: 'workable',
        steps: [
          {
            name: 'flaky',
            fn: async (s, ctx) => {
              await ctx.heartbeat();
              if (failures++ === 0) throw new Error('first attempt fails');
              return s;
            },
          },
          { name: 'nap', fn: (s, ctx) => ctx.sleep(60_000, s) },
          { name: 'last', fn: (s) => s },
        ],
      }),
    );
    // A manual clock: the sleep is due only when the test moves the clock past it, however slow the machine.
    const clock = new ManualClock(Date.now());
    const plain = runtimeOn(workflows, { retryBaseDelayMs: 0, clock });
    const { head } = await new ControlPlane(plain).start({ workflow: 'workable', input: { n: 1 } });
    const actions: string[] = [];
    const worker = recorded(plain, actions);
    let message: unknown = { v: 1, executionId: head.id, step: 0, token: 0 };
    const statuses: string[] = [];
    for (let i = 0; i < 5 && message; i++) {
      const outcome = await processStepMessage(message, { deadline: clock.now() + 60_000 }, worker);
      statuses.push(outcome.status);
      const now = await plain.store.get(head.id);
      message =
        now && (now.state === 'running' || now.state === 'waiting')
          ? {
              v: 1,
              executionId: head.id,
              step: now.currentStep,
              token: now.version,
              ...(now.state === 'waiting' ? { wake: true } : {}),
            }
          : undefined;
      if (now?.state === 'waiting') await clock.advance(60_000);
    }
    expect(statuses).toEqual(['retrying', 'committed', 'waiting', 'woken', 'completed']);
    const granted = grantOf('step-worker');
    expect(new Set(actions)).toEqual(new Set(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem']));
    for (const action of actions) expect(granted).toContain(action);
  });

  it('stay within the actions its role is granted when it runs the pages of bulk redrives', async () => {
    const workflows = new WorkflowRegistry().register(
      defineWorkflow({
        name: 'bulky',
        steps: [
          { name: 'one', fn: (s) => s },
          { name: 'two', fn: (s) => s },
        ],
      }),
    );
    const plain = runtimeOn(workflows, {
      jobs: new DynamoDbJobStore({ client: aws().documentClient, tableName: aws().tableName }),
    });
    const control = new ControlPlane(plain);
    for (let i = 0; i < 4; i++) {
      const { head } = await control.start({ workflow: 'bulky', input: { i } });
      if (i % 2 === 0) {
        await plain.store.claim({ id: head.id, token: 0, owner: 'w', now: Date.now(), step: 0, leaseMs: 60_000 });
        await plain.store.fail({
          id: head.id,
          token: 0,
          owner: 'w',
          now: Date.now(),
          error: { code: 'X', message: 'x' },
          events: [],
        });
      } else await control.cancel(head.id);
    }
    const actions: string[] = [];
    const worker = recorded(plain, actions);
    for (const state of ['failed', 'cancelled'] as const) {
      const { job } = await control.bulk({ action: 'redrive', filter: { workflow: 'bulky', state } });
      const outcome = await processStepMessage(
        { v: 1, job: job.id, page: 0 },
        { deadline: Date.now() + 60_000 },
        worker,
      );
      expect(outcome).toMatchObject({ status: 'job', result: 'completed' });
      expect(await control.job(job.id)).toMatchObject({ counts: { matched: 2, changed: 2, failed: 0 } });
    }
    const granted = grantOf('step-worker');
    expect(actions).toContain(`dynamodb:Query@${IndexNames.byWorkflow}`);
    for (const action of actions) expect(granted).toContain(action);
  });
});

/** The IAM actions a role is granted: on the table, and `dynamodb:Query@<index>` for each index. */
function grantOf(role: keyof typeof TABLE_ACTIONS): Set<string> {
  const { table, indexes } = TABLE_ACTIONS[role];
  return new Set<string>([...table, ...indexes.map((index) => `dynamodb:Query@${index}`)]);
}

describe("the API's DynamoDB requests", () => {
  it('stay within the actions its role is granted, through every control-plane call', async () => {
    const workflows = new WorkflowRegistry().register(
      defineWorkflow({
        name: 'controlled',
        steps: [
          { name: 'ask', fn: (s, ctx) => ctx.waitForEvent('go', { state: s }) },
          { name: 'done', fn: (s) => s },
        ],
      }),
    );
    const plain = runtimeOn(workflows, { callbackSecrets: ['granted-actions-test-secret'] });
    const actions: string[] = [];
    const api = new ControlPlane(recorded(plain, actions));
    const step = async (id: string): Promise<void> => {
      const head = await plain.store.get(id);
      if (head?.state === 'running')
        await processStepMessage(
          { v: 1, executionId: id, step: head.currentStep, token: head.version },
          { deadline: Date.now() + 60_000 },
          plain,
        );
    };

    const started = await api.start({ workflow: 'controlled', input: { n: 1 }, idempotencyKey: 'granted-1' });
    expect((await api.start({ workflow: 'controlled', input: { n: 1 }, idempotencyKey: 'granted-1' })).created).toBe(
      false,
    );
    const id = started.head.id;
    await api.get(id);
    await api.list({ state: 'running' });
    await api.list({ workflow: 'controlled' });
    await api.list();
    await api.pause(id);
    await api.resume(id);
    await step(id);
    expect((await api.sendEvent(id, { type: 'go', eventId: 'go-1' })).delivery).toBe('resumed');
    await step(id);
    const fork = (await api.fork(id, { fromCheckpoint: 0, state: { n: 5 } })).head.id;
    await api.rewind(id, { toCheckpoint: 0 });
    const job = await api.bulk({ action: 'cancel', filter: { workflow: 'controlled' }, requestId: 'granted-bulk' });
    await api.job(job.job.id);
    await api.cancel(fork);
    await api.cancel(id);
    await api.delete(fork);
    await api.delete(id);

    const other = (await api.start({ workflow: 'controlled', input: { n: 2 } })).head.id;
    await api.cancel(other);
    await api.retry(other).catch(() => undefined); // a cancelled execution cannot be retried: the refusal still reads
    await api.delete(other);

    const granted = grantOf('api');
    // Every kind of request the API makes was seen, and each is granted.
    expect([...new Set(actions.filter((a) => !a.includes('@')))].sort()).toEqual([...TABLE_ACTIONS.api.table].sort());
    for (const action of actions) expect(granted).toContain(action);
  });
});

/** An S3 client that records the IAM action of every request it sends. */
function recordingS3(actions: string[], keys: string[] = []): S3Client {
  const iam: Record<string, string> = {
    PutObject: 's3:PutObject',
    GetObject: 's3:GetObject',
    ListObjectsV2: 's3:ListBucket',
    DeleteObjects: 's3:DeleteObject',
    DeleteObject: 's3:DeleteObject',
  };
  const client = new S3Client({ ...emulatorClientConfig(aws().endpoint), forcePathStyle: true });
  return recordRequests(client, (command, input) => {
    actions.push(iam[command] ?? `s3:${command}`);
    const { Key, Prefix, Delete } = input as {
      Key?: string;
      Prefix?: string;
      Delete?: { Objects?: { Key?: string }[] };
    };
    keys.push(Key ?? Prefix ?? '', ...(Delete?.Objects ?? []).map((o) => o.Key ?? ''));
  });
}

/** The runtime's deps whose states over 1 KB go to this file's bucket, through a client recording into `actions`. */
function withStates(deps: RuntimeDeps, actions: string[]): RuntimeDeps {
  const objects = new S3StateObjects({ bucket: aws().stateBucket, client: recordingS3(actions) });
  return { ...deps, store: new LargeStateExecutionStore(deps.store, { objects, thresholdBytes: 1_024 }) };
}

describe('the S3 requests of a large state', () => {
  it("stay within each role's grant on the state objects: worker, API, and none by the sweeper", async () => {
    const workflows = new WorkflowRegistry().register(
      defineWorkflow<{ text: string }>({
        name: 'large',
        steps: [
          { name: 'large-one', fn: (s) => ({ text: `${s.text}!` }) },
          { name: 'large-two', fn: (s) => ({ text: `${s.text}?` }) },
        ],
      }),
    );
    const workerActions: string[] = [];
    const apiActions: string[] = [];
    const sweeperActions: string[] = [];
    const worker = withStates(runtimeOn(workflows), workerActions);
    const api = new ControlPlane(withStates(runtimeOn(workflows), apiActions));
    const id = (await api.start({ workflow: 'large', input: { text: 'x'.repeat(5_000) } })).head.id;
    for (const step of [0, 1]) {
      await processStepMessage({ v: 1, executionId: id, step, token: step }, { deadline: Date.now() + 60_000 }, worker);
    }
    await sweep({ now: Date.now() + DAY }, withStates(runtimeOn(workflows), sweeperActions));
    const { head } = await api.get(id);
    expect(head.state).toBe('completed');
    await api.delete(id);

    const grantedTo = (name: 'step-worker' | 'api') =>
      new Set<string>([...STATE_ACTIONS[name].objects, ...(STATE_ACTIONS[name].list ? ['s3:ListBucket'] : [])]);
    expect([...new Set(workerActions)].sort()).toEqual([...grantedTo('step-worker')].sort());
    expect(new Set(apiActions)).toEqual(new Set(['s3:PutObject', 's3:ListBucket', 's3:DeleteObject']));
    for (const action of apiActions) expect(grantedTo('api')).toContain(action);
    expect(sweeperActions).toEqual([]);
    expect(STATE_ACTIONS.sweeper.objects).toEqual([]);
  });
});

describe("the API's S3 requests for an input upload", () => {
  it('stay within its grant on uploads/*: sign the PUT, read the upload, delete it', async () => {
    const workflows = new WorkflowRegistry().register(
      defineWorkflow<{ text: string }>({ name: 'uploaded', steps: [{ name: 'echo', fn: (s) => s }] }),
    );
    const actions: string[] = [];
    const keys: string[] = [];
    const objects = new S3StateObjects({ bucket: aws().stateBucket, client: recordingS3(actions, keys) });
    const uploads = bucketUploads(objects, { maxBytes: 1_000_000 });
    const upload = await uploads.create();
    const put = await fetch(upload.url, { method: 'PUT', body: JSON.stringify({ text: 'x'.repeat(300_000) }) });
    expect(put.status).toBe(200);
    const input = await uploads.read(upload.uploadId);
    const api = new ControlPlane(runtimeOn(workflows));
    await api.start({ workflow: 'uploaded', input });
    await uploads.discard(upload.uploadId);
    await expect(uploads.read(upload.uploadId)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // Signing the URL goes through the client as the PUT it authorises.
    expect(new Set(actions)).toEqual(new Set(['s3:PutObject', 's3:GetObject', 's3:DeleteObject']));
    for (const action of actions) expect(STATE_ACTIONS.api.uploads).toContain(action);
    for (const key of keys) expect(key).toBe(`uploads/${upload.uploadId}.json`);
    expect(STATE_ACTIONS['step-worker'].uploads).toEqual([]);
    expect(STATE_ACTIONS.sweeper.uploads).toEqual([]);
  });
});
