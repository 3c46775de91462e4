import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LongRunningError } from '../core/errors.js';
import { machineFacts, planEmulator } from './emulator-plan.js';
import { provisionMoto } from './moto-venv.js';

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

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions {
  /** The project whose `.cache/moto` holds the emulator set up here when needed (default: the working folder). */
  projectDir?: string;
  /** Where the set-up's progress lines go (default: standard error). */
  log?: (line: string) => void;
}

/**
 * The AWS emulator that `npm run dev` and the tests talk to, chosen by {@link planEmulator}.
 * When `AWS_ENDPOINT_URL` is set (LocalStack, or a moto server already running) it is used
 * as is and `stop` does nothing. Otherwise `moto_server` from PATH, or else from the
 * project-local install in `<projectDir>/.cache/moto` (built once with Python 3 when
 * missing), is started on a free 127.0.0.1 port and `stop` ends it.
 * Without any of those, this throws with how to fix it, so AWS tests never skip silently.
 */
export async function startEmulator(
  env: Readonly<Record<string, string | undefined>>,
  options: StartEmulatorOptions = {},
): Promise<Emulator> {
  const plan = planEmulator(machineFacts(env, options.projectDir ?? process.cwd()));
  if (plan.kind === 'endpoint') return { endpoint: plan.endpoint, started: false, stop: () => Promise.resolve() };
  if (plan.kind === 'missing') throw new LongRunningError('EMULATOR_MISSING', plan.message);
  const command =
    plan.kind === 'create'
      ? await provisionMoto(plan, options.log === undefined ? {} : { log: options.log })
      : plan.command;
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
