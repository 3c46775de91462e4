/**
 * longrunning/handlers: the factories behind the three Lambda functions, for your
 * own entry points or local runs (with longrunning/local's drivers). Each handler is
 * built from its dependencies (`makeStepWorker(deps)`), and `defaultDeps` wires them
 * over DynamoDB and SQS from the environment, as the deployed functions do.
 *
 * @example
 * import { defaultDeps, makeStepWorker, emfMetrics } from 'longrunning/handlers';
 * const deps = defaultDeps('step-worker', process.env, deployedWorkflows());
 * export const handler = makeStepWorker({ runtime: deps.runtime, logger: deps.logger, metrics: emfMetrics('step-worker') });
 */
export { makeApiHandler } from './http/api-handler.js';
export type { ApiDeps } from './http/api-handler.js';
export type { ApiResult } from './http/response.js';
export type { RouteDeps } from './http/routes.js';
export { makeStepWorker, WORKER_DEADLINE_BUFFER_MS } from './worker/step-worker-handler.js';
export type { StepWorkerDeps, WorkerContext } from './worker/step-worker-handler.js';
export { makeSweeper } from './sweeper/sweeper-handler.js';
export type { ScheduledTick, SweeperDeps } from './sweeper/sweeper-handler.js';
export { defaultDeps } from './shared/deps.js';
export type { HandlerDeps } from './shared/deps.js';
export { EnvReader, readHandlerEnv } from './shared/env.js';
export type { EnvSource, HandlerEnv } from './shared/env.js';
export { asEngineLogger, eventLogger, powertoolsLogger } from './shared/logging.js';
export { emfMetrics, MetricName, METRICS_NAMESPACE, noMetrics } from './shared/metrics.js';
export type { MetricsSink } from './shared/metrics.js';
