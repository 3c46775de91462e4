/**
 * Where `longrunning console` finds the console's files: `dist/console` of the
 * installed package (beside dist/apps/), or of the repository when run from
 * source; failing that, a build into a temporary directory when esbuild is there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole, isFile } from './build.js';

/** The console's files, as found or built. */
export interface ConsoleAssets {
  /** The directory to serve under `/console`; undefined when there is none. */
  dir: string | undefined;
  /** Where it came from, or why there is none. */
  origin: 'built' | 'prebuilt' | 'none';
  /** Why there is none (the build's error). */
  reason?: string;
  /** Removes a directory built here; nothing otherwise. */
  dispose(): Promise<void>;
}

/** Options of {@link locateConsole}; the defaults are for the real package. */
export interface LocateConsoleOptions {
  /** Directories that may hold a built console (the first with an index.html wins). */
  candidates?: string[];
  /** Builds the console into a directory; default {@link buildConsole}. */
  build?: (outDir: string) => Promise<unknown>;
}

/** dist/console from dist/apps/console/ (the package), then <repo>/dist/console from apps/console/ (source). */
const PREBUILT = [new URL('../../console/', import.meta.url), new URL('../../dist/console/', import.meta.url)].map(
  (url) => fileURLToPath(url),
);

/** Finds a built console, or builds one into a temporary directory; see {@link ConsoleAssets}. */
export async function locateConsole(options: LocateConsoleOptions = {}): Promise<ConsoleAssets> {
  for (const dir of options.candidates ?? PREBUILT) {
    if (await isFile(join(dir, 'index.html'))) return { dir, origin: 'prebuilt', dispose: async () => undefined };
  }
  const build = options.build ?? ((outDir: string) => buildConsole({ outDir }));
  const dir = await mkdtemp(join(tmpdir(), 'longrunning-console-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await build(dir);
    return { dir, origin: 'built', dispose };
  } catch (err) {
    await dispose();
    const reason = err instanceof Error ? err.message : String(err);
    return { dir: undefined, origin: 'none', reason, dispose: async () => undefined };
  }
}
