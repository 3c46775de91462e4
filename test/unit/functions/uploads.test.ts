import { describe, expect, it } from 'vitest';
import { ControlPlane, type Logger, WorkflowRegistry } from '../../../lib/index.js';
import { InMemoryExecutionStore, InMemoryStepQueue } from '../../../lib/testing/index.js';
import { arithmeticWorkflow } from '../../../examples/workflows.js';
import { makeApiHandler } from '../../../functions/http/api-handler.js';
import { validate } from '../../../functions/http/request.js';
import { startBodySchema } from '../../../functions/http/schemas.js';
import {
  bucketUploads,
  newUploadId,
  UPLOAD_URL_SECONDS,
  uploadKey,
  type UploadObjects,
} from '../../../functions/http/uploads.js';
import { apiEvent, bodyOf } from '../../support/api-events.js';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Object storage in a map; `failDelete` makes deletes throw. */
function memoryObjects(options: { failDelete?: boolean } = {}) {
  const objects = new Map<string, string>();
  const store: UploadObjects = {
    uploadUrl: (key, seconds) => Promise.resolve(`https://bucket.example/${key}?expires=${seconds}`),
    find: (key) => Promise.resolve(objects.get(key)),
    delete: (key) => {
      if (options.failDelete) return Promise.reject(new Error('denied'));
      objects.delete(key);
      return Promise.resolve();
    },
  };
  return { objects, store };
}

describe('the start body schema', () => {
  const check = (body: unknown) => validate(startBodySchema, body, 'body');

  it('takes input or inputUpload, and neither', () => {
    expect(check({ workflow: 'w', input: { a: 1 } })).toEqual({ workflow: 'w', input: { a: 1 } });
    expect(check({ workflow: 'w', inputUpload: 'upl_1' })).toEqual({ workflow: 'w', inputUpload: 'upl_1' });
    expect(check({ workflow: 'w' })).toEqual({ workflow: 'w' });
  });

  it('refuses both, naming the fields', () => {
    expect(() => check({ workflow: 'w', input: null, inputUpload: 'upl_1' })).toThrow(
      'invalid body: inputUpload: give either input or inputUpload, not both',
    );
  });

  it.each([[''], ['../executions/x'], ['.hidden'], ['a/b'], [12], ['x'.repeat(129)]])(
    'refuses the upload id %j',
    (id) => {
      expect(() => check({ workflow: 'w', inputUpload: id })).toThrow(/inputUpload/);
    },
  );
});

describe('input uploads', () => {
  it('make fresh safe ids and keys under uploads/', () => {
    const a = newUploadId();
    expect(a).toMatch(/^upl_[0-9a-f]{32}$/);
    expect(newUploadId()).not.toBe(a);
    expect(uploadKey(a)).toBe(`uploads/${a}.json`);
  });

  it('answer the URL, its expiry and the size limit', async () => {
    const uploads = bucketUploads(memoryObjects().store, { maxBytes: 1_000, now: () => 0 });
    const upload = await uploads.create();
    expect(upload).toEqual({
      uploadId: expect.stringMatching(/^upl_/) as unknown,
      url: `https://bucket.example/uploads/${upload.uploadId}.json?expires=${UPLOAD_URL_SECONDS}`,
      expiresAt: '1970-01-01T00:15:00.000Z',
      maxBytes: 1_000,
    });
  });

  it('read the JSON, say when there is none or it is not JSON, and discard without throwing', async () => {
    const { objects, store } = memoryObjects({ failDelete: true });
    const failures: string[] = [];
    const uploads = bucketUploads(store, { maxBytes: 1_000, onDiscardError: (id) => failures.push(id) });
    objects.set(uploadKey('upl_ok'), '{"a":[1,2]}');
    objects.set(uploadKey('upl_bad'), 'nope');
    await expect(uploads.read('upl_ok')).resolves.toEqual({ a: [1, 2] });
    await expect(uploads.read('upl_none')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/^upload upl_none was not found: it expired or was never uploaded/) as unknown,
      details: { uploadId: 'upl_none' },
    });
    await expect(uploads.read('upl_bad')).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringMatching(/^upload upl_bad is not valid JSON/) as unknown,
    });
    await expect(uploads.discard('upl_ok')).resolves.toBeUndefined();
    expect(failures).toEqual(['upl_ok']);
  });
});

describe('the upload routes', () => {
  function setup(withUploads: boolean) {
    const workflows = new WorkflowRegistry().register(arithmeticWorkflow);
    const control = new ControlPlane({
      store: new InMemoryExecutionStore(),
      queue: new InMemoryStepQueue(),
      workflows,
    });
    const mem = memoryObjects();
    const uploads = bucketUploads(mem.store, { maxBytes: 1_000 });
    const api = makeApiHandler({ control, workflows, logger: quiet, ...(withUploads ? { uploads } : {}) });
    return { api, control, objects: mem.objects };
  }

  it('start from an upload with its input, then delete it', async () => {
    const { api, control, objects } = setup(true);
    const created = await api(apiEvent('POST', '/executions/uploads', { body: {} }));
    expect(created.statusCode).toBe(201);
    const { uploadId } = bodyOf<{ uploadId: string }>(created);
    objects.set(uploadKey(uploadId), '{"value":5}');
    const started = await api(
      apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', inputUpload: uploadId } }),
    );
    expect(started.statusCode).toBe(201);
    const { id } = bodyOf<{ id: string }>(started);
    expect((await control.get(id)).head.data).toEqual({ value: 5 });
    expect(objects.has(uploadKey(uploadId))).toBe(false);
  });

  it('refuse a body on the upload route and other methods', async () => {
    const { api } = setup(true);
    expect((await api(apiEvent('POST', '/executions/uploads', { body: { size: 1 } }))).statusCode).toBe(400);
    expect((await api(apiEvent('DELETE', '/executions/uploads'))).statusCode).toBe(405);
  });

  it('say that large inputs need the state bucket when there is none', async () => {
    const { api } = setup(false);
    for (const res of [
      await api(apiEvent('POST', '/executions/uploads')),
      await api(apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', inputUpload: 'upl_1' } })),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(bodyOf<{ error: { code: string; message: string } }>(res).error).toMatchObject({
        code: 'VALIDATION_ERROR',
        message: expect.stringMatching(/^large inputs need the state bucket/) as unknown,
      });
    }
  });
});
