import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Options of {@link apiEvent}. */
export interface ApiEventOptions {
  body?: string | object;
  query?: Record<string, string>;
  base64?: boolean;
}

let seq = 0;

/** An API Gateway HTTP API (payload 2.0) event for `method` and `rawPath`. */
export function apiEvent(method: string, rawPath: string, options: ApiEventOptions = {}): APIGatewayProxyEventV2 {
  const text =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const body = text !== undefined && options.base64 ? Buffer.from(text).toString('base64') : text;
  const rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  seq++;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { 'content-type': 'application/json' },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${seq}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: Boolean(options.base64),
  };
}

/** Parses a handler result's JSON body. */
export function bodyOf<T = Record<string, unknown>>(result: { body?: string }): T {
  return JSON.parse(result.body ?? 'null') as T;
}
