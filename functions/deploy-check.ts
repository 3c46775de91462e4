/**
 * Lambda entry point: the deploy check custom resource (LongRunningWorkflows'
 * `checkDeploy` prop). Built once per cold start with the workflows module the
 * construct bundles in (see workflows-module.d.ts); reads the table only.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deployedWorkflows } from '@longrunning/workflows';
import { DynamoDbExecutionStore, type ExecutionState } from '../lib/index.js';
import { makeDeployCheckHandler } from './deploy-check/deploy-check-handler.js';
import { EnvReader } from './shared/env.js';
import { asEngineLogger, powertoolsLogger } from './shared/logging.js';

const env = new EnvReader(process.env, 'deploy with the LongRunningWorkflows construct or export it');
const endpoint = env.optional('AWS_ENDPOINT_URL');
const client = DynamoDBDocumentClient.from(new DynamoDBClient(endpoint ? { endpoint } : {}));
// The table alone: a head's offloaded state stays a reference, which the check never reads.
const store = new DynamoDbExecutionStore({ client, tableName: env.required('TABLE_NAME') });

export const handler = makeDeployCheckHandler({
  workflows: deployedWorkflows(),
  list: (q) => store.list({ ...q, state: q.state as ExecutionState }),
  bundleHash: env.optional('DEPLOY_CHECK_BUNDLE_HASH'),
  logger: asEngineLogger(
    powertoolsLogger('deploy-check', env.oneOf('LOG_LEVEL', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const, 'INFO')),
  ),
});
