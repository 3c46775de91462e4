import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../lib/local/child-command.js';
import { REPO_ROOT } from '../../support/repo-root.js';

let dir: string;
const leftRunning: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'child-command-'));
});

afterEach(() => {
  for (const pid of leftRunning.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed command whose parent has gone is a zombie until something reaps it (in a
  // container whose first process does not, never): it answers signal 0 but is not running.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitFor<T>(look: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = look();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(20);
  }
}

/**
 * Starts a Node process that runs, through runCommand, a stand-in for pip that
 * writes its pid and then sleeps; `then` is what that process does once it has.
 */
async function parentWithCommand(then: string): Promise<{
  parent: ReturnType<typeof spawn>;
  commandPid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}> {
  const pidFile = join(dir, 'command.pid');
  const script = join(dir, 'parent.ts');
  writeFileSync(
    script,
    [
      `import { statSync } from 'node:fs';`,
      `import { runCommand } from ${JSON.stringify(join(REPO_ROOT, 'lib/local/child-command.ts'))};`,
      `void runCommand('/bin/sh', ['-c', 'echo $$ > ${pidFile}; exec sleep 30']);`,
      `const started = setInterval(() => { try { statSync(${JSON.stringify(pidFile)}); } catch { return; } clearInterval(started); ${then} }, 10);`,
    ].join('\n'),
  );
  const parent = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, stdio: 'ignore' });
  // Listened to at once: the parent may exit before the command's pid file is seen here.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    parent.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const commandPid = await waitFor(() => {
    const text = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '';
    return text ? Number(text) : undefined;
  });
  leftRunning.push(commandPid);
  return { parent, commandPid, exited };
}

describe('runCommand', () => {
  it('collects what the command printed and how it ended', async () => {
    await expect(runCommand('/bin/sh', ['-c', 'echo out; echo err >&2; exit 3'])).resolves.toEqual({
      code: 3,
      stdout: 'out\n',
      stderr: 'err\n',
    });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'ends the command when this process gets %s, and still ends by it',
    async (signal) => {
      const { parent, commandPid, exited } = await parentWithCommand('');
      parent.kill(signal);
      expect((await exited).signal).toBe(signal);
      await waitFor(() => (isRunning(commandPid) ? undefined : true));
    },
  );

  it('ends the command when this process exits', async () => {
    const { exited, commandPid } = await parentWithCommand('process.exit(3);');
    expect((await exited).code).toBe(3);
    await waitFor(() => (isRunning(commandPid) ? undefined : true));
  });
});
