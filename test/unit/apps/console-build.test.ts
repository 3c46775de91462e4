import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../../apps/console/build.js';

/** The console's size budget: what a browser downloads for app.js, gzipped. */
const APP_JS_GZIP_BUDGET = 150 * 1024;

describe('buildConsole', () => {
  let outDir: string;
  let files: string[];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'lr-console-build-'));
    ({ files } = await buildConsole({ outDir }));
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('writes app.js, app.css and index.html, and no source map unless asked', async () => {
    expect((await readdir(outDir)).sort()).toEqual(['app.css', 'app.js', 'index.html']);
    expect(files.sort()).toEqual(['app.css', 'app.js', 'index.html'].map((name) => join(outDir, name)));
    expect(await readFile(join(outDir, 'index.html'), 'utf8')).toContain('/console/app.js');
  });

  it('bundles preact into one browser module, with no require or node: imports', async () => {
    const js = await readFile(join(outDir, 'app.js'), 'utf8');
    expect(js).not.toMatch(/\brequire\(/);
    expect(js).not.toMatch(/["']node:/);
    expect(js).not.toMatch(/from\s*["']preact/); // bundled, not left as a bare import
  });

  it('keeps app.js under its gzipped size budget', async () => {
    const js = await readFile(join(outDir, 'app.js'));
    expect(gzipSync(js).length).toBeLessThan(APP_JS_GZIP_BUDGET);
  });

  it('writes the CSS of styles.css into app.css', async () => {
    expect(await readFile(join(outDir, 'app.css'), 'utf8')).toMatch(/font-family/);
  });
});
