import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { ErrorCode } from '../core/errors.js';
import { type Logger, noopLogger } from '../core/logger.js';

/** An API handler shaped like the Lambda one (payload format 2.0). */
export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Pick<Context, 'awsRequestId'>,
) => Promise<APIGatewayProxyResultV2>;

/** Largest body the bridge reads, like API Gateway's 10 MB payload limit. */
export const BRIDGE_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Turns one HTTP request into the payload 2.0 event API Gateway would send. */
export function toApiEvent(req: IncomingMessage, body: Buffer, requestId: string): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const method = (req.method ?? 'GET').toUpperCase();
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body.length > 0 ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(result);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  const body =
    result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  res.writeHead(result.statusCode ?? 200, headers).end(body);
}

/**
 * Sees each request before the API does: it answers it and resolves `true`, or
 * resolves `false` to hand it on to the API (it may rewrite `req.url` first, to
 * mount the API under a prefix, say).
 */
export type BeforeApi = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Options of {@link serveApi}. */
export interface ServeApiOptions {
  /** The port to listen on; 0 picks a free one. */
  port: number;
  /** The address to listen on; default 127.0.0.1. */
  host?: string;
  logger?: Logger;
  /** Serves other paths beside the API (pages, a prefix): see {@link BeforeApi}. */
  before?: BeforeApi;
}

/**
 * An HTTP server on localhost that hands each request to `handler` as an API
 * Gateway HTTP API event and writes the result back: the deployed API's routes,
 * codes and bodies, without API Gateway.
 *
 * @example
 * const server = await serveApi(makeApiHandler(deps), { port: 3000 });
 */
export async function serveApi(handler: ApiHandler, options: ServeApiOptions): Promise<Server> {
  const logger = options.logger ?? noopLogger;
  const internalError = (res: ServerResponse, requestId: string): void => {
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: ErrorCode.Internal, message: 'internal error', requestId } }));
  };
  const toApi = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BRIDGE_MAX_BODY_BYTES) {
        res
          .writeHead(413, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: ErrorCode.PayloadTooLarge, message: 'request body over 10 MB' } }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const requestId = randomUUID();
      handler(toApiEvent(req, Buffer.concat(chunks), requestId), { awsRequestId: requestId })
        .then((result) => writeResult(res, result))
        .catch((err: unknown) => {
          logger.error('api handler threw', { requestId, error: err instanceof Error ? err.message : String(err) });
          internalError(res, requestId);
        });
    });
  };
  const { before } = options;
  const server = createServer((req, res) => {
    if (!before) return toApi(req, res);
    before(req, res).then(
      (answered) => {
        if (!answered) toApi(req, res);
      },
      (err: unknown) => {
        const requestId = randomUUID();
        logger.error('request handler threw', { requestId, error: err instanceof Error ? err.message : String(err) });
        if (res.headersSent) res.destroy();
        else internalError(res, requestId);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return server;
}
