import { afterAll, beforeAll } from 'vitest';
import { createResources, type AwsResources } from '../../support/aws-resources.js';
import { startEmulator, type Emulator } from '../../support/emulator.js';

/**
 * Starts the emulator and creates this file's table and queues before its tests,
 * and removes them after. Read `aws()` inside tests (it throws before setup).
 */
export function useAwsResources(): () => AwsResources {
  let emulator: Emulator | undefined;
  let resources: AwsResources | undefined;
  beforeAll(async () => {
    emulator = await startEmulator();
    resources = await createResources(emulator.endpoint);
  });
  afterAll(async () => {
    await resources?.dispose();
    await emulator?.stop();
  });
  return () => {
    if (!resources) throw new Error('AWS resources are not set up yet');
    return resources;
  };
}
