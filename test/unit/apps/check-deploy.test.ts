import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../apps/cli/main.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const RENAMED = fixture('renamed-step-workflows.ts');

const view = (
  id: string,
  state: string,
  currentStep: number,
  workflow = 'research',
  stepNames = ['plan', 'search', 'write'],
) => ({
  id,
  name: workflow,
  workflow,
  state,
  currentStep,
  totalSteps: stepNames.length,
  stepNames,
  progress: 0,
  startTime: 't',
  lastUpdate: 't',
});

/** A fake API serving GET /executions by state, two items a page. */
function fakeApi(byState: Record<string, unknown[]>) {
  const urls: URL[] = [];
  const fetchImpl = (async (input: URL | string) => {
    const url = new URL(String(input));
    urls.push(url);
    if (url.pathname !== '/executions') return new Response('{}', { status: 404 });
    const all = byState[url.searchParams.get('state') ?? ''] ?? [];
    const from = Number(url.searchParams.get('nextToken') ?? '0');
    const items = all.slice(from, from + 2);
    const body = from + 2 < all.length ? { items, nextToken: String(from + 2) } : { items };
    return new Response(JSON.stringify(body), { status: 200 });
  }) as typeof fetch;
  return { urls, fetchImpl };
}

async function cli(argv: string[], byState: Record<string, unknown[]> = {}) {
  let out = '';
  let err = '';
  const api = fakeApi(byState);
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: {},
    fetchImpl: api.fetchImpl,
  });
  return { code, out, err, urls: api.urls };
}

describe('longrunning check-deploy', () => {
  const executions = {
    running: [view('e1', 'running', 0), view('e2', 'running', 1), view('e3', 'running', 2)],
    waiting: [view('e4', 'waiting', 1)],
    paused: [view('e5', 'paused', 0, 'approval', ['ask']), view('e6', 'paused', 0, 'gone', ['old'])],
  };

  it('lists the executions a renamed step would strand, grouped by workflow and missing step, and exits 1', async () => {
    const r = await cli(['check-deploy', '--workflows', RENAMED], executions);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/checked 6 unfinished execution\(s\)/);
    expect(r.out).toMatch(/STRANDED: 4 execution\(s\)/);
    expect(r.out).toMatch(/gone\s+old\s+1\s+e6/);
    expect(r.out).toMatch(/research\s+search\s+3\s+e1, e2, e4/);
    // e3 is past "search": reported apart, and it does not fail the check by itself.
    expect(r.out).toMatch(/missing only among steps already run: 1[\s\S]*research\s+search\s+1\s+e3/);
    expect(r.out).toMatch(/FAILED: 4 execution\(s\) would be stranded/);
    // Every page of every unfinished state, twice (see listUnfinishedExecutions), and nothing else.
    const pass = ['running:-', 'running:2', 'waiting:-', 'paused:-'];
    expect(r.urls.map((u) => `${u.searchParams.get('state')}:${u.searchParams.get('nextToken') ?? '-'}`)).toEqual([
      ...pass,
      ...pass,
    ]);
  });

  it('prints the report as JSON with --json', async () => {
    const r = await cli(['check-deploy', '--workflows', RENAMED, '--json'], executions);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as {
      ok: boolean;
      stranded: { workflow: string; missingStep: string; count: number }[];
    };
    expect(report.ok).toBe(false);
    expect(report.stranded.map((g) => [g.workflow, g.missingStep, g.count])).toEqual([
      ['gone', 'old', 1],
      ['research', 'search', 3],
    ]);
  });

  it('exits 0 when nothing would be stranded, 1 with --strict for a step already run', async () => {
    const past = { running: [view('e3', 'running', 2)] };
    const ok = await cli(['check-deploy', '--workflows', RENAMED], past);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/ok: no execution would be stranded/);
    expect((await cli(['check-deploy', '--workflows', RENAMED, '--strict'], past)).code).toBe(1);
  });

  it.each([
    [['check-deploy'], /check-deploy needs --workflows <module>/],
    [['check-deploy', 'extra', '--workflows', RENAMED], /check-deploy takes no arguments/],
    [['check-deploy', '--workflows', fixture('nope.ts')], /cannot load workflows module/],
    [
      ['check-deploy', '--workflows', fixture('no-registry-module.ts')],
      /does not export a deployedWorkflows\(\) function/,
    ],
  ])('%j is a usage error, exit code 2', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
