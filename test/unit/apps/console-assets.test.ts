import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateConsole } from '../../../apps/console/console-assets.js';

describe('locateConsole', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lr-console-assets-'));
    await mkdir(join(dir, 'empty'));
    await mkdir(join(dir, 'dist-console'));
    await writeFile(join(dir, 'dist-console', 'index.html'), '<!doctype html>');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the first candidate holding an index.html, without building', async () => {
    const built: string[] = [];
    const assets = await locateConsole({
      candidates: [join(dir, 'missing'), join(dir, 'empty'), join(dir, 'dist-console')],
      build: async (outDir) => built.push(outDir),
    });
    expect(assets).toMatchObject({ dir: join(dir, 'dist-console'), origin: 'prebuilt' });
    expect(built).toEqual([]);
    await assets.dispose();
    expect(existsSync(join(dir, 'dist-console', 'index.html'))).toBe(true); // a prebuilt console is kept
  });

  it('builds into a temporary directory when none is built, and removes it on dispose', async () => {
    const assets = await locateConsole({
      candidates: [join(dir, 'empty')],
      build: async (outDir) => writeFile(join(outDir, 'index.html'), '<!doctype html>'),
    });
    expect(assets.origin).toBe('built');
    expect(await readdir(assets.dir ?? '')).toEqual(['index.html']);
    await assets.dispose();
    expect(existsSync(assets.dir ?? '')).toBe(false);
  });

  it('gives no directory, with the reason, when the build fails (esbuild missing)', async () => {
    const assets = await locateConsole({
      candidates: [],
      build: async () => {
        throw new Error('building the console needs esbuild');
      },
    });
    expect(assets).toMatchObject({ dir: undefined, origin: 'none', reason: 'building the console needs esbuild' });
  });
});
