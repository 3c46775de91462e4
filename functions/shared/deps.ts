import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  ControlPlane,
  DynamoDbExecutionStore,
  type Logger,
  type RuntimeDeps,
  SqsStepQueue,
  type WorkflowRegistry,
} from '../../lib/index.js';
import { type HandlerEnv, readHandlerEnv } from './env.js';
import { asEngineLogger, eventLogger, powertoolsLogger } from './logging.js';

/** Everything a handler module builds once, at cold start. */
export interface HandlerDeps {
  env: HandlerEnv;
  runtime: RuntimeDeps;
  control: ControlPlane;
  workflows: WorkflowRegistry;
  logger: Logger;
}

/**
 * Reads the environment (failing fast on a missing or bad variable), creates the
 * AWS clients once, and wires the runtime over DynamoDB and SQS with `workflows`
 * and the callback secrets (see loadCallbackSecrets).
 */
export function defaultDeps(
  service: string,
  source: Readonly<Record<string, string | undefined>>,
  workflows: WorkflowRegistry,
  options: { callbackSecrets?: readonly string[] } = {},
): HandlerDeps {
  const env = readHandlerEnv(source);
  const logger = asEngineLogger(powertoolsLogger(service, env.logLevel));
  const endpoint = env.endpoint ? { endpoint: env.endpoint } : {};
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(endpoint), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient(endpoint);
  const runtime: RuntimeDeps = {
    store: new DynamoDbExecutionStore({ client: ddb, tableName: env.tableName }),
    queue: new SqsStepQueue({ client: sqs, queueUrl: env.queueUrl }),
    workflows,
    logger,
    onEvent: eventLogger(logger, env.logState),
    leaseMs: env.leaseMs,
    maxRetries: env.maxRetries,
    retryBaseDelayMs: env.retryBaseDelayMs,
    retryMaxDelayMs: env.retryMaxDelayMs,
    stallAfterMs: env.stallAfterMs,
    heartbeatMs: Math.max(1, Math.floor(env.leaseMs / 3)),
    ...(options.callbackSecrets ? { callbackSecrets: options.callbackSecrets } : {}),
  };
  return { env, runtime, control: new ControlPlane(runtime), workflows, logger };
}
