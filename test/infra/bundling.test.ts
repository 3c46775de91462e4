import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../infra/handler-bundle.js';
import { buildStack, type StackFixture } from './stack-fixture.js';

type Resource = { Properties: { Code: { S3Key: string }; Handler: string; Description: string } };

/** The bundle directory of every function in the cloud assembly. */
function bundleDirs(f: StackFixture): string[] {
  return bundles(f).map((b) => b.dir);
}

/** The bundle directory of the function whose description contains `word`. */
function bundleOf(f: StackFixture, word: string): string {
  const found = bundles(f).find((b) => b.description.toLowerCase().includes(word));
  if (!found) throw new Error(`no function described with "${word}"`);
  return found.dir;
}

/** The bundle's JavaScript files, relative to its directory: the entry first, then the chunks. */
function outputFiles(dir: string): string[] {
  const chunks = readdirSync(join(dir, 'chunks'), { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.mjs'))
    .map((e) => `chunks/${e.name}`);
  return ['index.mjs', ...chunks.sort()];
}

/** What the functions read from the environment at init (no AWS call is made there). */
const BUNDLE_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  TABLE_NAME: 'bundle-table',
  QUEUE_URL: 'http://127.0.0.1:1/000000000000/bundle',
  LONGRUNNING_CALLBACK_SECRET: 'bundle-callback-secret-of-32-chars!',
  NODE_NO_WARNINGS: '1',
};

/** Every function's description and bundle directory. */
function bundles(f: StackFixture): { description: string; dir: string }[] {
  const dir = f.app.synth().directory;
  return Object.values(f.template.findResources('AWS::Lambda::Function')).map((fn) => {
    const { Code, Description } = (fn as Resource).Properties;
    return { description: Description, dir: join(dir, `asset.${Code.S3Key.replace(/\.zip$/, '')}`) };
  });
}

describe('bundling with a workflows module of the user', () => {
  let f: StackFixture;
  beforeAll(() => {
    f = buildStack({ workflowsModule: 'test/infra/fixtures/custom-workflows.ts' }, { bundle: true });
  });

  it('bundles each function locally into a minified ESM entry and chunks, each with the createRequire banner and no source map', () => {
    const dirs = bundleDirs(f);
    expect(dirs).toHaveLength(3);
    for (const dir of dirs) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}/);
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000); // minified: long lines
      expect(code).not.toContain('WORKER_DEADLINE_BUFFER_MS'); // minified: top-level names mangled
      for (const file of outputFiles(dir)) {
        const text = readFileSync(join(dir, file), 'utf8');
        expect(text.startsWith(ESM_REQUIRE_BANNER), file).toBe(true);
        expect(text, file).not.toContain('sourceMappingURL');
      }
      expect(
        readdirSync(dir, { recursive: true })
          .map(String)
          .filter((name) => name.endsWith('.map')),
      ).toEqual([]);
    }
  });

  it('leaves the S3 client of large states out of the step worker’s init: a chunk loaded by import()', () => {
    const dir = bundleOf(f, 'step');
    const entry = readFileSync(join(dir, 'index.mjs'), 'utf8');
    // The S3 client's service name is in the client's chunk only.
    const s3Chunks = outputFiles(dir).filter((file) => readFileSync(join(dir, file), 'utf8').includes('"AmazonS3"'));
    expect(s3Chunks).toHaveLength(1);
    const name = s3Chunks[0]?.replace(/^chunks\//, '') ?? '';
    expect(name).toMatch(/^s3-sdk-\w+\.mjs$/);
    // The entry names it only in a dynamic import, never in a static one.
    expect(entry).toContain(`import("./chunks/${name}")`);
    expect(entry.split(`"./chunks/${name}"`)).toHaveLength(2);
  });

  it('gives bundles that Node loads: every entry exports its handler and every chunk links', () => {
    for (const dir of bundleDirs(f)) {
      const files = outputFiles(dir).map((file) => pathToFileURL(join(dir, file)).href);
      const script = `const m = await import(${JSON.stringify(files[0])}); for (const f of ${JSON.stringify(files.slice(1))}) await import(f); process.stdout.write(typeof m.handler);`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...BUNDLE_ENV, PATH: process.env['PATH'] ?? '' },
        encoding: 'utf8',
      });
      expect(out, dir).toBe('function');
    }
  });

  it('bundles the AWS SDK instead of relying on the one in the Lambda runtime', () => {
    for (const dir of bundleDirs(f)) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code).not.toMatch(/from\s*"@aws-sdk\//);
      expect(code).toContain('DynamoDB');
    }
  });

  it('registers the workflows of the module in every function', () => {
    for (const dir of bundleDirs(f)) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code).toContain('custom-fixture-workflow');
      expect(code).toContain('count-once');
    }
  });
});

describe('bundling without a workflows module, with source maps asked for', () => {
  it('bundles the example workflows into every function, with source maps without sources, and zod only into the API', () => {
    const f = buildStack({ sourceMaps: true }, { bundle: true });
    for (const dir of bundleDirs(f)) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code).toContain('agent-research');
      expect(code).toContain('subtract-three');
      expect(code).not.toContain('custom-fixture-workflow');
      expect(code.endsWith('//# sourceMappingURL=index.mjs.map\n')).toBe(true);
      const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
      expect(map.sourcesContent).toBeUndefined();
    }
    // Only the API validates requests: the worker and the sweeper must not carry its schema library
    // (which once came in through the example workflows' import of the functions' barrel).
    const all = bundles(f);
    expect(all).toHaveLength(3);
    for (const { description, dir } of all) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.includes('ZodError'), description).toBe(description.includes('HTTP'));
    }
  });
});
