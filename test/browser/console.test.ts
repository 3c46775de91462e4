/**
 * The web console in a real browser (the system's Chromium, driven by
 * playwright-core) against `npm run dev` on the test emulator. It also takes the
 * README's screenshots: into .cache/screenshots on every run, and over
 * docs/console-*.png with UPDATE_SCREENSHOTS=1, so a plain `npm test` leaves the tree clean.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../support/emulator.js';
import { REPO_ROOT as repoRoot } from '../support/repo-root.js';

/** Where a screenshot goes: docs/ when UPDATE_SCREENSHOTS=1, else .cache/screenshots (ignored by git). */
function screenshotPath(name: string): string {
  return process.env['UPDATE_SCREENSHOTS'] === '1'
    ? join(repoRoot, 'docs', name)
    : join(repoRoot, '.cache', 'screenshots', name);
}
import { findChromium } from './chromium.js';
import { launchChromium } from './launch-chromium.js';

let emulator: Emulator;
let dev: ChildProcess | undefined;
let browser: Browser | undefined;
let base = '';
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`gave up waiting for ${what}; dev server said:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function post(path: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

beforeAll(async () => {
  // First, so a machine without a browser fails at once with what to install.
  const executablePath = findChromium();
  emulator = await startEmulator();
  const port = await freePort();
  dev = spawn(process.execPath, ['--import', 'tsx', 'apps/dev/dev-server.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: emulator.endpoint,
      PORT: String(port),
      TABLE_NAME: 'longrunning-console',
      DEV_QUEUE_NAME: 'longrunning-console-steps',
      AGENT_STEP_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dev.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  dev.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  await until(() => /console on http:\/\/127\.0\.0\.1:\d+\/console/.test(output), 'the dev server to start');
  base = `http://127.0.0.1:${port}`;
  browser = await launchChromium(executablePath);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dev && dev.exitCode === null) {
    dev.kill('SIGINT');
    await new Promise((r) => dev?.once('exit', r));
  }
  await emulator?.stop();
});

/** What went wrong in a page: script errors, console errors (a CSP violation is one) and CSP reports. */
const problems = new WeakMap<Page, string[]>();

async function open(path: string): Promise<Page> {
  if (!browser) throw new Error('no browser');
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A 404 the page asked for on purpose (an unknown execution) is logged by the browser as a failed load.
    if (m.type() === 'error' && !m.text().includes('404 (Not Found)')) seen.push(`console: ${m.text()}`);
  });
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
  await page.goto(`${base}${path}`);
  return page;
}

/** Closes the page, failing the test if anything went wrong in it. */
async function closeClean(page: Page): Promise<void> {
  const seen = problems.get(page) ?? [];
  await page.close();
  expect(seen).toEqual([]);
}

const row = (page: Page, id: string) => page.locator(`table.executions tr[data-id="${id}"]`);

/** Waits until the list shows exactly these executions (in any order). */
async function listShows(page: Page, ids: string[]): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const shown = Array.from(document.querySelectorAll('table.executions tbody tr'), (r) =>
        r.getAttribute('data-id'),
      );
      return shown.length === want.length && want.every((id) => shown.includes(id));
    },
    ids,
    { timeout: 30_000 },
  );
}

