import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { ErrorCode, LongRunningError, ValidationError } from '../../lib/index.js';

/** Largest request body accepted, in bytes (the state must fit a 400 KB item anyway). */
export const MAX_BODY_BYTES = 256 * 1024;

/** A request, reduced to what the routes need. */
export interface ApiRequest {
  method: string;
  /** Decoded path segments, e.g. ['executions', 'exec_1', 'pause']. */
  segments: string[];
  query: Record<string, string>;
  /** The raw body text, or undefined when there is none. */
  body: string | undefined;
}

/** Reads method, path, query and body out of a payload 2.0 event, rejecting what cannot be decoded. */
export function readRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
  const rawPath = event.rawPath ?? '/';
  const segments = rawPath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new ValidationError(`path segment "${s}" is not valid percent-encoding`);
      }
    });
  let body: string | undefined;
  if (event.body !== undefined && event.body !== null && event.body !== '') {
    const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
    if (bytes.length > MAX_BODY_BYTES) {
      throw new LongRunningError(
        ErrorCode.PayloadTooLarge,
        `request body is ${bytes.length} bytes, over the ${MAX_BODY_BYTES}-byte limit`,
        {
          details: { sizeBytes: bytes.length, limitBytes: MAX_BODY_BYTES },
        },
      );
    }
    body = bytes.toString('utf8');
  }
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
  return { method, segments, query, body };
}

/** Parses a JSON body; `required` bodies must be present. */
export function parseJsonBody(body: string | undefined, required: boolean): unknown {
  if (body === undefined || body.trim() === '') {
    if (required) throw new ValidationError('request body is required: send a JSON object');
    return undefined;
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new ValidationError(`request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Checks `value` against `schema`, turning zod's issues into one VALIDATION_ERROR naming each field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || what,
    message:
      i.code === 'unrecognized_keys'
        ? `unknown field(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`
        : i.message,
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new ValidationError(`invalid ${what}: ${summary}`, { issues });
}
