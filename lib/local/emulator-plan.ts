import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { delimiter as posixDelimiter, join as posixJoin } from 'node:path/posix';
import { join as win32Join } from 'node:path/win32';

/** The moto version a project-local emulator is installed at (bump it here; a new pin reinstalls). */
export const MOTO_VERSION = '5.2.1';

/** What pip installs into the project-local virtual environment. */
export const MOTO_REQUIREMENT = `moto[server]==${MOTO_VERSION}`;

/** The file that marks a finished install; it holds {@link MOTO_REQUIREMENT}. */
export const MOTO_MARKER_FILE = '.longrunning-moto';

/** What the local runs can see of the machine; filled in from the real one by {@link machineFacts}. */
export interface EmulatorFacts {
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /** The folder of the project-local virtual environment (for example `<project>/.cache/moto`). */
  cacheDir: string;
  /** True when `path` is a file this process may run. */
  isExecutable: (path: string) => boolean;
  /** The text of the file at `path`, or undefined when there is none. */
  readText: (path: string) => string | undefined;
}

/**
 * Which AWS emulator the tests and `npm run dev` use, and how to get it:
 * - `endpoint`: `AWS_ENDPOINT_URL` is set (LocalStack, or a server already running); it always wins.
 * - `path`: a `moto_server` on PATH.
 * - `venv`: the project-local install in `cacheDir`, finished (its marker names the pinned version).
 * - `create`: none of those, but a Python 3 to build the project-local install with.
 * - `missing`: nothing to run and nothing to build one with; `message` says what to install.
 */
export type EmulatorPlan =
  | { kind: 'endpoint'; endpoint: string }
  | { kind: 'path'; command: string }
  | { kind: 'venv'; command: string; venvDir: string }
  | { kind: 'create'; python: string; venvDir: string; command: string; requirement: string }
  | { kind: 'missing'; message: string };

/** Decides where the local emulator comes from; reads nothing but `facts`. */
export function planEmulator(facts: EmulatorFacts): EmulatorPlan {
  const endpoint = facts.env['AWS_ENDPOINT_URL']?.trim();
  if (endpoint) return { kind: 'endpoint', endpoint };
  const windows = facts.platform === 'win32';
  const onPath = findOnPath(facts, windows ? ['moto_server.exe', 'moto_server'] : ['moto_server']);
  if (onPath !== undefined) return { kind: 'path', command: onPath };
  const venvDir = facts.cacheDir;
  const command = venvCommand(venvDir, windows);
  const marker = facts.readText((windows ? win32Join : posixJoin)(venvDir, MOTO_MARKER_FILE));
  if (marker?.trim() === MOTO_REQUIREMENT && facts.isExecutable(command)) return { kind: 'venv', command, venvDir };
  const python = findOnPath(facts, windows ? ['python.exe', 'py.exe', 'python3.exe'] : ['python3', 'python']);
  if (python !== undefined) return { kind: 'create', python, venvDir, command, requirement: MOTO_REQUIREMENT };
  return { kind: 'missing', message: missingMessage(facts.platform) };
}

/** The `moto_server` of a virtual environment at `venvDir`. */
export function venvCommand(venvDir: string, windows: boolean): string {
  return windows ? win32Join(venvDir, 'Scripts', 'moto_server.exe') : posixJoin(venvDir, 'bin', 'moto_server');
}

function findOnPath(facts: EmulatorFacts, names: readonly string[]): string | undefined {
  const windows = facts.platform === 'win32';
  const path = facts.env['PATH'] ?? facts.env['Path'] ?? '';
  for (const dir of path.split(windows ? ';' : posixDelimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = (windows ? win32Join : posixJoin)(dir, name);
      if (facts.isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function missingMessage(platform: NodeJS.Platform): string {
  const python =
    platform === 'darwin'
      ? 'brew install python'
      : platform === 'win32'
        ? 'winget install Python.Python.3.12'
        : 'sudo apt-get install python3 python3-venv (Debian, Ubuntu), sudo dnf install python3 (Fedora)';
  return (
    'No AWS emulator, and no Python 3 to set one up. Any one of these fixes it:\n' +
    `  - install Python 3 (${python}); the emulator is then set up once in the project's .cache folder\n` +
    `  - install moto yourself: pip install "${MOTO_REQUIREMENT}" (so that moto_server is on PATH)\n` +
    '  - start LocalStack and set AWS_ENDPOINT_URL=http://localhost:4566'
  );
}

/** The real machine's facts, with the project-local install under `<projectDir>/.cache/moto`. */
export function machineFacts(env: Readonly<Record<string, string | undefined>>, projectDir: string): EmulatorFacts {
  return {
    env,
    platform: process.platform,
    cacheDir: join(projectDir, '.cache', 'moto'),
    isExecutable: (path) => {
      try {
        accessSync(path, constants.X_OK);
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}
