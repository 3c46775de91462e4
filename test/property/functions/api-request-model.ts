import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiEvent } from '../../support/api-events.js';
import type { ApiWorld } from './api-world.js';

/** A path segment: fixed text, one of the world's execution ids, or any text (percent-encoded, or raw). */
export type Segment = { fixed: string } | { known: number } | { text: string; raw: boolean };

/** A body: none, some text (maybe sent base64), or one of a given size in bytes around the limit. */
export type Body = { none: true } | { text: string; base64: boolean } | { bytes: number; start: boolean };

/** A request, before the world's ids and tokens are filled in. */
export interface GeneratedRequest {
  method: string | undefined;
  segments: Segment[];
  query: Record<string, string> | undefined;
  headers: Record<string, string>;
  body: Body;
}

/** Query values that {@link toEvent} replaces with the world's real page tokens. */
export const LIST_TOKEN = '<list-token>';
export const CHECKPOINTS_TOKEN = '<checkpoints-token>';

/** The payload 2.0 event of `request`, with the world's ids and page tokens filled in. */
export function toEvent(request: GeneratedRequest, world: ApiWorld): APIGatewayProxyEventV2 {
  const rawPath = '/' + request.segments.map((s) => segmentText(s, world)).join('/');
  const query = request.query && Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, fill(v, world)]));
  const event = apiEvent(request.method ?? 'GET', rawPath, query === undefined ? {} : { query });
  event.headers = request.headers;
  if (request.method === undefined) delete (event.requestContext.http as { method?: string }).method;
  const body = request.body;
  if ('text' in body) {
    event.body = body.base64 ? Buffer.from(body.text, 'utf8').toString('base64') : body.text;
    event.isBase64Encoded = body.base64;
  } else if ('bytes' in body) {
    const padding = 'x'.repeat(Math.max(0, body.bytes - 100));
    const json = body.start ? JSON.stringify({ workflow: 'arithmetic', input: { value: 1, padding } }) : padding;
    event.body = json.padEnd(body.bytes, ' ');
  }
  return event;
}

function segmentText(segment: Segment, world: ApiWorld): string {
  if ('fixed' in segment) return segment.fixed;
  if ('known' in segment) return world.ids[segment.known % world.ids.length] ?? '';
  if (segment.raw) return segment.text;
  try {
    return encodeURIComponent(segment.text);
  } catch {
    return segment.text; // a lone surrogate has no percent-encoding
  }
}

function fill(value: string, world: ApiWorld): string {
  if (value === LIST_TOKEN) return world.tokens.list;
  if (value === CHECKPOINTS_TOKEN) return world.tokens.checkpoints;
  return value;
}
