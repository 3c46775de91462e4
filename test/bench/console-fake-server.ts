/**
 * A local server for the console benchmark: the built console under `/console`
 * (served as the dev server serves it) and a fake of the three API reads the
 * execution list makes, over generated executions in the API's list-item shape.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerConsoleRequest, isConsolePath, SECURITY_HEADERS } from '../../apps/console/static-files.js';
import type { ExecutionView } from '../../lib/runtime/execution-view.js';

const STATES = ['running', 'waiting', 'paused', 'failed', 'completed', 'cancelled'] as const;
const WORKFLOWS: Readonly<Record<string, string[]>> = {
  'research-agent': ['plan', 'search', 'read', 'summarize', 'review', 'publish'],
  'invoice-approval': ['extract', 'validate', 'approve', 'pay'],
  'nightly-report': ['collect', 'aggregate', 'render'],
  'support-triage': ['classify', 'draft', 'wait-for-human', 'send', 'close', 'survey', 'archive', 'done'],
};

/** `total` executions, newest first, with states, workflows and progress varied. */
export function fakeExecutions(total: number, now = Date.now()): ExecutionView[] {
  const names = Object.keys(WORKFLOWS);
  return Array.from({ length: total }, (_, i) => {
    const workflow = names[i % names.length] ?? 'research-agent';
    const stepNames = WORKFLOWS[workflow] ?? [];
    const state = STATES[(i * 7) % STATES.length] ?? 'running';
    const done = state === 'completed' ? stepNames.length : (i * 3) % stepNames.length;
    const startTime = now - i * 97_000;
    return {
      id: `exec_${i.toString(16).padStart(32, '0')}`,
      name: `${workflow} #${total - i}`,
      workflow,
      state,
      progress: (done / stepNames.length) * 100,
      currentStep: done,
      totalSteps: stepNames.length,
      stepNames,
      startTime: new Date(startTime).toISOString(),
      lastUpdate: new Date(startTime + (i % 40) * 1_500).toISOString(),
      ...(state === 'completed' || state === 'failed' || state === 'cancelled'
        ? { endTime: new Date(startTime + 60_000).toISOString() }
        : {}),
      ...(state === 'failed' ? { error: { code: 'STEP_FAILED', message: 'the model timed out' } } : {}),
      metadata: { team: `team-${i % 5}` },
      stepRuns: done,
      inboxSize: 0,
    };
  });
}

/** A running server; `close` stops it. */
export interface FakeConsoleServer {
  base: string;
  close(): Promise<void>;
}

/** Serves `staticDir` under `/console` and `executions` under `/api` on 127.0.0.1 (a free port). */
export async function startFakeConsoleServer(
  staticDir: string,
  executions: ExecutionView[],
): Promise<FakeConsoleServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (isConsolePath(url.pathname)) {
      answerConsoleRequest(req, res, staticDir).catch((err: unknown) => {
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      return;
    }
    answerApi(url, req, res, executions);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

function answerApi(url: URL, req: IncomingMessage, res: ServerResponse, executions: ExecutionView[]): void {
  if (req.method !== 'GET') return send(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: req.method } });
  switch (url.pathname) {
    case '/api/executions': {
      // The token is the offset of the next row; a limit over 100 is clamped as the API does.
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 50)));
      const from = Number(url.searchParams.get('nextToken') ?? 0);
      const items = executions.slice(from, from + limit);
      const next = from + items.length;
      return send(res, 200, next < executions.length ? { items, nextToken: String(next) } : { items });
    }
    case '/api/counts': {
      const states: Record<string, { count: number; capped: boolean }> = {};
      for (const e of executions) {
        const c = (states[e.state] ??= { count: 0, capped: false });
        c.count++;
      }
      return send(res, 200, { states, cap: 10_000 });
    }
    case '/api/workflows':
      return send(res, 200, { items: Object.entries(WORKFLOWS).map(([name, steps]) => ({ name, steps })) });
    default:
      return send(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${url.pathname}` } });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
