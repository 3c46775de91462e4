import { LongRunningError } from '../../lib/core/errors.js';
import { type Emulator, emulatorSdkConfig, startEmulator as start } from '../../lib/local/moto-server.js';
import { EMULATOR_SETUP_FAILED } from '../../lib/local/moto-venv.js';
import { EMULATOR_SETUP_ERROR_ENV } from './provision-emulator.js';

export type { Emulator };

/**
 * The AWS tests' emulator: the starter `npm run dev` uses (moto_server on a free
 * loopback port, or AWS_ENDPOINT_URL as is), with dummy credentials and us-east-1
 * in the environment so that no test can reach a real account. When the test run's
 * global setup (provision-emulator.ts) failed to build the emulator, this fails with
 * its message instead of trying again in every test file.
 */
export async function startEmulator(): Promise<Emulator> {
  const setupError = process.env[EMULATOR_SETUP_ERROR_ENV];
  if (setupError) throw new LongRunningError(EMULATOR_SETUP_FAILED, setupError);
  const emulator = await start(process.env);
  emulatorSdkConfig(emulator, process.env);
  return emulator;
}
