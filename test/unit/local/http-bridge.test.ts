import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { serveApi, type ApiHandler, type BeforeApi } from '../../../lib/local/index.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((ok) => server?.close(ok));
  server = undefined;
});

/** Serves a recording API behind `before`; resolves with its base URL and the paths the API saw. */
async function serve(before: BeforeApi): Promise<{ base: string; seen: string[] }> {
  const seen: string[] = [];
  const api: ApiHandler = async (event) => {
    seen.push(event.rawPath);
    return { statusCode: 200, body: '{}' };
  };
  server = await serveApi(api, { port: 0, before });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return { base: `http://127.0.0.1:${address.port}`, seen };
}

describe('serveApi with a before hook', () => {
  it('leaves a request the hook answered to it, and hands the others to the API', async () => {
    const { base, seen } = await serve(async (req, res) => {
      if (req.url !== '/hello') return false;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hi');
      return true;
    });
    expect(await (await fetch(`${base}/hello`)).text()).toBe('hi');
    expect((await fetch(`${base}/workflows`)).status).toBe(200);
    expect(seen).toEqual(['/workflows']);
  });

  it('answers 500 in the API’s error shape when the hook throws, without calling the API', async () => {
    const { base, seen } = await serve(async () => {
      throw new Error('hook broke');
    });
    const res = await fetch(`${base}/workflows`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(seen).toEqual([]);
  });
});
