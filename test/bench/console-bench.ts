/**
 * The web console's execution list in a real browser (the system's Chromium,
 * driven by playwright-core): the console built as shipped (minified), served with
 * a fake API of 600 executions, loaded 50 rows at a time up to 500, then refreshed.
 * Times and long tasks are the browser's own (performance.now(), a
 * PerformanceObserver of 'longtask' entries); the heap is CDP's Performance metrics.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CDPSession, Page } from 'playwright-core';
import { buildConsole } from '../../apps/console/build.js';
import { launchChromium } from '../browser/launch-chromium.js';
import { fakeExecutions, startFakeConsoleServer } from './console-fake-server.js';

/** What one measured action cost in the page. */
export interface ActionFigures {
  /** From the click to the rows being in the DOM and the next frame started, ms. */
  ms: number;
  /** Main-thread time in script, and in style and layout, over the action (CDP Performance metrics), ms. */
  scriptMs: number;
  layoutMs: number;
  /** Long tasks (over 50 ms) overlapping the action. */
  longTasks: number;
  /** The longest of them, ms (0 when none). */
  longestMs: number;
}

/** Long tasks over a span: how many, and the longest in ms. */
export type Tasks = Pick<ActionFigures, 'longTasks' | 'longestMs'>;

export interface ConsoleBenchResult {
  rows: number;
  /** "Load 50 more" from 450 rows to 500. */
  lastPage: ActionFigures;
  /** The nine "Load 50 more" from 50 rows to 500 together. */
  allLoads: Tasks;
  /** "Refresh" of the 500 rows shown (what the live refresh does every 5 s). */
  refresh: ActionFigures;
  /** 5 s idle with 500 rows shown and the live refresh off: the clock re-renders the times every second. */
  idle: Tasks;
  /** Long tasks from opening the page to the end (count, longest ms). */
  session: Tasks;
  /** JSHeapUsedSize at the end, after a garbage collection, bytes. */
  heapBytes: number;
  /** Gzipped sizes, bytes. */
  gzip: { js: number; css: number };
}

const TOTAL = 600;
const WANT = 500;

/** Registered before the page's own scripts: keeps every long task in `window.__longTasks`. */
const OBSERVE_LONG_TASKS = `
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: 'longtask', buffered: true });
`;

export async function benchConsole(): Promise<ConsoleBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'longrunning-console-bench-'));
  const browser = await launchChromium();
  const server = await startFakeConsoleServer(dir, fakeExecutions(TOTAL));
  try {
    await buildConsole({ outDir: dir, minify: true });
    const gzip = {
      js: gzipSync(await readFile(join(dir, 'app.js'))).length,
      css: gzipSync(await readFile(join(dir, 'app.css'))).length,
    };
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(OBSERVE_LONG_TASKS);
    await page.goto(`${server.base}/console`);
    await rowsShown(page, 50);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    // The live refresh off, so that no timed refresh lands inside a measured action.
    await page.getByLabel('live refresh').uncheck();
    // Every click is the page's own (button.click() in page.evaluate), so that none of
    // Playwright's actionability scripts runs in the page while it is measured.
    const loads: ActionFigures[] = [];
    for (let n = 100; n <= WANT; n += 50) loads.push(await measure(page, cdp, 'Load 50 more', n));
    const lastPage = loads.at(-1) ?? { ms: 0, scriptMs: 0, layoutMs: 0, longTasks: 0, longestMs: 0 };
    const allLoads = {
      longTasks: loads.reduce((sum, l) => sum + l.longTasks, 0),
      longestMs: Math.max(...loads.map((l) => l.longestMs)),
    };
    const refresh = await measure(page, cdp, 'Refresh', WANT);
    const idleFrom = await page.evaluate(() => performance.now());
    await page.waitForTimeout(5_000);
    const idle = await longTasksSince(page, idleFrom);
    const session = await longTasksSince(page, 0);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heapBytes = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
    const rows = await page.locator('table.executions tbody tr').count();
    if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
    return { rows, lastPage, allLoads, refresh, idle, session, heapBytes, gzip };
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function rowsShown(page: Page, n: number): Promise<void> {
  await page.waitForFunction((want) => document.querySelectorAll('table.executions tbody tr').length >= want, n, {
    timeout: 30_000,
  });
}

/**
 * Clicks the button named `name` in the page and resolves when the list holds
 * `rows` rows, the button is enabled again (the load is over) and a frame has
 * started after the DOM change: a MutationObserver watches the page, and
 * requestAnimationFrame then a task mark the frame.
 */
async function measure(page: Page, cdp: CDPSession, name: string, rows: number): Promise<ActionFigures> {
  const before = await mainThreadMs(cdp);
  // A string, not a function: tsx's transform would wrap named functions in a helper the page lacks.
  const { start, end } = await page.evaluate<{ start: number; end: number }>(`
    new Promise((resolve, reject) => {
      const name = ${JSON.stringify(name)};
      const rows = ${rows};
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === name);
      if (!button) return reject(new Error('no button ' + name));
      let started = false;
      const observer = new MutationObserver(() => {
        if (button.disabled) started = true;
        if (!started || button.disabled || document.querySelectorAll('table.executions tbody tr').length < rows) return;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => resolve({ start, end: performance.now() })));
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      const start = performance.now();
      button.click();
    })`);
  const after = await mainThreadMs(cdp);
  // Long task entries are delivered after the task ends.
  await page.waitForTimeout(200);
  const tasks = await longTasksSince(page, start, end);
  return {
    ms: end - start,
    scriptMs: after.script - before.script,
    layoutMs: after.layout - before.layout,
    ...tasks,
  };
}

/** Main-thread time so far in script, and in style and layout, ms (Chromium counts it in seconds). */
async function mainThreadMs(cdp: CDPSession): Promise<{ script: number; layout: number }> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  return { script: get('ScriptDuration'), layout: get('LayoutDuration') + get('RecalcStyleDuration') };
}

async function longTasksSince(page: Page, from: number, to = Infinity): Promise<Tasks> {
  const all = await page.evaluate(
    () => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks,
  );
  const within = all.filter((t) => t.start + t.duration >= from && t.start <= to);
  return { longTasks: within.length, longestMs: Math.max(0, ...within.map((t) => t.duration)) };
}
