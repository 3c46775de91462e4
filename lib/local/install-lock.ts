import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Who holds an install lock: written into the lock folder right after it is made. */
export interface LockOwner {
  pid: number;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Tells this holder from a later one with the same pid. */
  token: string;
}

export interface InstallLockOptions {
  /** Age after which a lock is broken even when its owner still seems alive. */
  staleAfterMs: number;
  now?: () => number;
  /** Whether a process with this id is running (default: `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
}

/** A lock this process holds. */
export interface HeldLock {
  owner: LockOwner;
  /** Removes the lock, unless it was broken as stale and someone else holds it now. */
  release: () => void;
}

const OWNER_FILE = 'owner.json';

/**
 * Tries once to take the lock `lockDir` (made with an atomic `mkdir`, so that only
 * one process of many gets it). A stale lock, whose owner is gone or older than
 * `staleAfterMs`, is broken first. Returns undefined while another owner holds it.
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
    const owner: LockOwner = { pid: process.pid, startedAt: now(), token: randomUUID() };
    writeFileSync(join(lockDir, OWNER_FILE), JSON.stringify(owner));
    return {
      owner,
      release: () => {
        if (readOwner(lockDir)?.token === owner.token) rmSync(lockDir, { recursive: true, force: true });
      },
    };
  }
  return undefined;
}

/** The owner written in `lockDir`, or undefined when there is no lock or it holds no owner yet. */
export function readOwner(lockDir: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(lockDir, OWNER_FILE), 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.startedAt !== 'number' || typeof parsed.token !== 'string') {
      return undefined;
    }
    return { pid: parsed.pid, startedAt: parsed.startedAt, token: parsed.token };
  } catch {
    return undefined;
  }
}

/** True when the lock is gone or was broken here (so taking it may be tried again). */
function breakIfStale(lockDir: string, options: InstallLockOptions, now: () => number): boolean {
  const owner = readOwner(lockDir);
  let startedAt = owner?.startedAt;
  if (startedAt === undefined) {
    // Made but its owner not written yet (or the writer died in between): judge by the folder's age.
    try {
      startedAt = statSync(lockDir).mtimeMs;
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return true;
      throw err;
    }
  }
  const isAlive = options.isAlive ?? processIsAlive;
  const ownerGone = owner !== undefined && !isAlive(owner.pid);
  if (!ownerGone && now() - startedAt <= options.staleAfterMs) return false;
  // Move it aside first (atomic), so that two processes breaking it at once cannot
  // both remove it, and then check it is still the lock judged stale.
  const aside = `${lockDir}.stale-${process.pid}-${randomUUID()}`;
  try {
    renameSync(lockDir, aside);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return true;
    throw err;
  }
  if (readOwner(aside)?.token !== owner?.token) {
    // A new owner took the lock between the look and the move: give it back.
    try {
      renameSync(aside, lockDir);
      return false;
    } catch {
      // The folder was taken again meanwhile; the aside copy is of no use to anyone.
    }
  }
  rmSync(aside, { recursive: true, force: true });
  return true;
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
