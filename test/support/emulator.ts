import { type Emulator, emulatorSdkConfig, startEmulator as start } from '../../lib/local/moto-server.js';

export type { Emulator };

/**
 * The AWS tests' emulator: the starter `npm run dev` uses (moto_server on a free
 * loopback port, or AWS_ENDPOINT_URL as is), with dummy credentials and us-east-1
 * in the environment so that no test can reach a real account.
 */
export async function startEmulator(): Promise<Emulator> {
  const emulator = await start(process.env);
  emulatorSdkConfig(emulator, process.env);
  return emulator;
}
