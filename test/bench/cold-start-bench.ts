import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { ESM_REQUIRE_BANNER, WORKFLOWS_SPECIFIER } from '../../infra/handler-function.js';

/** One measured module: how long importing it takes in a fresh Node process, and its size. */
export interface ColdStartRow {
  module: string;
  /** Median of the runs, milliseconds from `import()` to its promise resolving. */
  medianMs: number;
  /** Bundle size in KB (the source map's size in brackets when there is one). */
  size: string;
  /** The median over the floor's median. */
  ratio: number;
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
 * Bundles the step worker as the construct does (esbuild, ESM, minified, the example
 * workflows), once without and once with a source map, and the SDK clients alone as
 * the floor; then imports each `runs` times in a fresh `node` process (the map one
 * with `--enable-source-maps`, as the construct runs it when `sourceMaps` is on) and
 * reports the median module-init time. Lambda's own init (runtime start, code
 * download) is not in it; this is the part the bundle decides.
 */
export async function benchColdStart(runs = 15): Promise<ColdStartRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'longrunning-cold-'));
  try {
    const common: BuildOptions = {
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      banner: { js: ESM_REQUIRE_BANNER },
      mainFields: ['module', 'main'],
      alias: { [WORKFLOWS_SPECIFIER]: resolve('examples/workflows.ts') },
      logLevel: 'silent',
    };
    const floor = join(dir, 'sdk', 'index.mjs');
    const worker = join(dir, 'worker', 'index.mjs');
    const mapped = join(dir, 'worker-maps', 'index.mjs');
    await build({ ...common, stdin: { contents: SDK_ONLY, resolveDir: process.cwd(), loader: 'ts' }, outfile: floor });
    await build({ ...common, entryPoints: ['functions/step-worker.ts'], outfile: worker });
    await build({
      ...common,
      entryPoints: ['functions/step-worker.ts'],
      outfile: mapped,
      sourcemap: true,
      sourcesContent: false,
    });
    const floorMs = median(times(floor, runs, []));
    const row = (module: string, file: string, flags: string[]): ColdStartRow => {
      const ms = median(times(file, runs, flags));
      return { module, medianMs: ms, size: sizeOf(file), ratio: ms / floorMs };
    };
    return [
      { module: 'AWS SDK clients alone (floor)', medianMs: floorMs, size: sizeOf(floor), ratio: 1 },
      row('step worker (default: no source map)', worker, []),
      row('step worker, sourceMaps: true', mapped, ['--enable-source-maps']),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Import times of `file` in `runs` fresh processes, milliseconds. */
function times(file: string, runs: number, flags: string[]): number[] {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  return Array.from({ length: runs }, () =>
    Number(
      execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
        env: { PATH: process.env['PATH'] ?? '', ...WORKER_ENV },
        encoding: 'utf8',
      }),
    ),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function sizeOf(file: string): string {
  const kb = (path: string) => `${Math.round(statSync(path).size / 1024)} KB`;
  try {
    return `${kb(file)} (map ${kb(`${file}.map`)})`;
  } catch {
    return kb(file);
  }
}
