/**
 * longrunning/cdk: the serverless runtime as one CDK construct. Needs `aws-cdk-lib`,
 * `constructs` and `esbuild` (which bundles the functions locally, never in Docker)
 * installed in your project; the library itself (`longrunning`) never loads them.
 *
 * @example
 * import { LongRunningWorkflows } from 'longrunning/cdk';
 * const runtime = new LongRunningWorkflows(stack, 'Runtime', { workflowsModule: 'src/workflows.ts' });
 */
export { LongRunningWorkflows } from './longrunning-workflows.js';
export type {
  ApiThrottleOptions,
  JwtAuthorizerOptions,
  LongRunningWorkflowsProps,
  RuntimeSettings,
} from './longrunning-workflows-props.js';
export { Monitoring } from './monitoring.js';
export type { MonitoringProps } from './monitoring.js';
export { LongRunningStack } from './longrunning-stack.js';
export type { LongRunningStackProps } from './longrunning-stack.js';
