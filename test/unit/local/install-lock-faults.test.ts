import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EMULATOR_SETUP_FAILED, readOwner, tryInstallLock, type HeldLock } from '../../../lib/local/install-lock.js';

// File-system faults that cannot be staged for real (the tests may run as root).
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  return {
    ...real,
    writeFileSync: vi.fn(real.writeFileSync),
    rmSync: vi.fn(real.rmSync),
    renameSync: vi.fn(real.renameSync),
  };
});

let dir: string;
let lockDir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'install-lock-faults-'));
  lockDir = join(dir, 'moto.lock');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const fault = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

describe('tryInstallLock when the file system fails', () => {
  it('removes the lock folder when its owner cannot be written, and says so', () => {
    vi.mocked(fs.writeFileSync).mockImplementationOnce(() => {
      throw fault('ENOSPC');
    });
    let error: unknown;
    try {
      tryInstallLock(lockDir, { staleAfterMs: 60_000 });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: EMULATOR_SETUP_FAILED, message: expect.stringContaining('ENOSPC') });
    expect(fs.existsSync(lockDir)).toBe(false);
  });

  it('logs instead of throwing when the lock cannot be removed on release', () => {
    const lines: string[] = [];
    const lock = tryInstallLock(lockDir, { staleAfterMs: 60_000, log: (line) => lines.push(line) });
    vi.mocked(fs.rmSync).mockImplementationOnce(() => {
      throw fault('EBUSY');
    });
    expect(() => lock?.release()).not.toThrow();
    expect(lines).toEqual([expect.stringContaining(`could not remove the lock ${lockDir} (EBUSY: simulated)`)]);
    expect(vi.mocked(fs.rmSync)).toHaveBeenCalledWith(lockDir, expect.objectContaining({ maxRetries: 5 }));
  });
});

describe('tryInstallLock breaking a stale lock', () => {
  it('never deletes the lock of a holder that took it while another process was breaking the old one', async () => {
    const { hostname } = await import('node:os');
    const writeOwner = (pid: number, token: string) =>
      fs.writeFileSync(join(lockDir, 'owner.json'), JSON.stringify({ pid, host: hostname(), startedAt: 0, token }));
    fs.mkdirSync(lockDir);
    writeOwner(999_999, 'stale');
    let replaced = false;
    const isAlive = (pid: number) => {
      if (pid !== 999_999) return true;
      if (!replaced) {
        // Between this process's look and its break, the stale lock was broken and taken by a new holder.
        replaced = true;
        fs.rmSync(lockDir, { recursive: true });
        fs.mkdirSync(lockDir);
        writeOwner(process.pid, 'new');
      }
      return false;
    };
    // Were the lock folder ever moved aside, a third process could take the free name meanwhile.
    const real = vi.mocked(fs.renameSync).getMockImplementation();
    let third: HeldLock | undefined;
    vi.mocked(fs.renameSync).mockImplementation((from, to) => {
      real?.(from, to);
      if (from === lockDir) third = tryInstallLock(lockDir, { staleAfterMs: 60_000 });
    });
    try {
      expect(tryInstallLock(lockDir, { staleAfterMs: 60_000, isAlive })).toBeUndefined();
      expect(readOwner(lockDir)?.token).toBe('new');
      expect(third).toBeUndefined();
    } finally {
      vi.mocked(fs.renameSync).mockImplementation((from, to) => real?.(from, to));
    }
  });
});
