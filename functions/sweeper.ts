/**
 * Lambda entry point: the EventBridge-scheduled sweeper.
 * Built once per cold start from the environment, with the workflows module the
 * construct bundles in (see workflows-module.d.ts).
 */
import { defaultDeps } from './shared/deps.js';
import { deployedWorkflows } from '@longrunning/workflows';
import { emfMetrics } from './shared/metrics.js';
import { makeSweeper } from './sweeper/sweeper-handler.js';

const deps = defaultDeps('sweeper', process.env, deployedWorkflows());

export const handler = makeSweeper({
  runtime: deps.runtime,
  logger: deps.logger,
  metrics: emfMetrics('sweeper'),
  limit: deps.env.sweepLimit,
});
