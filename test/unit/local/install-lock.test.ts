import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORPHAN_AFTER_MS, readOwner, tryInstallLock, type HeldLock } from '../../../lib/local/install-lock.js';

let dir: string;
let lockDir: string;
const held: HeldLock[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'install-lock-'));
  lockDir = join(dir, 'moto.lock');
});

afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  rmSync(dir, { recursive: true, force: true });
});

const TEN_MINUTES = 10 * 60_000;

function take(options: Parameters<typeof tryInstallLock>[1] = { staleAfterMs: TEN_MINUTES }) {
  const lock = tryInstallLock(lockDir, options);
  if (lock !== undefined) held.push(lock);
  return lock;
}

/** Sets a file's or folder's mtime to `at` (epoch ms). */
function age(path: string, at: number): void {
  utimesSync(path, at / 1000, at / 1000);
}

/** A lock of another holder: `pid` and `startedAt` as given, its heartbeat (mtime) at `beatAt`. */
function otherLock(owner: { pid: number; startedAt: number; beatAt: number; token?: string }): void {
  mkdirSync(lockDir);
  const file = join(lockDir, 'owner.json');
  writeFileSync(
    file,
    JSON.stringify({ pid: owner.pid, host: hostname(), startedAt: owner.startedAt, token: owner.token ?? 'other' }),
  );
  age(file, owner.beatAt);
}

describe('tryInstallLock', () => {
  it('keeps a lock whose holder started long ago but still beats', () => {
    otherLock({ pid: process.pid, startedAt: Date.now() - 60 * 60_000, beatAt: Date.now() });
    expect(take()).toBeUndefined();
    expect(readOwner(lockDir)?.token).toBe('other');
  });

  it('refreshes the heartbeat while held, so a long install is not broken', async () => {
    const options = { staleAfterMs: 100, heartbeatMs: 10 };
    const lock = take(options);
    expect(lock).toBeDefined();
    await sleep(300);
    expect(take(options)).toBeUndefined();
    expect(lock?.isHeld()).toBe(true);
  });

  it('breaks a lock whose heartbeat is older than the stale bound even when its pid runs', () => {
    otherLock({ pid: process.pid, startedAt: Date.now(), beatAt: Date.now() - TEN_MINUTES - 1000 });
    const lock = take();
    expect(lock?.isHeld()).toBe(true);
    expect(readOwner(lockDir)?.token).toBe(lock?.owner.token);
  });

  it('breaks a lock whose pid is gone from this machine, however fresh its heartbeat', () => {
    otherLock({ pid: 999_999, startedAt: Date.now(), beatAt: Date.now() });
    expect(take({ staleAfterMs: TEN_MINUTES, isAlive: () => false })?.isHeld()).toBe(true);
  });

  it('keeps a lock of a pid on another machine while its heartbeat is fresh', () => {
    mkdirSync(lockDir);
    writeFileSync(
      join(lockDir, 'owner.json'),
      JSON.stringify({ pid: 999_999, host: 'another-host', startedAt: Date.now(), token: 'other' }),
    );
    expect(take({ staleAfterMs: TEN_MINUTES, isAlive: () => false })).toBeUndefined();
  });

  it('takes a lock folder with no owner as being made until it is older than 30 s, then as left behind', () => {
    mkdirSync(lockDir);
    age(lockDir, Date.now() - ORPHAN_AFTER_MS + 5000);
    expect(take()).toBeUndefined();
    age(lockDir, Date.now() - ORPHAN_AFTER_MS - 5000);
    expect(take()?.isHeld()).toBe(true);
  });

  it('leaves a stale lock alone while another process is breaking it, and clears a left-behind break lock', () => {
    otherLock({ pid: process.pid, startedAt: 0, beatAt: Date.now() - TEN_MINUTES - 1000 });
    mkdirSync(`${lockDir}.break`);
    expect(take()).toBeUndefined();
    expect(readOwner(lockDir)?.token).toBe('other');
    age(`${lockDir}.break`, Date.now() - ORPHAN_AFTER_MS - 1000);
    expect(take()).toBeUndefined();
    expect(existsSync(`${lockDir}.break`)).toBe(false);
    expect(take()?.isHeld()).toBe(true);
  });

  it('does not remove a lock that a new holder took between the look and the break', () => {
    otherLock({ pid: 999_999, startedAt: 0, beatAt: Date.now() });
    let looks = 0;
    const isAlive = () => {
      looks++;
      if (looks === 1) {
        // The stale holder's lock is replaced by a live one before this process breaks it.
        rmSync(lockDir, { recursive: true });
        otherLock({ pid: process.pid, startedAt: Date.now(), beatAt: Date.now(), token: 'new' });
        return false;
      }
      return true;
    };
    expect(take({ staleAfterMs: TEN_MINUTES, isAlive })).toBeUndefined();
    expect(readOwner(lockDir)?.token).toBe('new');
    expect(existsSync(`${lockDir}.break`)).toBe(false);
  });

  it('releases only its own lock, and no longer holds one broken and taken by another', () => {
    const lock = take({ staleAfterMs: TEN_MINUTES, heartbeatMs: 10 });
    rmSync(lockDir, { recursive: true });
    otherLock({ pid: process.pid, startedAt: Date.now(), beatAt: Date.now(), token: 'new' });
    expect(lock?.isHeld()).toBe(false);
    lock?.release();
    expect(readOwner(lockDir)?.token).toBe('new');
  });
});
