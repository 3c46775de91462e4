/**
 * The console's files over HTTP, as both its servers answer them: the console
 * proxy (`longrunning console`) and the dev server (`npm run dev`). A directory is
 * served under `/console`; a path without a file extension and without a file is
 * a client-side route (`/console/executions/exec_1`) and gets `index.html`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/** Headers on every answer: no caching, no sniffing, no framing, scripts and styles from this origin only. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** True for `/console` and any path under `/console/`. */
export function isConsolePath(pathname: string): boolean {
  return pathname === '/console' || pathname.startsWith('/console/');
}

/** False for a raw path with `.` or `..` segments (once decoded), backslashes, NULs or bad percent-escapes. */
export function cleanPath(rawPath: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return false;
  }
  if (decoded.includes('\\') || decoded.includes('\0')) return false;
  return !decoded.split('/').some((segment) => segment === '.' || segment === '..');
}

/**
 * Answers a GET or HEAD of `pathname` (under `/console`, already checked with
 * {@link cleanPath}) from the files of `staticDir`: the file, `index.html` for
 * `/console`, `/console/` and client-side routes, else a 404.
 */
export async function serveConsoleFile(res: ServerResponse, staticDir: string, pathname: string): Promise<void> {
  const root = await realpath(staticDir);
  const wanted = decodeURIComponent(pathname.slice('/console'.length)).replace(/^\/+/, '');
  const file = wanted === '' ? 'index.html' : wanted;
  // A client-side route: any path without an extension, and any execution page (an id may hold a dot).
  const route = extname(file) === '' || file.startsWith('executions/');
  const found = (await fileWithin(root, file)) ?? (route ? await fileWithin(root, 'index.html') : undefined);
  if (!found) return sendError(res, 404, 'NOT_FOUND', `no console file at ${pathname}`);
  const content = await readFile(found);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': CONTENT_TYPES[extname(found).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(content.length),
  });
  res.end(content); // Node sends no body to a HEAD
}

/**
 * Answers a request for a `/console` path of a server without a token to check
 * (the dev server): 400 for a path with `.` or `..` segments, 405 for a method
 * other than GET and HEAD, else {@link serveConsoleFile}.
 */
export async function answerConsoleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  staticDir: string,
): Promise<void> {
  const rawPath = (req.url ?? '/').split('?', 1)[0] ?? '/';
  if (!cleanPath(rawPath)) return refuseBadPath(res);
  if (refusedPageMethod(req, res)) return;
  return serveConsoleFile(res, staticDir, rawPath);
}

/** Answers 400 for a path {@link cleanPath} refused. */
export function refuseBadPath(res: ServerResponse): void {
  sendError(res, 400, 'BAD_PATH', 'paths with . or .. segments, backslashes or bad escapes are refused');
}

/** Answers 405 and returns true unless the request is a GET or a HEAD, as a page's must be. */
export function refusedPageMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  sendError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed on pages`, { allow: 'GET, HEAD' });
  return true;
}

/** The real path of `rel` under `root` when it is a file there (symlinks out of `root` are refused). */
async function fileWithin(root: string, rel: string): Promise<string | undefined> {
  const candidate = resolve(root, rel);
  if (!candidate.startsWith(root + sep)) return undefined;
  try {
    const real = await realpath(candidate);
    if (!real.startsWith(root + sep)) return undefined;
    if (!(await stat(real)).isFile()) {
      return await fileWithin(root, `${rel.replace(/\/+$/, '')}/index.html`);
    }
    return real;
  } catch {
    return undefined;
  }
}

/** An error in the API's shape, `{ error: { code, message } }`, with the security headers. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}
