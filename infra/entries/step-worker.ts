/**
 * functions/step-worker.ts with the workflows of the `workflowsModule` the construct was
 * given (see workflows-module.d.ts). Keep the wiring in step with that file.
 */
import { deployedWorkflows } from '@longrunning/workflows';
import { defaultDeps } from '../../functions/shared/deps.js';
import { powertoolsMetrics } from '../../functions/shared/metrics.js';
import { makeStepWorker } from '../../functions/worker/step-worker-handler.js';

const deps = defaultDeps('step-worker', process.env, deployedWorkflows());

export const handler = makeStepWorker({
  runtime: deps.runtime,
  logger: deps.logger,
  metrics: powertoolsMetrics('step-worker'),
});
