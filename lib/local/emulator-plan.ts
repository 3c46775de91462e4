import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { delimiter as posixDelimiter, join as posixJoin } from 'node:path/posix';
import { join as win32Join } from 'node:path/win32';

/** The moto version a project-local emulator is installed at (bump it here; a new pin reinstalls). */
export const MOTO_VERSION = '5.2.1';

/** What pip installs into the project-local virtual environment. */
export const MOTO_REQUIREMENT = `moto[server]==${MOTO_VERSION}`;

/** The oldest Python that moto {@link MOTO_VERSION} installs on (its `Requires-Python`), as [major, minor]. */
export const MIN_PYTHON: readonly [number, number] = [3, 10];

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
  /** The [major, minor] version of the Python at `path`, or undefined when it cannot be told. */
  pythonVersion: (path: string) => readonly [number, number] | undefined;
}

/**
 * Which AWS emulator the tests and `npm run dev` use, and how to get it:
 * - `endpoint`: `AWS_ENDPOINT_URL` is set (LocalStack, or a server already running); it always wins.
 * - `path`: a `moto_server` on PATH.
 * - `venv`: the project-local install in `cacheDir`, finished (its marker names the pinned version).
 * - `create`: none of those, but a Python of at least {@link MIN_PYTHON} to build the
 *   project-local install with (`pythonVersion`, like `3.11`).
 * - `missing`: nothing to run and nothing to build one with (no Python, or only older
 *   ones); `message` says what was found and what to install.
 */
export type EmulatorPlan =
  | { kind: 'endpoint'; endpoint: string }
  | { kind: 'path'; command: string }
  | { kind: 'venv'; command: string; venvDir: string }
  | { kind: 'create'; python: string; pythonVersion: string; venvDir: string; command: string; requirement: string }
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
  const marker = (windows ? win32Join : posixJoin)(venvDir, MOTO_MARKER_FILE);
  if (installFinished(facts, marker, command, MOTO_REQUIREMENT)) return { kind: 'venv', command, venvDir };
  const tooOld: string[] = [];
  // python3 before python (a bare `python` is often Python 2), each in PATH order.
  for (const name of windows ? ['python.exe', 'py.exe', 'python3.exe'] : ['python3', 'python']) {
    for (const python of findAllOnPath(facts, name)) {
      const version = facts.pythonVersion(python);
      if (version !== undefined && atLeast(version, MIN_PYTHON)) {
        const pythonVersion = version.join('.');
        return { kind: 'create', python, pythonVersion, venvDir, command, requirement: MOTO_REQUIREMENT };
      }
      tooOld.push(`${python} (${version === undefined ? 'version unknown' : version.join('.')})`);
    }
  }
  return { kind: 'missing', message: missingMessage(facts.platform, tooOld) };
}

function atLeast(version: readonly [number, number], min: readonly [number, number]): boolean {
  return version[0] > min[0] || (version[0] === min[0] && version[1] >= min[1]);
}

/** The `moto_server` of a virtual environment at `venvDir`. */
export function venvCommand(venvDir: string, windows: boolean): string {
  return windows ? win32Join(venvDir, 'Scripts', 'moto_server.exe') : posixJoin(venvDir, 'bin', 'moto_server');
}

function findOnPath(facts: EmulatorFacts, names: readonly string[]): string | undefined {
  for (const dir of pathDirs(facts)) {
    for (const name of names) {
      const candidate = (facts.platform === 'win32' ? win32Join : posixJoin)(dir, name);
      if (facts.isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Every runnable `name` on PATH, in PATH order, each once. */
function findAllOnPath(facts: EmulatorFacts, name: string): string[] {
  const found = pathDirs(facts)
    .map((dir) => (facts.platform === 'win32' ? win32Join : posixJoin)(dir, name))
    .filter((candidate) => facts.isExecutable(candidate));
  return [...new Set(found)];
}

function pathDirs(facts: EmulatorFacts): string[] {
  const path = facts.env['PATH'] ?? facts.env['Path'] ?? '';
  return path.split(facts.platform === 'win32' ? ';' : posixDelimiter).filter((dir) => dir !== '');
}

function missingMessage(platform: NodeJS.Platform, tooOld: readonly string[]): string {
  const min = MIN_PYTHON.join('.');
  const python =
    platform === 'darwin'
      ? 'brew install python'
      : platform === 'win32'
        ? 'winget install Python.Python.3.12'
        : 'sudo apt-get install python3 python3-venv on Debian 12 or Ubuntu 22.04 and newer, ' +
          'sudo dnf install python3 on Fedora; on older releases pyenv or `uv python install 3.12`';
  const found =
    tooOld.length === 0
      ? `No AWS emulator, and no Python ${min} or newer to set one up.`
      : `No AWS emulator to run: moto ${MOTO_VERSION} needs Python ${min} or newer; found ${tooOld.join(', ')}.`;
  return (
    `${found} Any one of these fixes it:\n` +
    `  - install Python ${min} or newer (${python}); the emulator is then set up once in the project's .cache folder\n` +
    `  - install moto yourself: pip install "${MOTO_REQUIREMENT}" (so that moto_server is on PATH)\n` +
    '  - start LocalStack and set AWS_ENDPOINT_URL=http://localhost:4566'
  );
}

/**
 * Whether the install whose marker file is `marker` is finished: the marker names
 * `requirement` (it is written last, after pip succeeded) and `command` can run.
 */
export function installFinished(
  files: Pick<EmulatorFacts, 'isExecutable' | 'readText'>,
  marker: string,
  command: string,
  requirement: string,
): boolean {
  return files.readText(marker)?.trim() === requirement && files.isExecutable(command);
}

/** This machine's files, as {@link EmulatorFacts} asks about them. */
export const LOCAL_FILES: Pick<EmulatorFacts, 'isExecutable' | 'readText'> = {
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

/** The real machine's facts, with the project-local install under `<projectDir>/.cache/moto`. */
export function machineFacts(env: Readonly<Record<string, string | undefined>>, projectDir: string): EmulatorFacts {
  return {
    env,
    platform: process.platform,
    cacheDir: join(projectDir, '.cache', 'moto'),
    ...LOCAL_FILES,
    pythonVersion,
  };
}

const PYTHON_VERSION_TIMEOUT_MS = 5000;

/** Asks the Python at `path` its version; undefined when it does not run or says something else. */
function pythonVersion(path: string): [number, number] | undefined {
  try {
    const out = execFileSync(path, ['-c', 'import sys; print(sys.version_info[0], sys.version_info[1])'], {
      encoding: 'utf8',
      timeout: PYTHON_VERSION_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    });
    // Python 3 prints "3 11"; Python 2 prints the tuple "(2, 7)".
    const match = /^\(?(\d+),? (\d+)\)?\s*$/.exec(out.trim());
    return match ? [Number(match[1]), Number(match[2])] : undefined;
  } catch {
    return undefined;
  }
}
