import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MOTO_MARKER_FILE, MOTO_REQUIREMENT, venvCommand } from '../../../lib/local/emulator-plan.js';
import {
  provisionMoto,
  type CommandResult,
  type CommandRunner,
  type CreatePlan,
} from '../../../lib/local/moto-venv.js';

let dir: string;
let plan: CreatePlan;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moto-venv-'));
  const venvDir = join(dir, '.cache', 'moto');
  plan = {
    kind: 'create',
    python: '/usr/bin/python3',
    pythonVersion: '3.12',
    venvDir,
    command: venvCommand(venvDir, false),
    requirement: MOTO_REQUIREMENT,
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ok: CommandResult = { code: 0, stdout: '', stderr: '' };

/** Stands in for python and pip: makes the files they would, after `delayMs`, or fails as told. */
function fakeRunner(fail: { venv?: CommandResult; pip?: CommandResult } = {}, delayMs = 0) {
  const calls: string[] = [];
  const run: CommandRunner = async (command, args) => {
    calls.push([command, ...args].join(' '));
    await sleep(delayMs);
    if (args[1] === 'venv') {
      if (fail.venv) return fail.venv;
      mkdirSync(join(String(args[2]), 'bin'), { recursive: true });
      return ok;
    }
    if (fail.pip) return fail.pip;
    writeFileSync(plan.command, '#!/bin/sh\n', { mode: 0o755 });
    return ok;
  };
  return { run, calls, pipRuns: () => calls.filter((call) => call.includes(' -m pip install ')).length };
}

const lockDir = () => `${plan.venvDir}.lock`;
const marker = () => join(plan.venvDir, MOTO_MARKER_FILE);

/** Another holder's lock, its heartbeat (the owner file's mtime) `beatAgoMs` ago. */
function writeLock(owner: { pid: number; startedAt: number }, beatAgoMs = 0): void {
  mkdirSync(lockDir(), { recursive: true });
  const file = join(lockDir(), 'owner.json');
  writeFileSync(file, JSON.stringify({ ...owner, token: 'other' }));
  const beatAt = (Date.now() - beatAgoMs) / 1000;
  utimesSync(file, beatAt, beatAt);
}

describe('provisionMoto', () => {
  it('makes the venv, pip-installs the pinned moto into it and writes the marker last', async () => {
    const fake = fakeRunner();
    const lines: string[] = [];
    await expect(provisionMoto(plan, { run: fake.run, log: (line) => lines.push(line) })).resolves.toBe(plan.command);
    expect(fake.calls).toEqual([
      `/usr/bin/python3 -m venv ${plan.venvDir}`,
      `${plan.venvDir}/bin/python -m pip install --disable-pip-version-check -q ${MOTO_REQUIREMENT}`,
    ]);
    expect(readFileSync(marker(), 'utf8')).toBe(`${MOTO_REQUIREMENT}\n`);
    expect(lines[0]).toContain(`setting up the AWS emulator once (${MOTO_REQUIREMENT} in`);
    expect(lines[1]).toMatch(/done in \d+ s$/);
    expect(existsSync(lockDir())).toBe(false);
  });

  it('says the install is still going while pip runs', async () => {
    const fake = fakeRunner({}, 60);
    const lines: string[] = [];
    await provisionMoto(plan, { run: fake.run, log: (line) => lines.push(line), progressMs: 10 });
    expect(lines.filter((line) => /^still setting up the AWS emulator \(\d+ s\)…$/.test(line)).length).toBeGreaterThan(
      0,
    );
    expect(lines.at(-1)).toMatch(/done in \d+ s$/);
  });

  it('installs once when two calls race, the second waiting for the first', async () => {
    const fake = fakeRunner({}, 50);
    const lines: string[] = [];
    const options = { run: fake.run, log: (line: string) => lines.push(line), pollMs: 5 };
    const both = await Promise.all([provisionMoto(plan, options), provisionMoto(plan, options)]);
    expect(both).toEqual([plan.command, plan.command]);
    expect(fake.pipRuns()).toBe(1);
    expect(lines.filter((line) => line.startsWith('waiting for another process'))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('setting up'))).toHaveLength(1);
  });

  it('does nothing when the install is already finished', async () => {
    mkdirSync(join(plan.venvDir, 'bin'), { recursive: true });
    writeFileSync(plan.command, '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(marker(), MOTO_REQUIREMENT);
    const fake = fakeRunner();
    await provisionMoto(plan, { run: fake.run, log: () => undefined });
    expect(fake.calls).toEqual([]);
  });

  it('builds afresh over a half-finished install that has no marker', async () => {
    mkdirSync(join(plan.venvDir, 'bin'), { recursive: true });
    writeFileSync(join(plan.venvDir, 'left-over'), '');
    writeFileSync(plan.command, '#!/bin/sh\n', { mode: 0o755 });
    const fake = fakeRunner();
    await provisionMoto(plan, { run: fake.run, log: () => undefined });
    expect(fake.pipRuns()).toBe(1);
    expect(existsSync(join(plan.venvDir, 'left-over'))).toBe(false);
    expect(existsSync(marker())).toBe(true);
  });

  it('breaks a lock whose owner process is gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeLock({ pid: dead, startedAt: Date.now() });
    const fake = fakeRunner();
    await provisionMoto(plan, { run: fake.run, log: () => undefined, pollMs: 5, lockTimeoutMs: 2000 });
    expect(fake.pipRuns()).toBe(1);
    expect(existsSync(lockDir())).toBe(false);
  });

  it('breaks a lock whose heartbeat is older than the stale bound even when its owner still runs', async () => {
    writeLock({ pid: process.pid, startedAt: Date.now() - 60_000 }, 60_000);
    const fake = fakeRunner();
    await provisionMoto(plan, { run: fake.run, log: () => undefined, staleLockMs: 1000, pollMs: 5 });
    expect(fake.pipRuns()).toBe(1);
  });

  it('gives up waiting for a live lock after the timeout and names the lock to delete', async () => {
    writeLock({ pid: process.pid, startedAt: Date.now() });
    const fake = fakeRunner();
    await expect(
      provisionMoto(plan, { run: fake.run, log: () => undefined, lockTimeoutMs: 30, pollMs: 5 }),
    ).rejects.toThrow(`delete ${lockDir()}`);
    expect(fake.calls).toEqual([]);
  });

  it('writes no marker and deletes nothing when another process took the lock over during the install', async () => {
    const fake = fakeRunner();
    const run: CommandRunner = async (command, args) => {
      const result = await fake.run(command, args);
      if (args.includes('pip')) {
        // This process was paused past the stale bound; another broke the lock and now owns the folder.
        rmSync(lockDir(), { recursive: true });
        writeLock({ pid: process.pid, startedAt: Date.now() });
      }
      return result;
    };
    await expect(provisionMoto(plan, { run, log: () => undefined })).rejects.toThrow(
      /another process broke the lock .*moto\.lock as stale and took the set-up over/,
    );
    expect(existsSync(marker())).toBe(false);
    expect(existsSync(plan.command)).toBe(true);
    expect(existsSync(`${plan.venvDir}.failed`)).toBe(false);
    expect(JSON.parse(readFileSync(join(lockDir(), 'owner.json'), 'utf8'))).toMatchObject({ token: 'other' });
  });

  it('leaves the folder to the new holder when pip fails after the lock was taken over', async () => {
    const fake = fakeRunner({ pip: { code: 1, stdout: '', stderr: 'ERROR: boom' } });
    const run: CommandRunner = async (command, args) => {
      if (args.includes('pip')) {
        rmSync(lockDir(), { recursive: true });
        writeLock({ pid: process.pid, startedAt: Date.now() });
      }
      return fake.run(command, args);
    };
    await expect(provisionMoto(plan, { run, log: () => undefined })).rejects.toThrow(/took the set-up over/);
    expect(existsSync(plan.venvDir)).toBe(true);
    expect(existsSync(`${plan.venvDir}.failed`)).toBe(false);
  });

  it('says to install python3-venv when Debian Python has no venv module', async () => {
    const debian =
      'The virtual environment was not created successfully because ensurepip is not\n' +
      'available.  On Debian/Ubuntu systems, you need to install the python3-venv\n' +
      'package using the following command.\n\n    apt install python3.11-venv\n';
    const fake = fakeRunner({ venv: { code: 1, stdout: debian, stderr: '' } });
    await expect(provisionMoto(plan, { run: fake.run, log: () => undefined })).rejects.toThrow(
      'install python3-venv (sudo apt-get install python3-venv)',
    );
    expect(existsSync(plan.venvDir)).toBe(false);
  });

  it('reports pip failing with its last lines and the alternatives, and leaves nothing marked done', async () => {
    const stderr = Array.from({ length: 30 }, (_, i) => `retry ${i}`).join('\n') + '\nERROR: No matching distribution';
    const fake = fakeRunner({ pip: { code: 1, stdout: '', stderr } });
    const error = await provisionMoto(plan, { run: fake.run, log: () => undefined }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('pip could not install moto[server]==');
    expect(message).toContain('(exit code 1); pip failed. pip said:');
    expect(message).not.toMatch(/network|PyPI/);
    expect(message).toContain('ERROR: No matching distribution');
    expect(message).toContain('retry 29');
    expect(message).not.toContain('retry 5\n');
    expect(message).toContain(`pip install "${MOTO_REQUIREMENT}"`);
    expect(message).toContain('AWS_ENDPOINT_URL');
    expect(existsSync(plan.venvDir)).toBe(false);
    expect(existsSync(lockDir())).toBe(false);
  });

  it('blames the network only when pip could not reach the index', async () => {
    const offline =
      "WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError(': " +
      "Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')'\n" +
      'ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1';
    const fake = fakeRunner({ pip: { code: 1, stdout: '', stderr: offline } });
    await expect(provisionMoto(plan, { run: fake.run, log: () => undefined })).rejects.toThrow(
      /\(exit code 1\); it could not reach PyPI \(is the network up, or is a proxy needed\?\)\. pip said:\n.*name resolution/s,
    );
  });

  it('hands a failed set-up to the process that waited for it instead of installing again', async () => {
    const fake = fakeRunner({ pip: { code: 1, stdout: '', stderr: 'network is unreachable' } }, 50);
    const options = { run: fake.run, log: () => undefined, pollMs: 5 };
    const results = await Promise.allSettled([provisionMoto(plan, options), provisionMoto(plan, options)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    for (const result of results) {
      expect(result.status === 'rejected' && String(result.reason)).toContain('network is unreachable');
    }
    expect(fake.pipRuns()).toBe(1);
  });

  it('reports a python that cannot be started', async () => {
    const run: CommandRunner = () => Promise.reject(new Error('spawn /usr/bin/python3 ENOENT'));
    await expect(provisionMoto(plan, { run, log: () => undefined })).rejects.toThrow(
      /venv .* failed \(it did not run to an end\):\n.*ENOENT/,
    );
  });
});
