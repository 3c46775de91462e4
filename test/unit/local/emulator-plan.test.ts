import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MOTO_MARKER_FILE,
  MIN_PYTHON,
  MOTO_REQUIREMENT,
  MOTO_VERSION,
  machineFacts,
  planEmulator,
  type EmulatorFacts,
} from '../../../lib/local/emulator-plan.js';

function facts(
  over: Partial<EmulatorFacts> & {
    files?: Record<string, string>;
    executables?: string[];
    /** Each Python's version; one not listed is 3.12. */
    versions?: Record<string, [number, number] | undefined>;
  },
): EmulatorFacts {
  const executables = new Set(over.executables ?? []);
  const files = over.files ?? {};
  const versions = over.versions ?? {};
  return {
    env: over.env ?? { PATH: '/usr/bin:/bin' },
    platform: over.platform ?? 'linux',
    cacheDir: over.cacheDir ?? '/p/.cache/moto',
    isExecutable: (path) => executables.has(path),
    readText: (path) => files[path],
    pythonVersion: (path) => (path in versions ? versions[path] : [3, 12]),
  };
}

const marker = { [`/p/.cache/moto/${MOTO_MARKER_FILE}`]: `${MOTO_REQUIREMENT}\n` };

describe('planEmulator', () => {
  it('uses AWS_ENDPOINT_URL before anything else', () => {
    const plan = planEmulator(
      facts({
        env: { AWS_ENDPOINT_URL: 'http://localhost:4566', PATH: '/usr/bin' },
        executables: ['/usr/bin/moto_server'],
      }),
    );
    expect(plan).toEqual({ kind: 'endpoint', endpoint: 'http://localhost:4566' });
  });

  it('ignores a blank AWS_ENDPOINT_URL', () => {
    const plan = planEmulator(
      facts({ env: { AWS_ENDPOINT_URL: '  ', PATH: '/usr/bin' }, executables: ['/usr/bin/moto_server'] }),
    );
    expect(plan).toEqual({ kind: 'path', command: '/usr/bin/moto_server' });
  });

  it('prefers a moto_server on PATH to the project-local one', () => {
    const plan = planEmulator(
      facts({ files: marker, executables: ['/bin/moto_server', '/p/.cache/moto/bin/moto_server', '/usr/bin/python3'] }),
    );
    expect(plan).toEqual({ kind: 'path', command: '/bin/moto_server' });
  });

  it('uses a finished project-local install', () => {
    const plan = planEmulator(
      facts({ files: marker, executables: ['/p/.cache/moto/bin/moto_server', '/usr/bin/python3'] }),
    );
    expect(plan).toEqual({ kind: 'venv', command: '/p/.cache/moto/bin/moto_server', venvDir: '/p/.cache/moto' });
  });

  it('builds the install again when its marker names another version or is missing', () => {
    for (const files of [{}, { [`/p/.cache/moto/${MOTO_MARKER_FILE}`]: 'moto[server]==4.0.0' }]) {
      const plan = planEmulator(facts({ files, executables: ['/p/.cache/moto/bin/moto_server', '/usr/bin/python3'] }));
      expect(plan).toEqual({
        kind: 'create',
        python: '/usr/bin/python3',
        pythonVersion: '3.12',
        venvDir: '/p/.cache/moto',
        command: '/p/.cache/moto/bin/moto_server',
        requirement: MOTO_REQUIREMENT,
      });
    }
  });

  it('builds the install again when the marker is there but moto_server is not', () => {
    const plan = planEmulator(facts({ files: marker, executables: ['/bin/python'] }));
    expect(plan).toMatchObject({ kind: 'create', python: '/bin/python' });
  });

  it('prefers python3 to python in the same folder', () => {
    const plan = planEmulator(facts({ executables: ['/usr/bin/python', '/usr/bin/python3'] }));
    expect(plan).toMatchObject({ kind: 'create', python: '/usr/bin/python3' });
  });

  it('skips a Python older than 3.10 for a newer one later on PATH or under the other name', () => {
    expect(MIN_PYTHON).toEqual([3, 10]);
    const laterOnPath = planEmulator(
      facts({
        env: { PATH: '/usr/bin:/opt/py/bin' },
        executables: ['/usr/bin/python3', '/opt/py/bin/python3'],
        versions: { '/usr/bin/python3': [3, 9], '/opt/py/bin/python3': [3, 10] },
      }),
    );
    expect(laterOnPath).toMatchObject({ kind: 'create', python: '/opt/py/bin/python3', pythonVersion: '3.10' });
    const otherName = planEmulator(
      facts({
        executables: ['/usr/bin/python3', '/bin/python'],
        versions: { '/usr/bin/python3': [3, 8], '/bin/python': [3, 11] },
      }),
    );
    expect(otherName).toMatchObject({ kind: 'create', python: '/bin/python', pythonVersion: '3.11' });
  });

  it('prefers python3 anywhere on PATH to a python earlier on PATH', () => {
    const plan = planEmulator(facts({ executables: ['/usr/bin/python', '/bin/python3'] }));
    expect(plan).toMatchObject({ kind: 'create', python: '/bin/python3' });
  });

  it('names each Python found when none is new enough, with the ways out', () => {
    const plan = planEmulator(
      facts({
        executables: ['/usr/bin/python3', '/usr/bin/python', '/bin/python3'],
        versions: { '/usr/bin/python3': [3, 9], '/usr/bin/python': [2, 7], '/bin/python3': undefined },
      }),
    );
    expect(plan.kind).toBe('missing');
    const text = plan.kind === 'missing' ? plan.message : '';
    expect(text).toContain(
      `moto ${MOTO_VERSION} needs Python 3.10 or newer; found /usr/bin/python3 (3.9), ` +
        '/bin/python3 (version unknown), /usr/bin/python (2.7)',
    );
    expect(text).toContain('install Python 3.10 or newer');
    expect(text).toContain(`pip install "${MOTO_REQUIREMENT}"`);
    expect(text).toMatch(/AWS_ENDPOINT_URL=http:\/\/localhost:4566/);
  });

  it('says what to install on each platform when there is no Python either', () => {
    const linux = planEmulator(facts({}));
    expect(linux.kind).toBe('missing');
    const text = linux.kind === 'missing' ? linux.message : '';
    expect(text).toMatch(/^No AWS emulator, and no Python 3\.10 or newer to set one up\./);
    expect(text).toMatch(/apt-get install python3 python3-venv/);
    expect(text).toContain(`pip install "${MOTO_REQUIREMENT}"`);
    expect(text).toMatch(/AWS_ENDPOINT_URL=http:\/\/localhost:4566/);
    const mac = planEmulator(facts({ platform: 'darwin' }));
    expect(mac.kind === 'missing' && mac.message).toMatch(/brew install python/);
    const win = planEmulator(facts({ platform: 'win32', env: { Path: 'C:\\Windows' } }));
    expect(win.kind === 'missing' && win.message).toMatch(/winget install/);
  });

  it('uses Windows paths and the Scripts folder on Windows', () => {
    const plan = planEmulator(
      facts({
        platform: 'win32',
        cacheDir: 'C:\\p\\.cache\\moto',
        env: { Path: 'C:\\Python312;C:\\Windows' },
        executables: ['C:\\Python312\\python.exe'],
      }),
    );
    expect(plan).toEqual({
      kind: 'create',
      python: 'C:\\Python312\\python.exe',
      pythonVersion: '3.12',
      venvDir: 'C:\\p\\.cache\\moto',
      command: 'C:\\p\\.cache\\moto\\Scripts\\moto_server.exe',
      requirement: MOTO_REQUIREMENT,
    });
  });
});

describe('machineFacts', () => {
  it("reads a Python's major and minor version by running it, and nothing from one that fails", () => {
    const dir = mkdtempSync(join(tmpdir(), 'python-version-'));
    try {
      const script = (name: string, body: string) => {
        writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(dir, name), 0o755);
        return join(dir, name);
      };
      const facts = machineFacts({}, dir);
      expect(facts.pythonVersion(script('py39', 'echo "3 9"'))).toEqual([3, 9]);
      expect(facts.pythonVersion(script('py27', 'echo "(2, 7)"'))).toEqual([2, 7]);
      expect(facts.pythonVersion(script('broken', 'exit 1'))).toBeUndefined();
      expect(facts.pythonVersion(join(dir, 'none'))).toBeUndefined();
      expect(facts.pythonVersion(process.execPath)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
