import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo-root.js';

// The package the way a user meets it: `npm pack` (which builds dist/ through the
// prepack script), then a fresh app in a temporary folder installs the tarball, its
// dependencies coming from the registry, and uses every entry point from there.

const FIXTURE = join(REPO_ROOT, 'test', 'package', 'fixture-app');
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never rejects, so a test can assert on a failure's output. */
function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a command that must succeed, with its output in the error when it does not. */
async function ok(command: string, args: string[], cwd: string): Promise<Run> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

let work: string;
let app: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'longrunning-package-'));
  await ok('npm', ['pack', '--pack-destination', work], REPO_ROOT);
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${work}`);
  app = join(work, 'app');
  mkdirSync(app);
  cpSync(FIXTURE, app, { recursive: true });
  // The same versions this repository tests with, so that they come from npm's cache when it has them.
  const repo = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const dev = repo.devDependencies;
  const pkg = {
    name: 'fixture-app',
    private: true,
    type: 'module',
    dependencies: {
      longrunning: `file:../${tarball}`,
      'aws-cdk-lib': dev['aws-cdk-lib'],
      constructs: dev['constructs'],
      'cdk-nag': dev['cdk-nag'],
      esbuild: dev['esbuild'],
    },
    devDependencies: { '@types/node': dev['@types/node'] },
  };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], app);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// Installing, bundling and type-checking take tens of seconds each on a busy 2-core machine.
describe('the packed package, installed into a fresh app', { timeout: 300_000 }, () => {
  it('ships built JavaScript with declarations and no TypeScript sources, tests or tsx', () => {
    const installed = join(app, 'node_modules', 'longrunning');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.bin['longrunning']).toBe('./dist/apps/cli/longrunning.js');
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    const files = readdirSync(installed, { recursive: true }).map(String);
    expect(files).toContain(join('dist', 'lib', 'index.d.ts'));
    expect(files).toContain(join('dist', 'functions', 'step-worker.js'));
    for (const name of ['index.html', 'app.js', 'app.css']) expect(files).toContain(join('dist', 'console', name));
    expect(files).toContain('LICENSE');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test'))).toEqual([]);
  });

  it('runs a two-step execution in process, on the Executor and on the in-memory runtime', async () => {
    const { stdout } = await ok('node', ['run-in-process.mjs'], app);
    expect(JSON.parse(stdout)).toEqual({
      executor: { state: 'completed', result: 41 },
      checkpointFile: true,
      runtime: { state: 'completed', result: 11 },
    });
  });

  it('synthesizes the construct with the app’s own workflows module bundled in, cdk-nag clean', async () => {
    const outdir = join(work, 'cdk.out');
    const { stdout } = await ok('node', ['synth.mjs', outdir], app);
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({ directory: outdir });
    const template = JSON.parse(readFileSync(join(outdir, 'FixtureStack.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(3);
    const bundles = readdirSync(outdir)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => readFileSync(join(outdir, name, 'index.mjs'), 'utf8'));
    expect(bundles).toHaveLength(3);
    for (const code of bundles) {
      expect(code).toContain('fixture-orders');
      expect(code).toContain('price-order');
      expect(code).not.toContain('agent-research'); // the package's examples stay out
    }
  });

  it('fails the synth on a cdk-nag finding of the app, so the clean synth above was checked', async () => {
    const result = await run('node', ['synth.mjs', join(work, 'cdk.out.finding'), '--with-finding'], app);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('AwsSolutions-SQS2');
    // Each finding names its construct on an indented line; none is the runtime's.
    const flagged = [...result.stderr.matchAll(/^\s+(FixtureStack\/\S+) aws-cdk-lib\./gm)].map((m) => m[1]);
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.filter((path) => !path?.startsWith('FixtureStack/Unencrypted/'))).toEqual([]);
  });

  it('runs the CLI with npx, without tsx', async () => {
    const { stdout } = await ok('npx', ['--no-install', 'longrunning', '--help'], app);
    expect(stdout).toContain('usage: longrunning <command> [options]');
    expect(stdout).toContain('watch <id>');
  });

  it('type-checks an app against every entry point of the package', async () => {
    const result = await run('node', [TSC, '-p', 'tsconfig.json'], app);
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.code).toBe(0);
  });
});
