import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MOTO_MARKER_FILE, MOTO_REQUIREMENT } from '../../../lib/local/emulator-plan.js';
import config from '../../../vitest.config.js';
import { startEmulator } from '../../support/emulator.js';
import { EMULATOR_SETUP_ERROR_ENV, provisionBeforeTests } from '../../support/provision-emulator.js';

let dir: string;
let fakeBin: string;
let projectDir: string;

/** A python3 that reports 3.12 and makes the venv; its pip makes moto_server, or fails when told. */
function fakePython(pipFails: boolean): void {
  const script = [
    '#!/bin/sh',
    'if [ "$1" = "-c" ]; then echo "3 12"; exit 0; fi',
    'if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; exit $?; fi',
    pipFails
      ? 'echo "ERROR: No matching distribution found" >&2; exit 1'
      : 'printf "#!/bin/sh\\n" > "$(dirname "$0")/moto_server"; chmod +x "$(dirname "$0")/moto_server"',
    '',
  ].join('\n');
  writeFileSync(join(fakeBin, 'python3'), script);
  chmodSync(join(fakeBin, 'python3'), 0o755);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'provision-emulator-'));
  fakeBin = join(dir, 'bin');
  projectDir = join(dir, 'project');
  mkdirSync(fakeBin);
  mkdirSync(projectDir);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const marker = () => join(projectDir, '.cache', 'moto', MOTO_MARKER_FILE);

describe('the tests’ global setup', () => {
  it('is registered with vitest, so it runs once before any test file and outside the hook timeout', () => {
    expect(config.test?.globalSetup).toContain('test/support/provision-emulator.ts');
  });

  it('builds the project-local emulator when the plan is to create it, printing progress', async () => {
    fakePython(false);
    const env: Record<string, string | undefined> = { PATH: `${fakeBin}:/usr/bin:/bin` };
    const lines: string[] = [];
    await provisionBeforeTests(env, projectDir, { log: (line) => lines.push(line) });
    expect(readFileSync(marker(), 'utf8').trim()).toBe(MOTO_REQUIREMENT);
    expect(lines[0]).toMatch(/^setting up the AWS emulator once/);
    expect(lines.at(-1)).toMatch(/done in \d+ s$/);
    expect(env[EMULATOR_SETUP_ERROR_ENV]).toBeUndefined();
  });

  it('does nothing when there is no Python to build with, leaving the message to the AWS suites', async () => {
    const env: Record<string, string | undefined> = { PATH: '/nonexistent' };
    const lines: string[] = [];
    await provisionBeforeTests(env, projectDir, { log: (line) => lines.push(line) });
    expect(lines).toEqual([]);
    expect(existsSync(join(projectDir, '.cache'))).toBe(false);
    expect(env[EMULATOR_SETUP_ERROR_ENV]).toBeUndefined();
  });

  it('hands a failed set-up to the AWS suites instead of failing the whole run', async () => {
    fakePython(true);
    const env: Record<string, string | undefined> = { PATH: `${fakeBin}:/usr/bin:/bin` };
    const lines: string[] = [];
    await expect(provisionBeforeTests(env, projectDir, { log: (line) => lines.push(line) })).resolves.toBeUndefined();
    expect(env[EMULATOR_SETUP_ERROR_ENV]).toContain('No matching distribution found');
    expect(lines.at(-1)).toMatch(/^the AWS suites will fail: Could not set up the AWS emulator/);
  });
});

describe('startEmulator of the tests', () => {
  it('fails with the global setup’s error rather than installing again', async () => {
    const before = process.env[EMULATOR_SETUP_ERROR_ENV];
    process.env[EMULATOR_SETUP_ERROR_ENV] = 'Could not set up the AWS emulator: pip failed';
    try {
      await expect(startEmulator()).rejects.toMatchObject({
        code: 'EMULATOR_SETUP_FAILED',
        message: 'Could not set up the AWS emulator: pip failed',
      });
    } finally {
      if (before === undefined) delete process.env[EMULATOR_SETUP_ERROR_ENV];
      else process.env[EMULATOR_SETUP_ERROR_ENV] = before;
    }
  });
});
