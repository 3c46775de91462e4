import type * as S3Sdk from './s3-sdk.js';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { ErrorCode, LongRunningError, ValidationError } from '../../core/errors.js';
import { translateSdkError } from '../dynamodb/sdk-errors.js';

/** The object storage the large states live in: S3 in production, any stand-in in tests. */
export interface StateObjects {
  /** Writes `body` (a state's JSON text) under `key`. */
  put(key: string, body: string): Promise<void>;
  /** The text under `key`; CORRUPT_RECORD when there is no such object. */
  get(key: string): Promise<string>;
  /** Deletes every object whose key starts with `prefix`; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
}

/** Where the states go: a bucket, and the client or the settings to create one with. */
export interface S3StateObjectsOptions {
  bucket: string;
  /** An S3 client; without one, a client is made from `clientConfig` on first use. */
  client?: S3Client;
  /** Settings of the client made on first use (region, endpoint; `forcePathStyle` for an emulator). */
  clientConfig?: S3ClientConfig;
}

type S3Module = typeof S3Sdk;

/**
 * {@link StateObjects} on one S3 bucket. The S3 SDK module is loaded on first use,
 * so a worker whose states all fit in the table never pays its import at cold start
 * (about half the time of importing the DynamoDB and SQS clients).
 */
export class S3StateObjects implements StateObjects {
  readonly #bucket: string;
  readonly #options: S3StateObjectsOptions;
  #ready: Promise<{ s3: S3Module; client: S3Client }> | undefined;

  constructor(options: S3StateObjectsOptions) {
    if (typeof options.bucket !== 'string' || options.bucket === '') {
      throw new ValidationError('largeState.bucket is required: the S3 bucket for large states');
    }
    this.#bucket = options.bucket;
    this.#options = options;
  }

  async put(key: string, body: string): Promise<void> {
    const { s3, client } = await this.#load();
    await this.#send(`PutObject ${key}`, () =>
      client.send(
        new s3.PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: 'application/json' }),
      ),
    );
  }

  async get(key: string): Promise<string> {
    const text = await this.find(key);
    if (text !== undefined) return text;
    throw new LongRunningError(
      ErrorCode.CorruptRecord,
      `the state object s3://${this.#bucket}/${key} is missing (or this role may not read it): the execution refers to a state that is not there`,
      { details: { bucket: this.#bucket, key } },
    );
  }

  async deletePrefix(prefix: string): Promise<number> {
    const { s3, client } = await this.#load();
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.#send(`ListObjectsV2 ${prefix}`, () =>
        client.send(new s3.ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token })),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
      if (keys.length > 0) {
        const out = await this.#send(`DeleteObjects ${prefix}`, () =>
          client.send(new s3.DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: keys, Quiet: true } })),
        );
        const failed = out.Errors ?? [];
        if (failed.length > 0) {
          throw new LongRunningError(
            ErrorCode.StoreUnavailable,
            `S3 DeleteObjects under s3://${this.#bucket}/${prefix} failed for ${failed.length} objects: ${failed[0]?.Code ?? ''} ${failed[0]?.Message ?? ''}`,
            { retryable: true },
          );
        }
        deleted += keys.length;
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return deleted;
  }

  /**
   * A presigned GET URL of `key`, valid for `expiresInSeconds` (1 to 604,800): how
   * the HTTP API hands out a state too large for its responses. It carries the
   * signer's permissions, so only a role that may read the object can make one.
   */
  async url(key: string, expiresInSeconds: number): Promise<string> {
    checkExpiry(expiresInSeconds);
    const { s3, client } = await this.#load();
    return s3.getSignedUrl(client, new s3.GetObjectCommand({ Bucket: this.#bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }

  /**
   * A presigned PUT URL of `key`, valid for `expiresInSeconds` (1 to 604,800): how a
   * client of the HTTP API uploads a start input too large for a request body. The
   * URL carries no content type, so the upload may send any (or none).
   */
  async uploadUrl(key: string, expiresInSeconds: number): Promise<string> {
    checkExpiry(expiresInSeconds);
    const { s3, client } = await this.#load();
    return s3.getSignedUrl(client, new s3.PutObjectCommand({ Bucket: this.#bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }

  /**
   * The text under `key`, or undefined when there is no such object. An object over
   * `maxBytes` is STATE_TOO_LARGE, refused before its body is read.
   */
  async find(key: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<string | undefined> {
    const { s3, client } = await this.#load();
    try {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      if (out.Body === undefined) throw new Error('the response has no body');
      const size = out.ContentLength ?? 0;
      if (size > maxBytes) {
        (out.Body as { destroy?: () => void }).destroy?.();
        throw tooLarge(key, size, maxBytes);
      }
      const text = await out.Body.transformToString('utf8');
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > maxBytes) throw tooLarge(key, bytes, maxBytes);
      return text;
    } catch (thrown) {
      if (thrown instanceof LongRunningError) throw thrown;
      if (isMissing(thrown)) return undefined;
      throw translateSdkError(thrown, `S3 GetObject s3://${this.#bucket}/${key}`);
    }
  }

  /** Deletes the object under `key`; deleting one that is not there is not an error. */
  async delete(key: string): Promise<void> {
    const { s3, client } = await this.#load();
    await this.#send(`DeleteObject ${key}`, () =>
      client.send(new s3.DeleteObjectCommand({ Bucket: this.#bucket, Key: key })),
    );
  }

  #load(): Promise<{ s3: S3Module; client: S3Client }> {
    this.#ready ??= import('./s3-sdk.js').then((s3) => ({
      s3,
      client: this.#options.client ?? new s3.S3Client(this.#options.clientConfig ?? {}),
    }));
    return this.#ready;
  }

  async #send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (thrown) {
      throw translateSdkError(thrown, `S3 ${operation} in bucket ${this.#bucket}`);
    }
  }
}

/** A presigned URL lives 1 second to 7 days (S3's limit for SigV4). */
function checkExpiry(expiresInSeconds: number): void {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > 604_800) {
    throw new ValidationError('expiresInSeconds must be a whole number from 1 to 604800', { expiresInSeconds });
  }
}

function tooLarge(key: string, sizeBytes: number, limitBytes: number): LongRunningError {
  return new LongRunningError(
    ErrorCode.StateTooLarge,
    `the object ${key} is ${sizeBytes} bytes, over the ${limitBytes}-byte limit`,
    { details: { sizeBytes, limitBytes } },
  );
}

/**
 * True for S3's answers to a GET of a key that is not there: NoSuchKey, or
 * AccessDenied, which S3 answers instead to a role that may not list the bucket
 * (the functions' roles may not list it beyond their prefixes, so a missing object
 * reads as denied).
 */
function isMissing(thrown: unknown): boolean {
  const name = thrown instanceof Error ? thrown.name : '';
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'AccessDenied';
}
