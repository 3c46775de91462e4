/**
 * The local server of the web console (`longrunning console`): it serves the
 * console's files and forwards the console's API calls to a deployed API, signed
 * with SigV4 from the user's AWS credentials, which the browser never sees.
 *
 * It is for the person at the keyboard only: it listens on 127.0.0.1, every
 * request needs the random token of the URL it prints (kept in an HttpOnly,
 * SameSite=Strict cookie after the first visit), and the Host, Origin and
 * Sec-Fetch-Site headers are checked against DNS rebinding and cross-site requests.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { signingRegion, sigV4Signer, type RequestSigner } from '../shared/sigv4.js';
import {
  cleanPath,
  isConsolePath,
  refuseBadPath,
  refusedPageMethod,
  SECURITY_HEADERS,
  sendError,
  serveConsoleFile,
} from './static-files.js';

/**
 * The name of the cookie that carries the token after the first visit, for the
 * proxy on `port`: browsers do not keep cookies apart by port, so two proxies on
 * 127.0.0.1 must not share one name (nor overwrite each other's token).
 */
export function tokenCookie(port: number): string {
  return `lr_console_${port}`;
}
/** The header that may carry the token instead of the cookie (scripts, tests). */
export const TOKEN_HEADER = 'x-longrunning-console-token';
/** The largest request body forwarded, as the API's own limit: 256 KiB. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Options of {@link startConsoleProxy}. */
export interface ConsoleProxyOptions {
  /** The API to forward `/api/*` to (its base URL, with any stage path). */
  upstream: URL;
  /** Sign forwarded requests with SigV4 (an IAM-authorised API). */
  sign: boolean;
  /** The region to sign for; default: from an execute-api host name, else `$AWS_REGION`. */
  region?: string;
  /** Only `127.0.0.1` is accepted (the default): the proxy is for this machine's user alone. */
  host?: string;
  /** The port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** The directory of the console's files, served under `/console`; without it, a page saying the UI is not built. */
  staticDir?: string;
  /** The secret of the printed URL; default 32 random bytes, base64url. */
  token?: string;
  fetchImpl?: typeof fetch;
  /** Signs forwarded requests (when `sign`); default: SigV4 with the default AWS credential chain. */
  signer?: RequestSigner;
  /** How long to wait for the API before answering 504, in ms (default 60 s). */
  upstreamTimeoutMs?: number;
}

/** A running console proxy. */
export interface ConsoleProxy {
  /** The URL to open: `http://127.0.0.1:<port>/console?token=<token>`. */
  url: string;
  port: number;
  token: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const API_METHODS = new Set(['GET', 'POST', 'DELETE']);

/**
 * Starts the console proxy on 127.0.0.1 and resolves once it listens. Rejects
 * when asked for another host, when the upstream is not an http(s) URL, or when
 * signing is asked and no region can be told.
 */
export async function startConsoleProxy(options: ConsoleProxyOptions): Promise<ConsoleProxy> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1')
    throw new Error(`the console proxy listens on 127.0.0.1 only (it is for this machine's user), got host "${host}"`);
  const { upstream } = options;
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:')
    throw new Error(`the API URL must be http or https, got "${upstream.href}"`);
  const token = options.token ?? randomBytes(32).toString('base64url');
  if (token.length < 16 || !/^[A-Za-z0-9_-]+$/.test(token))
    throw new Error('the console token must be at least 16 characters of A-Z a-z 0-9 _ -');
  const signer = options.sign
    ? (options.signer ?? sigV4Signer({ region: signingRegion(upstream, options.region, process.env.AWS_REGION) }))
    : undefined;

  const server = createServer();
  let port = 0;
  const ctx: Context = {
    upstream,
    token: Buffer.from(token),
    signer,
    fetchImpl: options.fetchImpl ?? fetch,
    staticDir: options.staticDir,
    timeoutMs: options.upstreamTimeoutMs ?? 60_000,
    port: () => port,
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(ctx, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', `console proxy error: ${messageOf(err)}`);
      else res.destroy();
    });
  });
  port = await listen(server, host, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}/console?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

