import { MAX_RECORDED_EVENTS } from '../../lib/runtime/model.js';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../support/emulator.js';

const run = promisify(execFile);
let emulator: Emulator;
let port: number;
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  emulator = await startEmulator();
  port = await freePort();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await emulator?.stop();
});

/** `npm run dev` as a child process against the test emulator, with short leases so recovery is quick. */
function startDev(): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/dev/dev-server.ts'], {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: emulator.endpoint,
      PORT: String(port),
      TABLE_NAME: 'longrunning-e2e',
      DEV_QUEUE_NAME: 'longrunning-e2e-steps',
      AGENT_STEP_MS: '1500',
      LEASE_SECONDS: '3',
      STALL_AFTER_SECONDS: '1',
      DEV_SWEEP_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  child.stdout?.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (text += b.toString()));
  return { child, output: () => text };
}

async function waitFor(output: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!pattern.test(output())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${String(pattern)} not seen in:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls `check` until it holds (or gives up after `timeoutMs` with `what` in the error). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function cli(...args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [
    '--import',
    'tsx',
    'apps/cli/longrunning.ts',
    '--url',
    `http://127.0.0.1:${port}`,
    '--json',
    ...args,
  ]);
  return JSON.parse(stdout) as unknown;
}

describe('npm run dev and the CLI', () => {
  it('survives a SIGKILL in the middle of a step: restarted, it completes with every step committed exactly once', async () => {
    const first = startDev();
    await waitFor(first.output, /API on http/);
    const started = (await cli('start', 'agent-research', '--input', '{"topic":"glaciers"}', '--name', 'e2e')) as {
      id: string;
      state: string;
    };
    expect(started.state).toBe('running');
    await waitFor(first.output, new RegExp(`${started.id} step 2 step started`));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = startDev();
    await waitFor(second.output, /found table longrunning-e2e/);
    await waitFor(second.output, new RegExp(`${started.id} step 5 execution completed`), 90_000);

    const view = (await cli('get', started.id)) as {
      state: string;
      currentStep: number;
      output: { publishedAt: string };
      events: { type: string; step: number }[];
    };
    expect(view.state).toBe('completed');
    expect(view.output.publishedAt).toBe('report-glaciers.md');
    const completedSteps = view.events.filter((e) => e.type === 'step_completed').map((e) => e.step);
    // The head keeps its last MAX_RECORDED_EVENTS events: the newest step_completed ones, then the end.
    expect(completedSteps).toEqual([0, 1, 2, 3, 4].slice(-completedSteps.length));
    expect(completedSteps.length).toBeGreaterThanOrEqual(MAX_RECORDED_EVENTS - 1);
    expect(view.events.at(-1)?.type).toBe('execution_completed');
    const cps = (await cli('checkpoints', started.id, '--limit', '100')) as { items: { step: number }[] };
    expect(cps.items.map((c) => c.step)).toEqual([5, 4, 3, 2, 1, 0]);
    second.child.kill('SIGINT');
    await new Promise((r) => second.child.once('exit', r));
    expect(second.output()).toContain('stopped cleanly');
  }, 180_000);

  it('runs the approval workflow: a draft waits, is sent back by send-event, and is approved by its callback link', async () => {
    const dev = startDev();
    await waitFor(dev.output, /API on http/);
    const started = (await cli('start', 'approval', '--input', '{"topic":"tides"}')) as { id: string };
    await waitFor(dev.output, new RegExp(`approval needed for ${started.id} \\(draft 1\\): POST /callbacks/`));
    const waiting = (await cli('get', started.id)) as { state: string; stepRuns: number; wait: { eventType: string } };
    expect(waiting).toMatchObject({ state: 'waiting', wait: { kind: 'event', eventType: 'approval' } });

    const sent = (await cli(
      'send-event',
      started.id,
      'approval',
      '--payload',
      '{"approved":false,"comments":"shorter"}',
    )) as {
      delivery: string;
    };
    expect(sent.delivery).toBe('resumed');
    await waitFor(dev.output, new RegExp(`approval needed for ${started.id} \\(draft 2\\): POST /callbacks/(\\S+)`));
    const link = new RegExp(`approval needed for ${started.id} \\(draft 2\\): POST /callbacks/(\\S+)`).exec(
      dev.output(),
    )?.[1];
    // The step prints its link while it runs; the token is valid once its result commits (the execution waits again).
    await until(async () => {
      const view = (await cli('get', started.id)) as { state: string; stepRuns: number };
      return view.state === 'waiting' && view.stepRuns > waiting.stepRuns;
    }, 'the second draft to wait for approval');
    const answer = await fetch(`http://127.0.0.1:${port}/callbacks/${link ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: { approved: true } }),
    });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual({ delivery: 'resumed' });
    await waitFor(dev.output, new RegExp(`${started.id} step 3 execution completed`), 60_000);
    const done = (await cli('get', started.id)) as { state: string; stepRuns: number; output: unknown };
    expect(done).toMatchObject({ state: 'completed', stepRuns: 5, output: { outcome: 'published', round: 2 } });
    dev.child.kill('SIGINT');
    await new Promise((r) => dev.child.once('exit', r));
  }, 180_000);

  it('serves the console under /console and the API under /api on the same origin', async () => {
    const dev = startDev();
    await waitFor(dev.output, new RegExp(`console on http://127\\.0\\.0\\.1:${port}/console`));
    const base = `http://127.0.0.1:${port}`;
    const index = await fetch(`${base}/console/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('/console/app.js');
    const js = await fetch(`${base}/console/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const deep = await fetch(`${base}/console/executions/exec_x`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="app">');
    const prefixed: unknown = await (await fetch(`${base}/api/workflows`)).json();
    expect(prefixed).toEqual(await (await fetch(`${base}/workflows`)).json());
    expect(JSON.stringify(prefixed)).toContain('agent-research');
    dev.child.kill('SIGINT');
    await new Promise((r) => dev.child.once('exit', r));
  }, 120_000);
});
