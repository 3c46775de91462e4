/**
 * functions/sweeper.ts with the workflows of the `workflowsModule` the construct was
 * given (see workflows-module.d.ts). Keep the wiring in step with that file.
 */
import { deployedWorkflows } from '@longrunning/workflows';
import { defaultDeps } from '../../functions/shared/deps.js';
import { powertoolsMetrics } from '../../functions/shared/metrics.js';
import { makeSweeper } from '../../functions/sweeper/sweeper-handler.js';

const deps = defaultDeps('sweeper', process.env, deployedWorkflows());

export const handler = makeSweeper({
  runtime: deps.runtime,
  logger: deps.logger,
  metrics: powertoolsMetrics('sweeper'),
  limit: deps.env.sweepLimit,
});
