import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../infra/handler-function.js';
import { buildStack, type StackFixture } from './stack-fixture.js';

type Resource = { Properties: { Code: { S3Key: string }; Handler: string; Description: string } };

/** The bundle directory of every function in the cloud assembly. */
function bundleDirs(f: StackFixture): string[] {
  return bundles(f).map((b) => b.dir);
}

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

  it('bundles each function locally into one minified ESM file with the createRequire banner and no source map', () => {
    const dirs = bundleDirs(f);
    expect(dirs).toHaveLength(3);
    for (const dir of dirs) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}/);
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000); // minified: long lines
      expect(code).not.toContain('WORKER_DEADLINE_BUFFER_MS'); // minified: top-level names mangled
      expect(code).not.toContain('sourceMappingURL');
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(false);
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
