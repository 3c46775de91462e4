import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The Lambda entries load the deployed workflows through this specifier, which the
    // CDK construct aliases at bundle time; the tests load the example workflows.
    alias: { '@longrunning/workflows': fileURLToPath(new URL('./examples/workflows.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Builds the project-local moto (.cache/moto) once before any test file, outside
    // the hook timeout a first-time pip install can exceed.
    globalSetup: ['test/support/provision-emulator.ts'],
    pool: 'forks',
    // The pinned SDK supports Node 20; its notice about future releases is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
