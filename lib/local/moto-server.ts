import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A running AWS emulator (moto server started here, or the one AWS_ENDPOINT_URL names). */
export interface Emulator {
  endpoint: string;
  /** True when moto_server was started here (and `stop` ends it). */
  started: boolean;
  /** The process id of the moto_server started here (to read its resource use); undefined otherwise. */
  pid?: number | undefined;
  stop: () => Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/**
 * The AWS emulator that `npm run dev` and the tests talk to. When `AWS_ENDPOINT_URL` is set (LocalStack,
 * or a moto server already running) it is used as is and `stop` does nothing.
 * Otherwise `moto_server` is started on a free 127.0.0.1 port and `stop` ends it.
 * Without either, this throws with how to fix it, so AWS tests never skip silently.
 */
export async function startEmulator(env: Readonly<Record<string, string | undefined>>): Promise<Emulator> {
  const given = env['AWS_ENDPOINT_URL'];
  if (given) return { endpoint: given, started: false, stop: () => Promise.resolve() };
  const command = findOnPath('moto_server', env['PATH'] ?? '');
  if (command === undefined) {
    throw new Error(
      'No AWS emulator: install moto (pip install "moto[server]") so that moto_server is on PATH, ' +
        'or start LocalStack and set AWS_ENDPOINT_URL=http://localhost:4566',
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  try {
    await waitUntilUp(endpoint, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { endpoint, started: true, pid: child.pid, stop: () => stopChild(child) };
}

function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}: ${stderr()}`);
    try {
      const res = await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms: ${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * The SDK client settings for talking to `emulator`: fills in `us-east-1` and dummy
 * credentials in `env` where none are set (the SDK needs both even against an
 * emulator; dummies can never reach a real account), and returns the endpoint and region.
 */
export function emulatorSdkConfig(
  emulator: Pick<Emulator, 'endpoint'>,
  env: Record<string, string | undefined>,
): { endpoint: string; region: string } {
  env['AWS_REGION'] ??= 'us-east-1';
  env['AWS_ACCESS_KEY_ID'] ??= 'test';
  env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
  return { endpoint: emulator.endpoint, region: env['AWS_REGION'] };
}