interface Context {
  upstream: URL;
  token: Buffer;
  signer: RequestSigner | undefined;
  fetchImpl: typeof fetch;
  staticDir: string | undefined;
  timeoutMs: number;
  port: () => number;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((ok, fail) => {
    const onError = (err: Error) => fail(new Error(`cannot listen on ${host}:${port}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      ok(typeof address === 'object' && address ? address.port : port);
    });
  });
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const port = ctx.port();
  // DNS rebinding: a foreign name resolving to 127.0.0.1 arrives with its own Host.
  const hostHeader = req.headers.host ?? '';
  if (hostHeader !== `127.0.0.1:${port}` && hostHeader !== `localhost:${port}`)
    return sendError(res, 421, 'MISDIRECTED_REQUEST', `this console proxy answers to 127.0.0.1:${port} only`);
  // Cross-site (and same-site: sites ignore ports, so another localhost server is one) requests.
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site')
    return sendError(res, 403, 'FORBIDDEN', `${fetchSite} requests are refused`);
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`)
    return sendError(res, 403, 'FORBIDDEN', `requests from origin ${origin} are refused`);

  // Path traversal, in any spelling (`..`, `%2e%2e`, `..%2f`, backslashes): refused before any routing.
  if (!cleanPath((req.url ?? '/').split('?', 1)[0] ?? '/')) return refuseBadPath(res);
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  const isPage = url.pathname === '/' || isConsolePath(url.pathname);

  // The printed URL: trade the token of its query for a cookie, then drop it from the address bar.
  const queryToken = url.searchParams.get('token');
  if (isPage && queryToken !== null && (req.method === 'GET' || req.method === 'HEAD')) {
    if (!sameToken(ctx.token, queryToken)) return unauthorized(res);
    url.searchParams.delete('token');
    const location = (url.pathname === '/' ? '/console' : url.pathname) + url.search;
    res.writeHead(303, {
      ...SECURITY_HEADERS,
      location,
      'set-cookie': `${tokenCookie(port)}=${queryToken}; HttpOnly; SameSite=Strict; Path=/`,
    });
    res.end();
    return;
  }
  const headerToken = req.headers[TOKEN_HEADER];
  const presented = typeof headerToken === 'string' ? headerToken : cookieOf(req.headers.cookie, tokenCookie(port));
  if (presented === undefined || !sameToken(ctx.token, presented)) return unauthorized(res);

  if (url.pathname.startsWith('/api/')) return forward(ctx, req, res, url);
  if (isPage) {
    if (refusedPageMethod(req, res)) return;
    if (url.pathname === '/') {
      res.writeHead(303, { ...SECURITY_HEADERS, location: '/console' });
      res.end();
      return;
    }
    return servePage(ctx, res, url.pathname);
  }
  return sendError(res, 404, 'NOT_FOUND', `nothing at ${url.pathname}: the console is at /console, the API at /api/`);
}

async function forward(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  if (!API_METHODS.has(method))
    return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not forwarded; GET, POST and DELETE are`, {
      allow: 'GET, POST, DELETE',
    });
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === 'too-large')
    return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the request body is over ${MAX_BODY_BYTES} bytes`, {
      connection: 'close',
    });
  const text = method !== 'GET' && body.length > 0 ? body.toString('utf8') : undefined;

  const base = ctx.upstream;
  const rest = url.pathname.slice('/api'.length);
  // `//host/…` resolved against the base would name another host, which would get
  // the signed request and its credentials: no route has an empty segment.
  if (rest.includes('//')) return refuseBadPath(res);
  const target = new URL(base.href);
  target.pathname = base.pathname.replace(/\/$/, '') + rest;
  target.search = url.search;
  if (target.origin !== base.origin) return refuseBadPath(res);
  let headers: Record<string, string> = {
    host: target.host,
    accept: typeof req.headers.accept === 'string' ? req.headers.accept : 'application/json',
    ...(text !== undefined
      ? {
          'content-type':
            typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : 'application/json',
        }
      : {}),
  };
  if (ctx.signer) {
    try {
      headers = await ctx.signer({ method, url: target, headers, ...(text !== undefined ? { body: text } : {}) });
    } catch (err) {
      return sendError(
        res,
        500,
        'SIGNING_FAILED',
        `could not sign the request with AWS credentials: ${messageOf(err)}`,
      );
    }
  }
  const { host: _host, ...sent } = headers;
  let upstreamRes: Response;
  let raw: string;
  try {
    upstreamRes = await ctx.fetchImpl(target, {
      method,
      headers: sent,
      redirect: 'manual',
      signal: AbortSignal.timeout(ctx.timeoutMs),
      ...(text !== undefined ? { body: text } : {}),
    });
    raw = await upstreamRes.text();
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return sendError(
      res,
      timedOut ? 504 : 502,
      timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNREACHABLE',
      timedOut
        ? `the API at ${base.origin} did not answer within ${ctx.timeoutMs} ms`
        : `could not reach the API at ${base.origin}: ${messageOf(err)}`,
    );
  }
  const out: Record<string, string> = { ...SECURITY_HEADERS };
  const contentType = upstreamRes.headers.get('content-type');
  if (contentType) out['content-type'] = contentType;
  const retryAfter = upstreamRes.headers.get('retry-after');
  if (retryAfter) out['retry-after'] = retryAfter;
  res.writeHead(upstreamRes.status, out);
  res.end(raw);
}

async function servePage(ctx: Context, res: ServerResponse, pathname: string): Promise<void> {
  if (ctx.staticDir === undefined) return sendPage(res, builtInPage(ctx));
  return serveConsoleFile(res, ctx.staticDir, pathname);
}

function builtInPage(ctx: Context): string {
  const api = escapeHtml(ctx.upstream.href);
  const how = ctx.signer ? 'signed with SigV4 from your AWS credentials' : 'unsigned';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>longrunning console proxy</title>
</head>
<body>
<h1>longrunning console proxy</h1>
<p>This proxy forwards <code>/api/*</code> to <code>${api}</code> (${how}).</p>
<p>The console UI is not built: run <code>npm run build</code> in the repository, or install esbuild so that <code>longrunning console</code> can build it.</p>
</body>
</html>
`;
}

function sendPage(res: ServerResponse, html: string): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

function unauthorized(res: ServerResponse): void {
  sendError(
    res,
    401,
    'UNAUTHORIZED',
    'missing or wrong console token: open the URL `longrunning console` printed (it carries the token)',
  );
}

/** Reads the body up to `limit` bytes; past it, reads (and drops) the rest and answers `'too-large'`. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => ok(size > limit ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/** Constant-time comparison of the token with what a request presented. */
function sameToken(token: Buffer, presented: string): boolean {
  const given = Buffer.from(presented);
  return given.length === token.length && timingSafeEqual(given, token);
}

function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
