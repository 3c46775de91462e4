import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { LongRunningError } from '../core/errors.js';

/** The code of every error from setting up the project-local emulator. */
export const EMULATOR_SETUP_FAILED = 'EMULATOR_SETUP_FAILED';

/** Who holds an install lock: written into the lock folder right after it is made. */
export interface LockOwner {
  pid: number;
  /** The machine the pid is on (a project folder may be shared); a lock without one is taken as this machine's. */
  host: string;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Tells this holder from a later one with the same pid. */
  token: string;
}

export interface InstallLockOptions {
  /** Age of the owner's last heartbeat after which its lock is broken even when its pid still runs. */
  staleAfterMs: number;
  /** How often the holder refreshes its heartbeat, the owner file's mtime (default 30 s). */
  heartbeatMs?: number;
  now?: () => number;
  /** Whether a process with this id is running on this machine (default: `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
  /** Where a failure to remove the lock on release is reported (default: standard error). */
  log?: (line: string) => void;
}

/** A lock this process holds. */
export interface HeldLock {
  owner: LockOwner;
  /** True while the lock folder still names this holder (false once it was broken and maybe taken by another). */
  isHeld: () => boolean;
  /** Stops the heartbeat and removes the lock, unless another holds it now; never throws (it logs). */
  release: () => void;
}

const OWNER_FILE = 'owner.json';

/**
 * How long a lock folder without an owner file (its maker died between `mkdir` and
 * writing it), or a `.break` folder, may stand before it counts as left behind:
 * both take milliseconds when their process runs.
 */
export const ORPHAN_AFTER_MS = 30_000;

/**
 * Tries once to take the lock `lockDir` (made with an atomic `mkdir`, so that only
 * one process of many gets it). While held, the owner file's mtime is refreshed every
 * `heartbeatMs`. A stale lock (its pid gone from this machine, or its heartbeat older
 * than `staleAfterMs`) is broken first, by one process at a time. Returns undefined
 * while another owner holds it.
 */
export function tryInstallLock(lockDir: string, options: InstallLockOptions): HeldLock | undefined {
  const now = options.now ?? Date.now;
  mkdirSync(dirname(lockDir), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(lockDir);
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
      if (!breakIfStale(lockDir, options, now)) return undefined;
      continue;
    }
    return hold(lockDir, options, now);
  }
  return undefined;
}

function hold(lockDir: string, options: InstallLockOptions, now: () => number): HeldLock {
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: now(), token: randomUUID() };
  const file = join(lockDir, OWNER_FILE);
  try {
    // Written aside and renamed, so that a reader sees the whole owner or none.
    writeFileSync(`${file}.tmp`, JSON.stringify(owner));
    renameSync(`${file}.tmp`, file);
    touch(file, now());
  } catch (err) {
    try {
      rmSync(lockDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {
      // Left ownerless: it counts as left behind after ORPHAN_AFTER_MS.
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new LongRunningError(EMULATOR_SETUP_FAILED, `Could not write the owner of the lock ${lockDir}: ${reason}`, {
      cause: err,
    });
  }
  const isHeld = () => readOwner(lockDir)?.token === owner.token;
  const heartbeat = setInterval(() => {
    if (!isHeld()) return clearInterval(heartbeat);
    try {
      touch(file, now());
    } catch {
      // Broken meanwhile: the next beat sees it is no longer held.
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  return {
    owner,
    isHeld,
    release: () => {
      clearInterval(heartbeat);
      try {
        if (isHeld()) rmSync(lockDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        log(`could not remove the lock ${lockDir} (${reason}); it counts as stale once this process has ended`);
      }
    },
  };
}

/** The owner written in `lockDir`, or undefined when there is no lock or it holds no owner yet. */
export function readOwner(lockDir: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(lockDir, OWNER_FILE), 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.startedAt !== 'number' || typeof parsed.token !== 'string') {
      return undefined;
    }
    const host = typeof parsed.host === 'string' ? parsed.host : hostname();
    return { pid: parsed.pid, host, startedAt: parsed.startedAt, token: parsed.token };
  } catch {
    return undefined;
  }
}

/** How a lock looks: gone, held (fresh), or stale with the token (undefined: no owner file) it had. */
type Judgement = { kind: 'gone' } | { kind: 'fresh' } | { kind: 'stale'; token: string | undefined };

function judge(lockDir: string, options: InstallLockOptions, now: () => number): Judgement {
  const owner = readOwner(lockDir);
  let beatAt: number;
  try {
    beatAt = statSync(owner === undefined ? lockDir : join(lockDir, OWNER_FILE)).mtimeMs;
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
    // Released meanwhile, or the owner file was being renamed into place: look again.
    return readOwner(lockDir) === undefined && !exists(lockDir) ? { kind: 'gone' } : { kind: 'fresh' };
  }
  if (owner === undefined) {
    return now() - beatAt > ORPHAN_AFTER_MS ? { kind: 'stale', token: undefined } : { kind: 'fresh' };
  }
  const isAlive = options.isAlive ?? processIsAlive;
  const gone = owner.host === hostname() && !isAlive(owner.pid);
  return gone || now() - beatAt > options.staleAfterMs ? { kind: 'stale', token: owner.token } : { kind: 'fresh' };
}

/**
 * True when the lock is gone or was removed here (so taking it may be tried again).
 * Breakers take turns under a second lock, `<lockDir>.break`, and remove the lock
 * only if, looked at again under it, it is still the stale one first seen.
 */
function breakIfStale(lockDir: string, options: InstallLockOptions, now: () => number): boolean {
  const seen = judge(lockDir, options, now);
  if (seen.kind !== 'stale') return seen.kind === 'gone';
  const breakDir = `${lockDir}.break`;
  try {
    mkdirSync(breakDir);
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
    // Another process is breaking it (that takes milliseconds), or died doing so.
    removeIfOlder(breakDir, ORPHAN_AFTER_MS, now);
    return false;
  }
  try {
    const again = judge(lockDir, options, now);
    if (again.kind === 'gone') return true;
    if (again.kind !== 'stale' || again.token !== seen.token) return false;
    rmSync(lockDir, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(breakDir, { recursive: true, force: true });
  }
}

function removeIfOlder(dir: string, ageMs: number, now: () => number): void {
  try {
    if (now() - statSync(dir).mtimeMs > ageMs) rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

function touch(file: string, at: number): void {
  utimesSync(file, at / 1000, at / 1000);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return errorCode(err) === 'EPERM';
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}
