import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineWorkflow, WorkflowRegistry } from '../../../lib/index.js';
import { itemSizeBytes } from '../../../lib/core/item-size.js';
import { execPk } from '../../../lib/aws/schema/table-schema.js';
import { makeApiHandler } from '../../../functions/http/api-handler.js';
import { defaultDeps } from '../../../functions/shared/deps.js';
import { noMetrics } from '../../../functions/shared/metrics.js';
import { makeStepWorker } from '../../../functions/worker/step-worker-handler.js';
import { apiEvent, bodyOf } from '../../support/api-events.js';
import { type HandlerWorld, handlerWorld, pump } from './handler-harness.js';

// A 50 MB state through the deployed handlers on the emulator's DynamoDB, SQS and S3:
// start input, step outputs, the API's views and checkpoint listing (as links),
// a failure and `retry`, delete. The API and the worker are separate instances, as
// separate Lambda functions are, so the worker reads states from S3.

const BLOB = 50_000_000;
let world: HandlerWorld;
let failuresLeft = 2;

interface Big {
  blob: string;
  grown?: boolean;
  checked?: boolean;
  length?: number;
}

const workflows = new WorkflowRegistry()
  .register(
    defineWorkflow<Big>({
      name: 'big-state',
      steps: [
        { name: 'grow', fn: (s) => ({ ...s, blob: `${s.blob}Z`, grown: true }) },
        {
          name: 'check',
          fn: (s) => {
            if (failuresLeft-- > 0) throw new Error('checker unavailable');
            return { ...s, checked: true };
          },
        },
        { name: 'finish', fn: (s) => ({ ...s, length: s.blob.length }) },
      ],
    }),
  )
  .register(
    defineWorkflow<{ n: number }>({
      name: 'too-big',
      steps: [{ name: 'explode', fn: () => ({ n: 1, pad: 'p'.repeat(200_000) }) }],
    }),
  );

beforeAll(async () => {
  world = await handlerWorld();
});
afterAll(async () => world?.dispose());

async function stateAt(link: unknown): Promise<Big> {
  const ref = (link as { $longrunningState: { url: string; bytes: number } }).$longrunningState;
  const res = await fetch(ref.url);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(Buffer.byteLength(text)).toBe(ref.bytes);
  return JSON.parse(text) as Big;
}

describe('a 50 MB state, end to end through the handlers', () => {
  it('starts, runs, fails, is retried, completes, lists its checkpoints and is deleted, with small table items', async () => {
    const apiDeps = defaultDeps('api', process.env, workflows);
    const workerDeps = defaultDeps('worker', process.env, workflows);
    const api = makeApiHandler({
      control: apiDeps.control,
      workflows,
      logger: apiDeps.logger,
      ...(apiDeps.stateLink ? { stateLink: apiDeps.stateLink } : {}),
    });
    const worker = makeStepWorker({ runtime: workerDeps.runtime, logger: workerDeps.logger, metrics: noMetrics });
    const get = async (path: string) => bodyOf(await api(apiEvent('GET', path)));

    // An API Gateway request body stops at 10 MB: a larger input starts through the library.
    const { head } = await apiDeps.control.start({ workflow: 'big-state', input: { blob: 'a'.repeat(BLOB) } });
    const id = head.id;
    await pump(world.res, worker);
    const failed = await get(`/executions/${id}`);
    expect(failed).toMatchObject({ state: 'failed', currentStep: 1, error: { message: 'checker unavailable' } });
    const atFailure = await stateAt(failed.data);
    expect(atFailure.grown).toBe(true);
    expect(atFailure.blob.length).toBe(BLOB + 1);

    expect((await api(apiEvent('POST', `/executions/${id}/retry`))).statusCode).toBe(200);
    await pump(world.res, worker);
    const done = await get(`/executions/${id}`);
    expect(done).toMatchObject({ state: 'completed', progress: 100 });
    const output = await stateAt(done.output);
    expect(output).toMatchObject({ grown: true, checked: true, length: BLOB + 1 });

    const cps = await get(`/executions/${id}/checkpoints`);
    const items = cps.items as { seq: number; state: unknown }[];
    expect(items.map((c) => c.seq)).toEqual([3, 2, 1, 0]);
    expect((await stateAt(items[3]?.state)).blob.length).toBe(BLOB);
    expect((await stateAt(items[1]?.state)).checked).toBe(true);

    // The table's items hold references only: a step costs the same writes as with a small state.
    const partition = await world.res.documentClient.send(
      new QueryCommand({
        TableName: world.res.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': execPk(id) },
      }),
    );
    expect(partition.Items).toHaveLength(5);
    for (const item of partition.Items ?? []) expect(itemSizeBytes(item)).toBeLessThan(2_048);

    // A fork from checkpoint 1 copies the offloaded state into the fork's own prefix, and runs steps 1-2.
    const forked = await api(apiEvent('POST', `/executions/${id}/fork`, { body: { fromCheckpoint: 1 } }));
    expect(forked.statusCode).toBe(201);
    const forkId = String(bodyOf(forked).id);
    await pump(world.res, worker);
    const forkDone = await get(`/executions/${forkId}`);
    expect(forkDone).toMatchObject({ state: 'completed', forkedFrom: { executionId: id, checkpoint: 1 } });
    expect(await stateAt(forkDone.output)).toMatchObject({ grown: true, checked: true, length: BLOB + 1 });
    const forkObjects = await world.res.s3.send(
      new ListObjectsV2Command({ Bucket: world.res.stateBucket, Prefix: `executions/${forkId}/` }),
    );
    expect(forkObjects.KeyCount ?? 0).toBeGreaterThan(0);
    // A rewind of the original to checkpoint 2 runs the last step again from the offloaded state.
    expect((await api(apiEvent('POST', `/executions/${id}/rewind`, { body: { toCheckpoint: 2 } }))).statusCode).toBe(
      200,
    );
    await pump(world.res, worker);
    expect(await get(`/executions/${id}`)).toMatchObject({ state: 'completed', stepRuns: 5, superseded: [[3, 3]] });
    const rewound = (await get(`/executions/${id}/checkpoints`)).items as { seq: number; superseded?: true }[];
    expect(rewound.map((c) => [c.seq, c.superseded ?? false])).toEqual([
      [5, false],
      [4, false],
      [3, true],
      [2, false],
      [1, false],
      [0, false],
    ]);
    expect((await api(apiEvent('DELETE', `/executions/${forkId}`))).statusCode).toBe(204);

    expect((await api(apiEvent('DELETE', `/executions/${id}`))).statusCode).toBe(204);
    const left = await world.res.s3.send(
      new ListObjectsV2Command({ Bucket: world.res.stateBucket, Prefix: `executions/${id}/` }),
    );
    expect(left.KeyCount ?? 0).toBe(0);
  }, 180_000);

  it('fails a step whose result is over MAX_STATE_BYTES with STATE_TOO_LARGE', async () => {
    const deps = defaultDeps('worker', { ...process.env, MAX_STATE_BYTES: '100000' }, workflows);
    const worker = makeStepWorker({ runtime: deps.runtime, logger: deps.logger, metrics: noMetrics });
    const { head } = await deps.control.start({ workflow: 'too-big', input: { n: 0 } });
    await pump(world.res, worker);
    const { head: after } = await deps.control.get(head.id);
    expect(after).toMatchObject({ state: 'failed', error: { code: 'STATE_TOO_LARGE' } });
    expect(after.error?.message).toMatch(/over the 100000-byte limit/);
  });
});
