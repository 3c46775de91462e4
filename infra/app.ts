/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`; see cdk.json): the LongRunning stack
 * with the example workflows, checked by cdk-nag's AwsSolutions rules on every synth.
 * cdk-nag 3 is a CDK validation plugin: an unacknowledged finding fails the synth.
 *
 * Context (`-c key=value`):
 * - `longrunning:stackName`: the stack name (default `LongRunning`), to deploy more than one copy;
 * - `longrunning:emulatorCompat=true`: deploy to moto server (see LongRunningWorkflowsProps.emulatorCompat);
 * - `longrunning:checkDeploy=true`: add the deploy check (see LongRunningWorkflowsProps.checkDeploy).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LongRunningStack } from './longrunning-stack.js';

const app = new App();
const stackName = String(app.node.tryGetContext('longrunning:stackName') ?? 'LongRunning');
const emulatorCompat = String(app.node.tryGetContext('longrunning:emulatorCompat') ?? 'false') === 'true';
const checkDeploy = String(app.node.tryGetContext('longrunning:checkDeploy') ?? 'false') === 'true';
// Environment-agnostic: the same template for every account and region (`cdk deploy` picks them from the credentials).
new LongRunningStack(app, stackName, {
  description: 'Durable long-running executions: DynamoDB, SQS, Lambda, EventBridge and an HTTP API',
  workflows: { environment: { AGENT_STEP_MS: process.env['AGENT_STEP_MS'] ?? '2000' }, emulatorCompat, checkDeploy },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
