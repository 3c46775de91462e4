import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineWorkflow, WorkflowRegistry } from '../../../lib/index.js';
import { makeApiHandler } from '../../../functions/http/api-handler.js';
import { uploadKey } from '../../../functions/http/uploads.js';
import { defaultDeps, type HandlerDeps } from '../../../functions/shared/deps.js';
import { noMetrics } from '../../../functions/shared/metrics.js';
import { makeStepWorker } from '../../../functions/worker/step-worker-handler.js';
import { apiEvent, bodyOf } from '../../support/api-events.js';
import { type HandlerWorld, handlerWorld, pump, tableContents } from './handler-harness.js';

// A start input far over the API's 256 KiB body limit, through the deployed handlers
// on the emulator: ask for an upload, PUT the input to its presigned URL, start with
// `inputUpload`, run the steps. Bad uploads are refused and change nothing.

let world: HandlerWorld;

interface Doc {
  rows: string[];
  total?: number;
}

const workflows = new WorkflowRegistry().register(
  defineWorkflow<Doc>({
    name: 'count-rows',
    steps: [{ name: 'count', fn: (s) => ({ rows: s.rows.slice(0, 2), total: s.rows.length }) }],
  }),
);

beforeAll(async () => {
  world = await handlerWorld();
});
afterAll(async () => world?.dispose());

function apiOf(deps: HandlerDeps) {
  return makeApiHandler({
    control: deps.control,
    workflows,
    logger: deps.logger,
    ...(deps.stateLink ? { stateLink: deps.stateLink } : {}),
    ...(deps.uploads ? { uploads: deps.uploads } : {}),
  });
}

interface Upload {
  uploadId: string;
  url: string;
  expiresAt: string;
  maxBytes: number;
}

async function newUpload(api: ReturnType<typeof apiOf>): Promise<Upload> {
  const res = await api(apiEvent('POST', '/executions/uploads'));
  expect(res.statusCode).toBe(201);
  return bodyOf<Upload>(res);
}

