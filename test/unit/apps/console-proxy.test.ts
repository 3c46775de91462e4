import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleProxy, TOKEN_HEADER, type ConsoleProxy } from '../../../apps/console/console-proxy.js';
import { sigV4Signer } from '../../../apps/shared/sigv4.js';
import { runCli } from '../../../apps/cli/main.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A fake API on 127.0.0.1 that records what reached it. */
async function fakeUpstream(): Promise<{ url: URL; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ items: [], echo: body ? (JSON.parse(body) as unknown) : null }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return { url: new URL(`http://127.0.0.1:${address.port}/prod`), seen, server };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request (any Host, Origin or Sec-Fetch-Site header, any path). */
function call(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end(options.body);
  });
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test' };

describe('console proxy', () => {
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  let proxy: ConsoleProxy;
  let origin: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    upstream = await fakeUpstream();
    proxy = await startConsoleProxy({
      upstream: upstream.url,
      sign: true,
      signer: sigV4Signer({ region: 'eu-west-1', credentials }),
      port: 0,
    });
    origin = `http://127.0.0.1:${proxy.port}`;
    auth = { cookie: `lr_console_${proxy.port}=${proxy.token}`, origin };
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((ok) => upstream.server.close(ok));
  });
  afterEach(() => {
    upstream.seen.length = 0;
  });

  it('prints a URL on 127.0.0.1 carrying a long random token', () => {
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}/console?token=${proxy.token}`);
    expect(proxy.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a request without the token, and the upstream sees nothing', async () => {
    const res = await call(proxy.port, '/api/executions', { headers: { origin } });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    expect((await call(proxy.port, '/console')).status).toBe(401);
    expect(upstream.seen).toEqual([]);
  });

  it('refuses a wrong token, in the cookie, the header or the query', async () => {
    const wrong = `${proxy.token.slice(0, -1)}${proxy.token.endsWith('A') ? 'B' : 'A'}`;
    expect(
      (await call(proxy.port, '/api/executions', { headers: { cookie: `lr_console_${proxy.port}=${wrong}` } })).status,
    ).toBe(401);
    expect((await call(proxy.port, '/api/executions', { headers: { [TOKEN_HEADER]: 'short' } })).status).toBe(401);
    expect((await call(proxy.port, `/console?token=${wrong}`)).status).toBe(401);
    expect(upstream.seen).toEqual([]);
  });

  it('trades the token of the printed URL for a strict HttpOnly cookie, which then works', async () => {
    const first = await call(proxy.port, `/console/executions/exec_1?token=${proxy.token}&tab=steps`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/console/executions/exec_1?tab=steps');
    expect(first.headers['set-cookie']).toEqual([
      `lr_console_${proxy.port}=${proxy.token}; HttpOnly; SameSite=Strict; Path=/`,
    ]);
    const cookie = (first.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
    const page = await call(proxy.port, '/console', { headers: { cookie: `other=1; ${cookie}` } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('The console UI is not built: run <code>npm run build</code>');
    expect(page.body).toContain(`forwards <code>/api/*</code> to <code>${upstream.url.href}</code>`);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    );
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('refuses a foreign Origin', async () => {
    const res = await call(proxy.port, '/api/executions', {
      headers: { ...auth, origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(upstream.seen).toEqual([]);
  });

  it('refuses a foreign Host (DNS rebinding)', async () => {
    const res = await call(proxy.port, '/api/executions', {
      headers: { ...auth, host: `evil.example:${proxy.port}`, origin: `http://evil.example:${proxy.port}` },
    });
    expect(res.status).toBe(421);
    const hostOnly = await call(proxy.port, '/console', {
      headers: { cookie: auth.cookie ?? '', host: `evil.example:${proxy.port}` },
    });
    expect(hostOnly.status).toBe(421);
    expect(upstream.seen).toEqual([]);
  });

  it('refuses cross-site and same-site requests (Sec-Fetch-Site)', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const res = await call(proxy.port, '/api/executions', { headers: { ...auth, 'sec-fetch-site': site } });
      expect(res.status).toBe(403);
    }
    expect(upstream.seen).toEqual([]);
  });

  it('forwards a GET signed with SigV4, without the cookie or the token header', async () => {
    const res = await call(proxy.port, '/api/executions?state=running', {
      headers: { ...auth, 'sec-fetch-site': 'same-origin', [TOKEN_HEADER]: proxy.token, 'x-other': 'dropped' },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ items: [], echo: null });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(upstream.seen).toHaveLength(1);
    const [seen] = upstream.seen;
    expect(seen?.method).toBe('GET');
    expect(seen?.url).toBe('/prod/executions?state=running');
    expect(seen?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\//,
    );
    expect(seen?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers[TOKEN_HEADER]).toBeUndefined();
    expect(seen?.headers['x-other']).toBeUndefined();
    expect(seen?.headers.origin).toBeUndefined();
  });

  it('forwards a POST body (with the token in the header), and its answer', async () => {
    const res = await call(proxy.port, '/api/executions', {
      method: 'POST',
      headers: { [TOKEN_HEADER]: proxy.token, origin, 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: 'arithmetic' }),
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toEqual({ items: [], echo: { workflow: 'arithmetic' } });
    const [seen] = upstream.seen;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/prod/executions');
    expect(seen?.body).toBe('{"workflow":"arithmetic"}');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
  });

  it('refuses methods other than GET, POST and DELETE on /api', async () => {
    const res = await call(proxy.port, '/api/executions/exec_1', { method: 'PUT', headers: auth, body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST, DELETE');
    expect(upstream.seen).toEqual([]);
  });

  it('refuses a body over 256 KiB with 413', async () => {
    const res = await call(proxy.port, '/api/executions', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'x'.repeat(256 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(upstream.seen).toEqual([]);
  });

  it('refuses path traversal', async () => {
    for (const path of ['/console/../api/executions', '/console/%2e%2e/x', '/console/..%2f..%2fetc%2fpasswd']) {
      const res = await call(proxy.port, path, { headers: auth });
      expect(res.status, path).toBe(400);
    }
    expect(upstream.seen).toEqual([]);
  });

  it('sends nothing to another host, whatever the path (an upstream without a stage path)', async () => {
    const targets: string[] = [];
    const fetchImpl = (async (input: URL | string) => {
      targets.push(String(input));
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const bare = await startConsoleProxy({
      upstream: new URL('https://abc123.execute-api.eu-west-1.amazonaws.com'),
      sign: true,
      signer: sigV4Signer({ region: 'eu-west-1', credentials }),
      port: 0,
      fetchImpl,
    });
    try {
      const headers = { host: `127.0.0.1:${bare.port}`, [TOKEN_HEADER]: bare.token };
      for (const path of ['/api//attacker.example/executions', '/api//attacker.example', '/api/executions//x']) {
        expect((await call(bare.port, path, { headers })).status, path).toBe(400);
      }
      expect(targets).toEqual([]);
      expect((await call(bare.port, '/api/executions?state=running', { headers })).status).toBe(200);
      expect(targets).toEqual(['https://abc123.execute-api.eu-west-1.amazonaws.com/executions?state=running']);
    } finally {
      await bare.close();
    }
  });

  it('answers 502 naming the API when it is down', async () => {
    const down = await fakeUpstream();
    await new Promise((ok) => down.server.close(ok));
    const lonely = await startConsoleProxy({
      upstream: down.url,
      sign: true,
      signer: sigV4Signer({ region: 'eu-west-1', credentials }),
    });
    try {
      const res = await call(lonely.port, '/api/workflows', { headers: { [TOKEN_HEADER]: lonely.token } });
      expect(res.status).toBe(502);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UPSTREAM_UNREACHABLE');
      expect(body.error.message).toContain(down.url.origin);
    } finally {
      await lonely.close();
    }
  });

  it('listens on 127.0.0.1 only', async () => {
    await expect(startConsoleProxy({ upstream: upstream.url, sign: false, host: '0.0.0.0' })).rejects.toThrow(
      /127\.0\.0\.1 only/,
    );
  });
});

describe('console proxy serving a static directory', () => {
  let dir: string;
  let proxy: ConsoleProxy;
  let headers: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lr-console-'));
    await mkdir(join(dir, 'ui', 'assets'), { recursive: true });
    await writeFile(join(dir, 'ui', 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(dir, 'ui', 'assets', 'app.js'), 'export {};');
    await writeFile(join(dir, 'secret.txt'), 'do not serve');
    proxy = await startConsoleProxy({
      upstream: new URL('http://127.0.0.1:1'),
      sign: false,
      staticDir: join(dir, 'ui'),
    });
    headers = { [TOKEN_HEADER]: proxy.token };
  });
  afterAll(async () => {
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves its files, and index.html for deep links', async () => {
    const index = await call(proxy.port, '/console', { headers });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>console</title>');
    const js = await call(proxy.port, '/console/assets/app.js', { headers });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const deep = await call(proxy.port, '/console/executions/exec_1', { headers });
    expect(deep.status).toBe(200);
    expect(deep.body).toContain('<title>console</title>');
    expect((await call(proxy.port, '/console/assets/missing.js', { headers })).status).toBe(404);
  });

  it('serves index.html for /console/ and any client-side route, a 404 for a missing file', async () => {
    // An execution id may hold a dot: under executions/ it is a route, not a file name.
    const routes = ['/console/', '/console/executions/exec_1', '/console/executions/exec_1.json', '/console/a/b?n=3'];
    for (const path of routes) {
      const res = await call(proxy.port, path, { headers });
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.body).toContain('<title>console</title>');
    }
    expect((await call(proxy.port, '/console/missing.json', { headers })).status).toBe(404);
  });

  it('never serves a file outside it', async () => {
    for (const path of ['/console/../secret.txt', '/console/..%2fsecret.txt', '/console/%2e%2e/secret.txt']) {
      const res = await call(proxy.port, path, { headers });
      expect(res.status, path).toBe(400);
      expect(res.body).not.toContain('do not serve');
    }
  });
});

describe('longrunning console', () => {
  it('starts the proxy, prints a URL with a token that works, and stops', async () => {
    const upstream = await fakeUpstream();
    let out = '';
    let err = '';
    const checks: number[] = [];
    try {
      const code = await runCli(['console', '--url', upstream.url.href, '--no-open'], {
        stdout: { write: (t: string) => (out += t) },
        stderr: { write: (t: string) => (err += t) },
        env: {},
        untilStopped: async () => {
          const url = new URL(/open (\S+)/.exec(out)?.[1] ?? '');
          expect(url.hostname).toBe('127.0.0.1');
          const token = url.searchParams.get('token') ?? '';
          expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
          const port = Number(url.port);
          checks.push((await call(port, `${url.pathname}${url.search}`)).status);
          const cookie = { cookie: `lr_console_${port}=${token}` };
          checks.push((await call(port, '/api/workflows', { headers: cookie })).status);
          const page = await call(port, '/console/executions/exec_1', { headers: cookie });
          checks.push(page.status);
          expect(page.body).toContain('<script type="module" src="/console/app.js">');
          checks.push((await call(port, '/console/app.js', { headers: cookie })).status);
        },
      });
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toContain(`/api/* -> ${upstream.url.href} (unsigned)`);
      expect(checks).toEqual([303, 200, 200, 200]);
      expect(out).toMatch(/^console UI: /m);
      expect(out).not.toContain('not built');
      expect(upstream.seen.map((s) => s.url)).toEqual(['/prod/workflows']);
      expect(upstream.seen[0]?.headers.authorization).toBeUndefined();
    } finally {
      await new Promise((ok) => upstream.server.close(ok));
    }
  });

  it('refuses to sign without a region, and a bad --port', async () => {
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, env: {} };
    expect(await runCli(['console', '--url', 'https://api.example.com', '--sign'], io)).toBe(1);
    expect(err).toContain('cannot tell the region to sign for');
    expect(await runCli(['console', '--port', 'x'], io)).toBe(2);
    expect(err).toContain('--port must be a port number');
  });
});
