/**
 * Builds the web console (apps/console/ui) into a directory of three files:
 * `app.js` (the preact app, one ES module for browsers), `app.css` and
 * `index.html`, which the console proxy and the dev server serve under `/console`.
 * esbuild is an optional peer dependency of the package, so it is loaded only here.
 */
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild'; // types only: esbuild itself is loaded when a build is asked for

/** Options of {@link buildConsole}. */
export interface BuildConsoleOptions {
  /** The directory to write `app.js`, `app.css` and `index.html` into (created if missing). */
  outDir: string;
  /** Minify `app.js` and `app.css` (the default). */
  minify?: boolean;
  /** Write linked source maps next to them (default: none). */
  sourcemap?: boolean;
}

/** The console's sources: beside this module when run from source, at the repository's apps/console/ui from dist/. */
const SOURCE_CANDIDATES = [new URL('./ui/', import.meta.url), new URL('../../../apps/console/ui/', import.meta.url)];

/** The directory holding the console's `main.tsx`, or an error saying where it looked. */
export async function consoleSourceDir(): Promise<string> {
  for (const candidate of SOURCE_CANDIDATES) {
    const dir = fileURLToPath(candidate);
    if (await isFile(join(dir, 'main.tsx'))) return dir;
  }
  throw new Error(
    `the console's sources (main.tsx) are not at ${SOURCE_CANDIDATES.map((u) => fileURLToPath(u)).join(' or ')}: ` +
      'build the console from a clone of the repository',
  );
}

/** Bundles the console into `outDir`; resolves with the paths of the files written. */
export async function buildConsole(options: BuildConsoleOptions): Promise<{ files: string[] }> {
  const esbuild = await loadEsbuild();
  const source = await consoleSourceDir();
  await mkdir(options.outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [
      { in: join(source, 'main.tsx'), out: 'app' },
      { in: join(source, 'styles.css'), out: 'app' },
    ],
    outdir: options.outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: options.minify ?? true,
    sourcemap: options.sourcemap ? 'linked' : false,
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
  });
  const index = join(options.outDir, 'index.html');
  await copyFile(join(source, 'index.html'), index);
  // The metafile names outputs relative to the working directory.
  return { files: [...Object.keys(result.metafile.outputs).map((out) => resolve(out)), index] };
}

async function loadEsbuild(): Promise<typeof Esbuild> {
  try {
    return await import('esbuild');
  } catch (err) {
    throw new Error(
      `building the console needs esbuild, an optional peer dependency: npm install --save-dev esbuild (${
        err instanceof Error ? err.message : String(err)
      })`,
    );
  }
}

/** True when `path` is a file (false when missing). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