async function exists(key: string): Promise<boolean> {
  try {
    await world.res.s3.send(new HeadObjectCommand({ Bucket: world.res.stateBucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

const putRaw = (uploadId: string, body: string) =>
  world.res.s3.send(new PutObjectCommand({ Bucket: world.res.stateBucket, Key: uploadKey(uploadId), Body: body }));

describe('a 5 MB start input uploaded through a presigned URL', () => {
  it('starts and completes with the uploaded input, and the upload is deleted', async () => {
    const api = apiOf(defaultDeps('api', process.env, workflows));
    const workerDeps = defaultDeps('worker', process.env, workflows);
    const worker = makeStepWorker({ runtime: workerDeps.runtime, logger: workerDeps.logger, metrics: noMetrics });

    const before = Date.now();
    const upload = await newUpload(api);
    expect(upload.uploadId).toMatch(/^upl_[0-9a-f]{32}$/);
    expect(upload.maxBytes).toBe(50 * 1024 * 1024);
    const expires = Date.parse(upload.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 899_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 901_000);
    expect(upload.url).toContain(`uploads/${upload.uploadId}.json`);
    expect(upload.url).toContain('X-Amz-Signature=');
    expect((await newUpload(api)).uploadId).not.toBe(upload.uploadId);

    const input: Doc = { rows: Array.from({ length: 50_000 }, (_, i) => `row-${i}-${'x'.repeat(90)}`) };
    const text = JSON.stringify(input);
    expect(text.length).toBeGreaterThan(5_000_000);
    const put = await fetch(upload.url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    expect(put.status).toBe(200);

    const started = await api(
      apiEvent('POST', '/executions', { body: { workflow: 'count-rows', inputUpload: upload.uploadId } }),
    );
    expect(started.statusCode).toBe(201);
    const id = bodyOf(started).id as string;
    expect(await exists(uploadKey(upload.uploadId))).toBe(false);

    await pump(world.res, worker);
    const done = bodyOf(await api(apiEvent('GET', `/executions/${id}`)));
    expect(done).toMatchObject({ state: 'completed', output: { rows: input.rows.slice(0, 2), total: 50_000 } });

    // The first checkpoint holds the input as uploaded (offloaded, so read through its link).
    const cps = bodyOf(await api(apiEvent('GET', `/executions/${id}/checkpoints`)));
    const first = (cps.items as { seq: number; state: { $longrunningState: { url: string } } }[]).find(
      (c) => c.seq === 0,
    );
    const stored = await fetch(first?.state.$longrunningState.url ?? '');
    expect(await stored.text()).toBe(text);
  }, 120_000);

  it('refuses bad uploads with a clear 4xx and changes nothing', async () => {
    const api = apiOf(defaultDeps('api', process.env, workflows));
    const start = (body: object) => api(apiEvent('POST', '/executions', { body }));
    const table = await tableContents(world.res);

    const both = await start({ workflow: 'count-rows', input: { rows: [] }, inputUpload: 'upl_1' });
    expect(both.statusCode).toBe(400);
    expect(bodyOf(both)).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    expect(JSON.stringify(bodyOf(both))).toMatch(/inputUpload: give either input or inputUpload, not both/);

    const badId = await start({ workflow: 'count-rows', inputUpload: '../executions/x' });
    expect(badId.statusCode).toBe(400);
    expect(JSON.stringify(bodyOf(badId))).toMatch(/inputUpload/);

    const unknown = await start({ workflow: 'count-rows', inputUpload: 'upl_never' });
    expect(unknown.statusCode).toBe(404);
    expect(bodyOf(unknown)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(JSON.stringify(bodyOf(unknown))).toMatch(/upload upl_never was not found: it expired or was never uploaded/);

    const notJson = await newUpload(api);
    await putRaw(notJson.uploadId, '{"rows": [1, 2');
    const res = await start({ workflow: 'count-rows', inputUpload: notJson.uploadId });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(bodyOf(res))).toMatch(new RegExp(`upload ${notJson.uploadId} is not valid JSON`));

    const deep = await newUpload(api);
    await putRaw(deep.uploadId, `${'['.repeat(40)}${']'.repeat(40)}`);
    const deepRes = await start({ workflow: 'count-rows', inputUpload: deep.uploadId });
    expect(deepRes.statusCode).toBe(400);
    expect(JSON.stringify(bodyOf(deepRes))).toMatch(/input must be JSON-serializable: .* nested more than 32 levels/);

    const small = apiOf(defaultDeps('api', { ...process.env, MAX_STATE_BYTES: '100000' }, workflows));
    const big = await newUpload(small);
    expect(big.maxBytes).toBe(100_000);
    await putRaw(big.uploadId, JSON.stringify({ rows: ['y'.repeat(100_000)] }));
    const tooBig = await small(
      apiEvent('POST', '/executions', { body: { workflow: 'count-rows', inputUpload: big.uploadId } }),
    );
    expect(tooBig.statusCode).toBe(413);
    expect(bodyOf(tooBig)).toMatchObject({ error: { details: { limitBytes: 100_000 } } });
    expect(JSON.stringify(bodyOf(tooBig))).toMatch(/over the 100000-byte limit/);

    expect(await tableContents(world.res)).toBe(table);
  });

  it('answers a clear 400 without a state bucket', async () => {
    const { STATE_BUCKET: _bucket, ...noBucket } = process.env;
    const api = apiOf(defaultDeps('api', noBucket, workflows));
    for (const res of [
      await api(apiEvent('POST', '/executions/uploads', { body: {} })),
      await api(apiEvent('POST', '/executions', { body: { workflow: 'count-rows', inputUpload: 'upl_1' } })),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(bodyOf(res))).toMatch(/large inputs need the state bucket/);
    }
    expect((await api(apiEvent('GET', '/executions/uploads'))).statusCode).toBe(405);
  });
});