describe('the web console (real browser, npm run dev, emulator)', () => {
  it('lists, filters, controls and diffs executions, and follows deep links', async () => {
    const sums = [
      await post('/executions', { workflow: 'arithmetic', input: { value: 1 }, name: 'sum one' }),
      await post('/executions', { workflow: 'arithmetic', input: { value: 5 }, name: 'sum five' }),
    ];
    const review = await post('/executions', {
      workflow: 'approval',
      input: { topic: 'glaciers' },
      name: 'glacier review',
    });

    // The list shows all three with their states (the page refreshes itself).
    const page = await open('/console');
    for (const { id } of sums) await row(page, id).and(page.locator('[data-state="completed"]')).waitFor();
    await row(page, review.id).and(page.locator('[data-state="waiting"]')).waitFor({ timeout: 60_000 });
    // The counts come from the index, which may lag a write for a moment: wait for them, with an upper bound.
    await page.locator('.counts [data-state="completed"] .count-n', { hasText: /^2$/ }).waitFor({ timeout: 30_000 });
    await page.locator('.counts [data-state="waiting"] .count-n', { hasText: /^1$/ }).waitFor({ timeout: 30_000 });
    await page.setViewportSize({ width: 1280, height: 480 });
    await page.screenshot({ path: screenshotPath('console-list.png'), fullPage: true });

    // Readable on a phone: the page itself never scrolls sideways (a wide table scrolls in its own box).
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 860 });

    // Filtered by workflow: only the two sums, and the filter is in the URL.
    await page.selectOption('select[name="workflow"]', 'arithmetic');
    await listShows(
      page,
      sums.map((x) => x.id),
    );
    expect(new URL(page.url()).searchParams.get('workflow')).toBe('arithmetic');

    // Searched by name (case-insensitive), within the workflow filter.
    await page.fill('input[name="name"]', 'FIVE');
    await listShows(page, [sums[1]?.id ?? '']);
    expect(new URL(page.url()).searchParams.get('name')).toBe('FIVE');

    // Opened from the list (a client-side route), paused and resumed from its buttons.
    await page.selectOption('select[name="workflow"]', '');
    await page.fill('input[name="name"]', 'glacier');
    await listShows(page, [review.id]);
    await row(page, review.id).locator('a').click();
    await page.waitForURL(`**/console/executions/${review.id}`);
    const badge = page.locator('.exec-head h1 .badge');
    await expect(badge.textContent()).resolves.toBe('waiting');
    await expect(page.locator('[data-testid="wait"]').textContent()).resolves.toContain('"approval"');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('.exec-head h1 .badge', { hasText: 'paused' }).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.exec-head h1 .badge', { hasText: 'waiting' }).waitFor();
    // A change made elsewhere (here, the API called directly) shows without a reload: the page polls.
    const paused = await fetch(`${base}/executions/${review.id}/pause`, { method: 'POST' });
    expect(paused.status).toBe(200);
    await page.locator('.exec-head h1 .badge', { hasText: 'paused' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.exec-head h1 .badge', { hasText: 'waiting' }).waitFor();
    await page.locator('.notice', { hasText: 'resume: done' }).waitFor();
    await closeClean(page);

    // The checkpoint diff of a finished sum (1 -> 11 -> 22 -> 19), from a deep link to checkpoint 1.
    const sum = sums[0]?.id ?? '';
    const detail = await open(`/console/executions/${sum}#checkpoint=1`);
    await detail.locator('[data-testid="opened-checkpoint"] h3', { hasText: 'Checkpoint 1' }).waitFor();
    await detail.locator('tr.selected[data-seq="1"]').waitFor();
    await detail.getByRole('radio', { name: 'Checkpoint 0 as A' }).check();
    await detail.getByRole('radio', { name: 'Checkpoint 2 as B' }).check();
    const diff = detail.locator('[data-testid="diff"]');
    await diff.locator('h3', { hasText: 'From checkpoint 0 to checkpoint 2' }).waitFor();
    const changed = diff.locator('tr[data-path="$.value"]');
    await expect(changed.locator('td').nth(1).textContent()).resolves.toBe('changed');
    await expect(changed.locator('td').nth(2).textContent()).resolves.toBe('1');
    await expect(changed.locator('td').nth(3).textContent()).resolves.toBe('22');
    await expect(diff.locator('tr[data-path="$.history"] td').nth(1).textContent()).resolves.toBe('added');
    await detail.screenshot({ path: screenshotPath('console-execution.png'), fullPage: true });
    await detail.setViewportSize({ width: 390, height: 844 });
    expect(await detail.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await closeClean(detail);
  }, 240_000);

  it('shows an execution its budget paused, and runs it on when the budget is raised from the page', async () => {
    // The example agent's steps report tokens: 1,200 + 3,000 pass a budget of 3,000 after its second step.
    const agent = await post('/executions', {
      workflow: 'agent-research',
      input: { topic: 'budgets' },
      name: 'over budget',
      budget: { tokens: 3_000 },
    });
    const page = await open(`/console/executions/${agent.id}`);
    await page.locator('.exec-head h1 .badge', { hasText: 'paused' }).waitFor({ timeout: 60_000 });
    await page.locator('.exec-head .error', { hasText: 'BUDGET_EXCEEDED' }).waitFor();
    await expect(page.locator('[data-testid="usage"]').textContent()).resolves.toContain('tokens 4200 of 3000');
    await page.fill('input[name="tokens"]', '20000');
    await page.getByRole('button', { name: 'Raise the budget and run on' }).click();
    await page.locator('.notice', { hasText: 'budget set: the execution runs on' }).waitFor();
    await page.locator('.exec-head h1 .badge', { hasText: 'completed' }).waitFor({ timeout: 60_000 });
    await expect(page.locator('[data-testid="usage"]').textContent()).resolves.toContain('tokens 7500 of 20000');
    await closeClean(page);
  }, 120_000);

  it('shows an unknown execution as the API words it, and serves every console path with the page', async () => {
    const page = await open('/console/executions/exec_00000000000000000000000000000000');
    await page.locator('.error[role="alert"]', { hasText: 'NOT_FOUND' }).waitFor();
    await closeClean(page);
    // An id may hold a dot: its deep link still gets the page (and the API's answer).
    const dotted = await open('/console/executions/exec_a.b');
    await dotted.locator('.error[role="alert"]', { hasText: 'execution not found: exec_a.b' }).waitFor();
    await closeClean(dotted);
    const missing = await open('/console/no/such/page');
    await missing.locator('h1', { hasText: 'Not found' }).waitFor();
    await closeClean(missing);
  }, 60_000);
});
