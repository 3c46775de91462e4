import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { ESM_REQUIRE_BANNER, handlerBuildOptions } from '../../infra/handler-bundle.js';

/** One measured module: how long importing it takes in a fresh Node process, and its size. */
export interface ColdStartRow {
  module: string;
  /** Median of the runs, milliseconds from `import()` to its promise resolving. */
  medianMs: number;
  /** The fastest run: the closest to the module's own cost, since other work on a shared machine only adds time. */
  bestMs: number;
  /** KB read at init (the entry and the chunks it imports statically), KB left to lazy chunks, KB of source maps. */
  size: string;
  /** The median over the floor's median. */
  ratio: number;
  /** The best run over the floor's best run. */
  bestRatio: number;
}

/** The floor: the AWS SDK clients the step worker uses, imported and constructed alone. */
const SDK_ONLY = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
export const clients = [DynamoDBDocumentClient.from(new DynamoDBClient({})), new SQSClient({})];
`;

/** The environment the step worker's module init reads (no AWS call is made at init with a literal secret). */
const WORKER_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'bench-table',
  QUEUE_URL: 'http://127.0.0.1:1/000000000000/bench',
  LONGRUNNING_CALLBACK_SECRET: 'bench-callback-secret-of-32-chars!!',
  LOG_LEVEL: 'INFO',
};

/**
 * Bundles the step worker as the construct does (its own esbuild options: ESM,
 * minified, split into an entry and lazily loaded chunks, the example workflows),
 * once without and once with a source map, and the SDK clients alone as
 * the floor; then imports each `runs` times in a fresh `node` process (the map one
 * with `--enable-source-maps`, as the construct runs it when `sourceMaps` is on), in
 * turns, and reports the median and the best module-init time. Lambda's own init (runtime start, code
 * download) is not in it; this is the part the bundle decides.
 */
export async function benchColdStart(runs = 21): Promise<ColdStartRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'longrunning-cold-'));
  try {
    const floorOptions: BuildOptions = {
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      banner: { js: ESM_REQUIRE_BANNER },
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    };
    const floor = join(dir, 'sdk', 'index.mjs');
    await build({
      ...floorOptions,
      stdin: { contents: SDK_ONLY, resolveDir: process.cwd(), loader: 'ts' },
      outfile: floor,
    });
    const workerBundle = async (name: string, sourceMaps: boolean): Promise<string> => {
      const spec = {
        entry: resolve('functions/step-worker.ts'),
        workflowsModule: resolve('examples/workflows.ts'),
        sourceMaps,
      };
      await build(handlerBuildOptions(spec, join(dir, name)));
      return join(dir, name, 'index.mjs');
    };
    const worker = await workerBundle('worker', false);
    const mapped = await workerBundle('worker-maps', true);
    const subjects = [
      { module: 'AWS SDK clients alone (floor)', file: floor, flags: [] },
      { module: 'step worker (default: no source map)', file: worker, flags: [] },
      { module: 'step worker, sourceMaps: true', file: mapped, flags: ['--enable-source-maps'] },
    ];
    // Round-robin, so that a slower minute of this shared machine weighs on every row alike.
    const samples = subjects.map(() => [] as number[]);
    for (let run = 0; run < runs; run++) {
      subjects.forEach((s, i) => samples[i]?.push(importMs(s.file, s.flags)));
    }
    const medians = samples.map(median);
    const bests = samples.map((values) => Math.min(...values));
    const floorMs = medians[0] ?? 1;
    const floorBestMs = bests[0] ?? 1;
    return subjects.map((s, i) => ({
      module: s.module,
      medianMs: medians[i] ?? 0,
      bestMs: bests[i] ?? 0,
      size: sizeOf(s.file),
      ratio: (medians[i] ?? 0) / floorMs,
      bestRatio: (bests[i] ?? 0) / floorBestMs,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The import time of `file` in a fresh process, milliseconds. With `--no-warnings`:
 * on Node 20 the AWS SDK prints a notice that later versions need Node 22, which
 * Lambda's nodejs22.x runtime never prints.
 */
function importMs(file: string, flags: string[]): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  return Number(
    execFileSync(process.execPath, ['--no-warnings', ...flags, '--input-type=module', '-e', script], {
      env: { PATH: process.env['PATH'] ?? '', ...WORKER_ENV },
      encoding: 'utf8',
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function sizeOf(file: string): string {
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
  const loaded = staticallyLoaded(file);
  const atInit = loaded.reduce((sum, path) => sum + statSync(path).size, 0);
  const chunks = join(dirname(file), 'chunks');
  const all = existsSync(chunks) ? readdirSync(chunks).filter((name) => name.endsWith('.mjs')) : [];
  const lazy = all.map((name) => join(chunks, name)).filter((path) => !loaded.includes(path));
  const lazyBytes = lazy.reduce((sum, path) => sum + statSync(path).size, 0);
  const maps = loaded.filter((path) => existsSync(`${path}.map`));
  const mapBytes = maps.reduce((sum, path) => sum + statSync(`${path}.map`).size, 0);
  return [
    `${kb(atInit)} at init`,
    ...(lazy.length > 0 ? [`${kb(lazyBytes)} lazy`] : []),
    ...(maps.length > 0 ? [`map ${kb(mapBytes)}`] : []),
  ].join(', ');
}

/** `file` and every output file it imports statically, transitively (what init reads). */
function staticallyLoaded(file: string): string[] {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    const code = readFileSync(path, 'utf8');
    // esbuild's minified static imports: `from"./x.mjs"` or a bare `import"./x.mjs"`.
    for (const m of code.matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+\.mjs)"/g)) {
      visit(resolve(dirname(path), m[1] ?? ''));
    }
  };
  visit(file);
  return [...seen];
}
