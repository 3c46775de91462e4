import { request, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApi, type ApiHandler } from '../../../lib/local/index.js';
import { buildConsole } from '../../../apps/console/build.js';
import { consoleRoutes } from '../../../apps/dev/console-routes.js';

/** An API that echoes what reached it: the path, the query and the body. */
const echoApi: ApiHandler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: event.rawQueryString,
    body: event.body === undefined ? null : Buffer.from(event.body, 'base64').toString('utf8'),
  }),
});

describe('the dev server with the console routes', () => {
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lr-dev-console-'));
    await buildConsole({ outDir: dir });
    server = await serveApi(echoApi, { port: 0, before: consoleRoutes(dir) });
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('no address');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at /console and /console/, with the console proxy’s security headers', async () => {
    for (const path of ['/console', '/console/']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<script type="module" src="/console/app.js">');
    }
  });

  it('serves the built app.js and app.css', async () => {
    const js = await fetch(`${base}/console/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const css = await fetch(`${base}/console/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('serves index.html for a client-side route, and 404 for a missing file', async () => {
    const deep = await fetch(`${base}/console/executions/exec_x`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="app">');
    // An execution id may hold a dot, which is not a file extension there.
    const dotted = await fetch(`${base}/console/executions/exec_a.b`);
    expect(dotted.status).toBe(200);
    expect(await dotted.text()).toContain('<div id="app">');
    expect((await fetch(`${base}/console/missing.js`)).status).toBe(404);
  });

  it('refuses any request addressed to another host name, the API at its own paths too (DNS rebinding)', async () => {
    const status = (path: string, hostName = 'rebound.example') =>
      new Promise<number>((resolve, reject) => {
        const port = (server.address() as { port: number }).port;
        request({ host: '127.0.0.1', port, path, headers: { host: `${hostName}:${port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await status('/console/')).toBe(403);
    expect(await status('/api/workflows')).toBe(403);
    expect(await status('/workflows')).toBe(403);
    expect(await status('/executions')).toBe(403);
    // A callback link carries its own credential: the API answers it (here, the echo) whatever the host.
    expect(await status('/callbacks/some-token')).toBe(200);
    // But only a callback link: a path that leaves /callbacks/ once its dot segments are resolved is not one.
    expect(await status('/callbacks/../executions')).toBe(403);
    expect(await status('/callbacks/%2e%2e/executions')).toBe(403);
    expect(await status('/callbacks/some-token/../../workflows')).toBe(403);
    // Host names are compared without case, and a fully qualified localhost. is loopback too.
    expect(await status('/workflows', 'LocalHost')).toBe(200);
    expect(await status('/workflows', 'localhost.')).toBe(200);
    expect(await status('/workflows', '[::1]')).toBe(200);
    expect((await fetch(`${base.replace('127.0.0.1', 'localhost')}/console/`)).status).toBe(200);
  });

  it('refuses to write to the console or to leave its directory', async () => {
    expect((await fetch(`${base}/console/`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect((await fetch(`${base}/console/..%2fpackage.json`)).status).toBe(400);
  });

  it('hands /api/... to the API without the prefix, query and body kept', async () => {
    const list = await fetch(`${base}/api/workflows?limit=2`);
    expect(await list.json()).toEqual({ method: 'GET', path: '/workflows', query: 'limit=2', body: null });
    const pause = await fetch(`${base}/api/executions/exec_1/pause`, { method: 'POST', body: '{"reason":"x"}' });
    expect(await pause.json()).toEqual({
      method: 'POST',
      path: '/executions/exec_1/pause',
      query: '',
      body: '{"reason":"x"}',
    });
  });

  it('keeps answering the API at its own paths', async () => {
    expect(await (await fetch(`${base}/workflows`)).json()).toMatchObject({ path: '/workflows' });
    expect(await (await fetch(`${base}/apis`)).json()).toMatchObject({ path: '/apis' });
  });

  it('without a built console, answers /console with 404 and why, and the API as before', async () => {
    const bare = await serveApi(echoApi, { port: 0, before: consoleRoutes(undefined) });
    try {
      const at = `http://127.0.0.1:${(bare.address() as { port: number }).port}`;
      const res = await fetch(`${at}/console/`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: /console was not built/ } });
      expect(await (await fetch(`${at}/api/workflows`)).json()).toMatchObject({ path: '/workflows' });
    } finally {
      await new Promise((resolve) => bare.close(resolve));
    }
  });
});
