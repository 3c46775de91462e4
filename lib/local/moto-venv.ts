import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LongRunningError } from '../core/errors.js';
import { runCommand, type CommandResult, type CommandRunner } from './child-command.js';
import { installFinished, LOCAL_FILES, MOTO_MARKER_FILE, type EmulatorPlan } from './emulator-plan.js';
import { EMULATOR_SETUP_FAILED, tryInstallLock, type HeldLock } from './install-lock.js';

export { EMULATOR_SETUP_FAILED };

export type { CommandResult, CommandRunner };

/** A plan to build the project-local emulator, from {@link planEmulator}. */
export type CreatePlan = Extract<EmulatorPlan, { kind: 'create' }>;

export interface ProvisionOptions {
  /** Where progress lines go (default: standard error). */
  log?: (line: string) => void;
  run?: CommandRunner;
  /** How long to wait for another process's set-up before giving up (default 11 minutes). */
  lockTimeoutMs?: number;
  /** Age of a lock's heartbeat after which it is broken even when its owner still runs (default 10 minutes). */
  staleLockMs?: number;
  /** How often the installing process refreshes its lock's heartbeat (default 30 s). */
  heartbeatMs?: number;
  /** How often a waiting process looks at the lock again (default 250 ms). */
  pollMs?: number;
  /** How often a line says the install is still going (default 15 s): pip runs quiet. */
  progressMs?: number;
  platform?: NodeJS.Platform;
}

const ALTERNATIVES =
  'Or instead: install moto yourself (pip install "{req}", so that moto_server is on PATH), ' +
  'or start LocalStack and set AWS_ENDPOINT_URL=http://localhost:4566.';

/**
 * Builds the project-local moto install that `plan` describes, once across processes:
 * `python -m venv`, `pip install` of the pinned requirement, then the marker file,
 * written last. The first process to take the lock (`<venvDir>.lock`) installs; the
 * others wait for it and use its result. Returns the `moto_server` to run.
 */
export async function provisionMoto(plan: CreatePlan, options: ProvisionOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const lockDir = `${plan.venvDir}.lock`;
  const failureFile = `${plan.venvDir}.failed`;
  const lockTimeoutMs = options.lockTimeoutMs ?? 11 * 60_000;
  const staleAfterMs = options.staleLockMs ?? 10 * 60_000;
  const waitStarted = Date.now();
  let waiting = false;
  for (;;) {
    if (isInstalled(plan)) return plan.command;
    const failure = waiting ? failureSince(failureFile, waitStarted) : undefined;
    if (failure !== undefined) throw new LongRunningError(EMULATOR_SETUP_FAILED, failure);
    const lock = tryInstallLock(lockDir, {
      staleAfterMs,
      log,
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    });
    if (lock !== undefined) {
      try {
        if (!isInstalled(plan)) await install(plan, { ...options, log, failureFile, lock, lockDir });
        return plan.command;
      } finally {
        lock.release();
      }
    }
    if (!waiting) {
      log(`waiting for another process to finish setting up the AWS emulator in ${shown(plan.venvDir)}…`);
      waiting = true;
    }
    if (Date.now() - waitStarted > lockTimeoutMs) {
      throw new LongRunningError(
        EMULATOR_SETUP_FAILED,
        `Gave up waiting for another process to set up the AWS emulator in ${shown(plan.venvDir)}. ` +
          `If none is running, delete ${lockDir} and run again.`,
      );
    }
    await sleep(options.pollMs ?? 250);
  }
}

interface InstallContext extends ProvisionOptions {
  log: (line: string) => void;
  failureFile: string;
  lock: HeldLock;
  lockDir: string;
}

