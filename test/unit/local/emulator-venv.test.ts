import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_MARKER_FILE, MOTO_REQUIREMENT } from '../../../lib/local/emulator-plan.js';
import { startEmulator, type Emulator } from '../../../lib/local/moto-server.js';

// A fake python3 on PATH: `-m venv DIR` makes DIR/bin/python (a copy of itself), and
// `-m pip install` puts a moto_server beside it that starts a tiny HTTP server on the
// given -H/-p; `-c` (the version probe) prints 3.12. Every other call is appended to calls.log, so the test can count pip runs.
let dir: string;
let fakeBin: string;
let callsLog: string;
let projectDir: string;

const SERVER = `
import { createServer } from 'node:http';
const arg = (flag) => process.argv[process.argv.indexOf(flag) + 1];
createServer((_req, res) => res.end('fake moto')).listen(Number(arg('-p')), arg('-H'));
process.on('SIGTERM', () => process.exit(0));
`;

function fakePython(serverFile: string): string {
  return [
    '#!/bin/sh',
    'if [ "$1" = "-c" ]; then echo "3 12"; exit 0; fi',
    `echo "$*" >> '${callsLog}'`,
    'if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; exit $?; fi',
    'if [ "$1 $2 $3" = "-m pip install" ]; then',
    '  sleep 0.3',
    '  bin=$(dirname "$0")',
    `  printf '#!/bin/sh\\nexec "%s" "%s" "$@"\\n' '${process.execPath}' '${serverFile}' > "$bin/moto_server"`,
    '  chmod +x "$bin/moto_server"; exit 0',
    'fi',
    'echo "fake python3: unexpected $*" >&2; exit 2',
    '',
  ].join('\n');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-venv-'));
  fakeBin = join(dir, 'bin');
  callsLog = join(dir, 'calls.log');
  projectDir = join(dir, 'project');
  mkdirSync(fakeBin);
  mkdirSync(projectDir);
  writeFileSync(join(dir, 'fake-moto.mjs'), SERVER);
  writeFileSync(join(fakeBin, 'python3'), fakePython(join(dir, 'fake-moto.mjs')));
  chmodSync(join(fakeBin, 'python3'), 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a fake python3 first, then only system folders, which hold no moto_server. */
const env = () => ({ PATH: `${fakeBin}:/usr/bin:/bin` });
const calls = () => (existsSync(callsLog) ? readFileSync(callsLog, 'utf8').trim().split('\n') : []);
const pipRuns = () => calls().filter((line) => line.startsWith('-m pip install')).length;

async function answers(emulator: Emulator): Promise<string> {
  const res = await fetch(emulator.endpoint);
  return res.text();
}

describe('startEmulator without moto on PATH', () => {
  it('has no moto_server in the system folders the test keeps on PATH', () => {
    expect(existsSync('/usr/bin/moto_server') || existsSync('/bin/moto_server')).toBe(false);
  });

  it('sets up moto once in .cache/moto when two starts race, and starts it from there', async () => {
    const lines: string[] = [];
    const options = { projectDir, log: (line: string) => lines.push(line) };
    const emulators = await Promise.all([startEmulator(env(), options), startEmulator(env(), options)]);
    try {
      expect(await Promise.all(emulators.map(answers))).toEqual(['fake moto', 'fake moto']);
      expect(emulators.every((emulator) => emulator.started)).toBe(true);
    } finally {
      await Promise.all(emulators.map((emulator) => emulator.stop()));
    }
    expect(pipRuns()).toBe(1);
    expect(calls()).toContain(`-m venv ${join(projectDir, '.cache', 'moto')}`);
    expect(calls()).toContain(`-m pip install --disable-pip-version-check -q ${MOTO_REQUIREMENT}`);
    expect(readFileSync(join(projectDir, '.cache', 'moto', MOTO_MARKER_FILE), 'utf8').trim()).toBe(MOTO_REQUIREMENT);
    expect(lines.filter((line) => line.startsWith('setting up the AWS emulator once'))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('waiting for another process'))).toHaveLength(1);
  });

  it('prefers a moto_server on PATH and builds nothing', async () => {
    const onPath = join(dir, 'on-path');
    const project = join(dir, 'other-project');
    mkdirSync(onPath);
    mkdirSync(project);
    writeFileSync(
      join(onPath, 'moto_server'),
      `#!/bin/sh\nexec '${process.execPath}' '${join(dir, 'fake-moto.mjs')}' "$@"\n`,
    );
    chmodSync(join(onPath, 'moto_server'), 0o755);
    const before = calls().length;
    const emulator = await startEmulator({ PATH: `${onPath}:${fakeBin}:/usr/bin:/bin` }, { projectDir: project });
    try {
      expect(await answers(emulator)).toBe('fake moto');
    } finally {
      await emulator.stop();
    }
    expect(calls()).toHaveLength(before);
    expect(existsSync(join(project, '.cache'))).toBe(false);
  });

  it('reuses the finished install without running python or pip again', async () => {
    const before = calls().length;
    const lines: string[] = [];
    const emulator = await startEmulator(env(), { projectDir, log: (line) => lines.push(line) });
    try {
      expect(await answers(emulator)).toBe('fake moto');
    } finally {
      await emulator.stop();
    }
    expect(calls()).toHaveLength(before);
    expect(lines).toEqual([]);
  });
});
