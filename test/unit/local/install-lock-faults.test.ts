import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EMULATOR_SETUP_FAILED, tryInstallLock } from '../../../lib/local/install-lock.js';

// File-system faults that cannot be staged for real (the tests may run as root).
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  return { ...real, writeFileSync: vi.fn(real.writeFileSync), rmSync: vi.fn(real.rmSync) };
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
