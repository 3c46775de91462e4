/**
 * `node dist/apps/console/build-cli.js <outDir>` (run by `npm run build`): builds
 * the console into `outDir` (default `dist/console`) and names the files written.
 */
import { relative } from 'node:path';
import { buildConsole } from './build.js';

const outDir = process.argv[2] ?? 'dist/console';
buildConsole({ outDir }).then(
  ({ files }) => process.stdout.write(`console: ${files.map((f) => relative(process.cwd(), f)).join(', ')}\n`),
  (err: unknown) => {
    process.stderr.write(`console build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