async function install(plan: CreatePlan, context: InstallContext): Promise<void> {
  const started = Date.now();
  const windows = (context.platform ?? process.platform) === 'win32';
  const run = context.run ?? runCommand;
  context.log(`setting up the AWS emulator once (${plan.requirement} in ${shown(plan.venvDir)}), about 30 s…`);
  rmSync(context.failureFile, { force: true });
  // Whatever is there lacks a valid marker (half-built, or another version): start afresh.
  rmSync(plan.venvDir, { recursive: true, force: true });
  try {
    const venv = await attempt(run, plan.python, ['-m', 'venv', plan.venvDir]);
    if (venv.code !== 0) throw setupError(venvFailure(plan, venv), plan);
    const python = join(dirname(plan.command), windows ? 'python.exe' : 'python');
    const pipArgs = ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', plan.requirement];
    const progress = setInterval(
      () => context.log(`still setting up the AWS emulator (${Math.round((Date.now() - started) / 1000)} s)…`),
      context.progressMs ?? 15_000,
    );
    const pip = await attempt(run, python, pipArgs).finally(() => clearInterval(progress));
    if (pip.code !== 0) throw setupError(pipFailure(plan, pip), plan);
    if (!LOCAL_FILES.isExecutable(plan.command)) {
      throw setupError(`pip installed ${plan.requirement} but left no ${plan.command}.`, plan);
    }
    if (!context.lock.isHeld()) throw lostLock(plan, context.lockDir);
    const marker = join(plan.venvDir, MOTO_MARKER_FILE);
    writeFileSync(`${marker}.tmp`, `${plan.requirement}\n`);
    renameSync(`${marker}.tmp`, marker);
  } catch (err) {
    // Another process took the lock over and now owns the folder: leave it be.
    if (!context.lock.isHeld()) throw err instanceof LostLockError ? err : lostLock(plan, context.lockDir, err);
    rmSync(plan.venvDir, { recursive: true, force: true });
    const message = err instanceof Error ? err.message : String(err);
    writeFileSync(context.failureFile, JSON.stringify({ at: Date.now(), message }));
    throw err;
  }
  context.log(
    `set up the AWS emulator in ${shown(plan.venvDir)}: done in ${Math.round((Date.now() - started) / 1000)} s`,
  );
}

async function attempt(run: CommandRunner, command: string, args: readonly string[]): Promise<CommandResult> {
  try {
    return await run(command, args);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { code: null, stdout: '', stderr: `could not start ${command}: ${reason}` };
  }
}

function venvFailure(plan: CreatePlan, result: CommandResult): string {
  const output = `${result.stderr}\n${result.stdout}`;
  if (/ensurepip is not available|No module named '?venv|python3(\.\d+)?-venv/i.test(output)) {
    return (
      `Could not set up the AWS emulator: ${plan.python} has no working venv module: ` +
      'install python3-venv (sudo apt-get install python3-venv) and run again.'
    );
  }
  return `Could not set up the AWS emulator: "${plan.python} -m venv ${plan.venvDir}" failed (${ended(result)}):\n${tail(output)}`;
}

/** What pip prints when it cannot reach the package index (connection, DNS, proxy, timeout). */
const PIP_NETWORK_ERROR =
  /ConnectionError|NewConnectionError|Temporary failure in name resolution|Could not fetch URL|timed out|ProxyError/i;

function pipFailure(plan: CreatePlan, result: CommandResult): string {
  const output = `${result.stderr}\n${result.stdout}`;
  const why = PIP_NETWORK_ERROR.test(output)
    ? 'it could not reach PyPI (is the network up, or is a proxy needed?)'
    : 'pip failed';
  return (
    `Could not set up the AWS emulator: pip could not install ${plan.requirement} into ${shown(plan.venvDir)} ` +
    `(${ended(result)}); ${why}. pip said:\n${tail(result.stderr || result.stdout)}`
  );
}

class LostLockError extends LongRunningError {}

function lostLock(plan: CreatePlan, lockDir: string, cause?: unknown): LongRunningError {
  return new LostLockError(
    EMULATOR_SETUP_FAILED,
    `Stopped setting up the AWS emulator in ${shown(plan.venvDir)}: another process broke the lock ${lockDir} ` +
      'as stale and took the set-up over (was this one paused?). Left the folder to it; run again to use its result.',
    cause === undefined ? {} : { cause },
  );
}

function setupError(message: string, plan: CreatePlan): LongRunningError {
  return new LongRunningError(EMULATOR_SETUP_FAILED, `${message}\n${ALTERNATIVES.replace('{req}', plan.requirement)}`);
}

function ended(result: CommandResult): string {
  return result.code === null ? 'it did not run to an end' : `exit code ${result.code}`;
}

/** The last lines of a command's output, indented. */
function tail(text: string, lines = 10): string {
  const kept = text.trim().split(/\r?\n/).slice(-lines);
  return kept.map((line) => `  ${line}`).join('\n');
}

function isInstalled(plan: CreatePlan): boolean {
  return installFinished(LOCAL_FILES, join(plan.venvDir, MOTO_MARKER_FILE), plan.command, plan.requirement);
}

/** The message of a failed set-up finished after `since`, if any. */
function failureSince(file: string, since: number): string | undefined {
  try {
    const failure = JSON.parse(readFileSync(file, 'utf8')) as { at?: unknown; message?: unknown };
    if (typeof failure.at === 'number' && failure.at >= since && typeof failure.message === 'string') {
      return failure.message;
    }
  } catch {
    // none, or unreadable
  }
  return undefined;
}

/** `path` relative to the working folder when inside it (`.cache/moto`), else as is. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
