import { machineFacts, planEmulator } from '../../lib/local/emulator-plan.js';
import { provisionMoto, type ProvisionOptions } from '../../lib/local/moto-venv.js';
import { REPO_ROOT } from './repo-root.js';

/** Set for the test files when the set-up here failed, to its message (so that they do not try again). */
export const EMULATOR_SETUP_ERROR_ENV = 'LONGRUNNING_EMULATOR_SETUP_ERROR';

/**
 * Builds the project-local emulator once, before any test file starts, when the plan
 * is `create`: a pip install of moto can outlast a `beforeAll`'s hook timeout, and a
 * global setup has none. Any other plan needs nothing here (`missing` is reported by
 * each AWS suite, as `startEmulator` throws it). A failed set-up is printed and kept in
 * {@link EMULATOR_SETUP_ERROR_ENV} for the AWS suites to fail with; the other suites run.
 */
export async function provisionBeforeTests(
  env: Record<string, string | undefined>,
  projectDir: string,
  options: ProvisionOptions = {},
): Promise<void> {
  delete env[EMULATOR_SETUP_ERROR_ENV];
  const plan = planEmulator(machineFacts(env, projectDir));
  if (plan.kind !== 'create') return;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  try {
    await provisionMoto(plan, { ...options, log });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`the AWS suites will fail: ${message}`);
    env[EMULATOR_SETUP_ERROR_ENV] = message;
  }
}

/** Vitest's `globalSetup` entry (vitest.config.ts). */
export default async function setup(): Promise<void> {
  await provisionBeforeTests(process.env, REPO_ROOT);
}
