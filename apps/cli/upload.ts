/** Sending a JSON value that may be too large for the API's request body. */
import type { ApiClient } from './api-client.js';

/**
 * A start input (or a fork's or rewind's state) whose JSON text is over this many
 * bytes is uploaded first (`POST /executions/uploads`, then a PUT to its URL) and
 * sent as the id of that upload: the API's request body stops at 256 KiB.
 */
export const UPLOAD_INPUT_OVER_BYTES = 200_000;

/**
 * `{ [field]: value }`, or for a value over {@link UPLOAD_INPUT_OVER_BYTES} of JSON
 * `{ [uploadField]: uploadId }` after uploading its JSON text: `('input', 'inputUpload')`
 * for a start, `('state', 'stateUpload')` for a fork or rewind.
 */
export async function inlineOrUploaded(
  client: ApiClient,
  value: unknown,
  field: string,
  uploadField: string,
): Promise<Record<string, unknown>> {
  const text = JSON.stringify(value);
  if (text === undefined || Buffer.byteLength(text, 'utf8') <= UPLOAD_INPUT_OVER_BYTES) return { [field]: value };
  const upload = (await client.request('POST', '/executions/uploads', {})) as { uploadId: string; url: string };
  await client.upload(upload.url, text, `the ${field}`);
  return { [uploadField]: upload.uploadId };
}
