import { randomBytes } from 'node:crypto';
import { ErrorCode, INPUT_UPLOAD_PREFIX, LongRunningError, ValidationError } from '../../lib/index.js';

/** How long an upload URL stays valid: 15 minutes. */
export const UPLOAD_URL_SECONDS = 900;

/** The answer of `POST /executions/uploads`. */
export interface InputUpload {
  uploadId: string;
  /** A presigned S3 PUT of the input's JSON text. */
  url: string;
  /** When `url` stops working (ISO 8601). */
  expiresAt: string;
  /** The largest input accepted, in bytes of JSON text. */
  maxBytes: number;
}

/**
 * Start inputs too large for a request body (256 KiB): the client PUTs the JSON
 * text to a presigned URL, then starts the execution with `inputUpload`.
 */
export interface InputUploads {
  /** A fresh upload id and the URL to PUT the input to. */
  create(): Promise<InputUpload>;
  /** The uploaded input, parsed; NOT_FOUND when there is none, STATE_TOO_LARGE over `maxBytes`, VALIDATION_ERROR when not JSON. */
  read(uploadId: string): Promise<unknown>;
  /** Deletes the upload once its execution has started; never throws (the lifecycle rule expires what is left). */
  discard(uploadId: string): Promise<void>;
}

/** The object storage calls the uploads need (S3StateObjects in the deployed API). */
export interface UploadObjects {
  uploadUrl(key: string, expiresInSeconds: number): Promise<string>;
  find(key: string, maxBytes?: number): Promise<string | undefined>;
  delete(key: string): Promise<void>;
}

/** The object key of an upload. */
export const uploadKey = (uploadId: string): string => `${INPUT_UPLOAD_PREFIX}${uploadId}.json`;

/** A new upload id: `upl_` + 32 lowercase hex characters (128 random bits), a safe id. */
export const newUploadId = (): string => `upl_${randomBytes(16).toString('hex')}`;

/** {@link InputUploads} on the state bucket. */
export function bucketUploads(
  objects: UploadObjects,
  options: { maxBytes: number; now?: () => number; onDiscardError?: (uploadId: string, error: unknown) => void },
): InputUploads {
  const now = options.now ?? Date.now;
  return {
    create: async () => {
      const uploadId = newUploadId();
      const url = await objects.uploadUrl(uploadKey(uploadId), UPLOAD_URL_SECONDS);
      const expiresAt = new Date(now() + UPLOAD_URL_SECONDS * 1000).toISOString();
      return { uploadId, url, expiresAt, maxBytes: options.maxBytes };
    },
    read: async (uploadId) => {
      const text = await objects.find(uploadKey(uploadId), options.maxBytes);
      if (text === undefined) {
        throw new LongRunningError(
          ErrorCode.NotFound,
          `upload ${uploadId} was not found: it expired or was never uploaded; ` +
            'ask POST /executions/uploads for a new one and PUT the input to its url',
          { details: { uploadId } },
        );
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        throw new ValidationError(`upload ${uploadId} is not valid JSON: ${(err as Error).message}`, { uploadId });
      }
    },
    discard: async (uploadId) => {
      try {
        await objects.delete(uploadKey(uploadId));
      } catch (err) {
        options.onDiscardError?.(uploadId, err);
      }
    },
  };
}

/** What the API answers to an upload request when there is no state bucket to upload to. */
export function uploadsUnavailable(): LongRunningError {
  return new LongRunningError(
    ErrorCode.Validation,
    'large inputs need the state bucket: this deployment has none (STATE_BUCKET is not set), ' +
      'so a start input must fit in the request body (256 KiB)',
  );
}
