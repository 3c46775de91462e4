import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3StateObjects } from '../../../../lib/aws/large-state/state-objects.js';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

function objects(): S3StateObjects {
  return new S3StateObjects({ bucket: 'states', client: new S3Client({ region: 'us-east-1' }) });
}

const serviceError = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe('S3StateObjects errors', () => {
  it('names the bucket and key of a missing object as CORRUPT_RECORD', async () => {
    s3.on(GetObjectCommand).rejects(serviceError('NoSuchKey', 404));
    await expect(objects().get('executions/e1/a.json')).rejects.toMatchObject({
      code: 'CORRUPT_RECORD',
      retryable: false,
      message: expect.stringContaining('s3://states/executions/e1/a.json is missing'),
    });
  });

  it('takes AccessDenied on a GET for a missing object, as S3 answers a role that may not list the bucket', async () => {
    s3.on(GetObjectCommand).rejects(serviceError('AccessDenied', 403));
    await expect(objects().get('executions/e1/a.json')).rejects.toMatchObject({ code: 'CORRUPT_RECORD' });
    await expect(objects().find('uploads/u1.json')).resolves.toBeUndefined();
  });

  it('makes SlowDown THROTTLED and a 500 STORE_UNAVAILABLE, both retryable', async () => {
    s3.on(PutObjectCommand).rejects(serviceError('SlowDown', 503));
    await expect(objects().put('executions/e1/a.json', '{}')).rejects.toMatchObject({
      code: 'THROTTLED',
      retryable: true,
    });
    s3.on(GetObjectCommand).rejects(serviceError('InternalError', 500));
    await expect(objects().get('executions/e1/a.json')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
    });
  });

  it('makes a missing bucket a non-retryable STORE_UNAVAILABLE naming it', async () => {
    s3.on(PutObjectCommand).rejects(serviceError('NoSuchBucket', 404));
    await expect(objects().put('executions/e1/a.json', '{}')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: false,
      message: expect.stringContaining('bucket states'),
    });
  });

  it('reports objects a DeleteObjects could not delete as a retryable STORE_UNAVAILABLE', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'executions/e1/a.json' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'executions/e1/a.json', Code: 'AccessDenied', Message: 'no' }],
    });
    await expect(objects().deletePrefix('executions/e1/')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining('failed for 1 objects: AccessDenied'),
    });
  });

  it('refuses a missing bucket name and a link lifetime out of range with VALIDATION_ERROR', async () => {
    expect(() => new S3StateObjects({ bucket: '' })).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
    await expect(objects().url('k', 0)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(objects().url('k', 604_801)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

describe('S3StateObjects for input uploads', () => {
  it('finds nothing for a missing key, and the text of one that is there', async () => {
    s3.on(GetObjectCommand, { Key: 'uploads/none.json' }).rejects(serviceError('NoSuchKey', 404));
    await expect(objects().find('uploads/none.json')).resolves.toBeUndefined();
    s3.on(GetObjectCommand, { Key: 'uploads/u.json' }).resolves({
      ContentLength: 7,
      Body: { transformToString: () => Promise.resolve('{"a":1}') } as never,
    });
    await expect(objects().find('uploads/u.json', 7)).resolves.toBe('{"a":1}');
  });

  it('refuses an object over maxBytes as STATE_TOO_LARGE without reading its body', async () => {
    let destroyed = false;
    s3.on(GetObjectCommand).resolves({
      ContentLength: 101,
      Body: {
        transformToString: () => Promise.reject(new Error('the body must not be read')),
        destroy: () => void (destroyed = true),
      } as never,
    });
    await expect(objects().find('uploads/u.json', 100)).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
      details: { sizeBytes: 101, limitBytes: 100 },
      message: 'the object uploads/u.json is 101 bytes, over the 100-byte limit',
    });
    expect(destroyed).toBe(true);
  });

  it('deletes one key, and reports a failure as the store error it is', async () => {
    s3.on(DeleteObjectCommand).resolves({});
    await objects().delete('uploads/u.json');
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toEqual({ Bucket: 'states', Key: 'uploads/u.json' });
    s3.on(DeleteObjectCommand).rejects(serviceError('SlowDown', 503));
    await expect(objects().delete('uploads/u.json')).rejects.toMatchObject({ code: 'THROTTLED', retryable: true });
  });

  it('signs a PUT of the key for the given lifetime, and refuses a lifetime out of range', async () => {
    const signer = new S3StateObjects({
      bucket: 'states',
      client: new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } }),
    });
    const url = new URL(await signer.uploadUrl('uploads/u.json', 900));
    expect(url.pathname).toMatch(/uploads\/u\.json$/);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKID\//);
    expect(url.searchParams.get('x-id')).toBe('PutObject');
    await expect(signer.uploadUrl('k', 0)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
