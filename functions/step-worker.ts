/**
 * Lambda entry point: the SQS step worker.
 * Built once per cold start from the environment, with the workflows module the
 * construct bundles in (see workflows-module.d.ts).
 */
import { loadCallbackSecrets } from './shared/callback-secrets.js';
import { defaultDeps } from './shared/deps.js';
import { deployedWorkflows } from '@longrunning/workflows';
import { emfMetrics } from './shared/metrics.js';
import { makeStepWorker } from './worker/step-worker-handler.js';

const deps = defaultDeps('step-worker', process.env, deployedWorkflows(), {
  callbackSecrets: await loadCallbackSecrets(process.env),
});

export const handler = makeStepWorker({
  runtime: deps.runtime,
  logger: deps.logger,
  metrics: emfMetrics('step-worker'),
});
