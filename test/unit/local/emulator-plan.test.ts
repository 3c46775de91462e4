import { describe, expect, it } from 'vitest';
import {
  MOTO_MARKER_FILE,
  MOTO_REQUIREMENT,
  planEmulator,
  type EmulatorFacts,
} from '../../../lib/local/emulator-plan.js';

function facts(
  over: Partial<EmulatorFacts> & { files?: Record<string, string>; executables?: string[] },
): EmulatorFacts {
  const executables = new Set(over.executables ?? []);
  const files = over.files ?? {};
  return {
    env: over.env ?? { PATH: '/usr/bin:/bin' },
    platform: over.platform ?? 'linux',
    cacheDir: over.cacheDir ?? '/p/.cache/moto',
    isExecutable: (path) => executables.has(path),
    readText: (path) => files[path],
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

  it('says what to install on each platform when there is no Python either', () => {
    const linux = planEmulator(facts({}));
    expect(linux.kind).toBe('missing');
    const text = linux.kind === 'missing' ? linux.message : '';
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
      venvDir: 'C:\\p\\.cache\\moto',
      command: 'C:\\p\\.cache\\moto\\Scripts\\moto_server.exe',
      requirement: MOTO_REQUIREMENT,
    });
  });
});
