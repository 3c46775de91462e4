import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  ControlPlane,
  DynamoDbExecutionStore,
  DynamoDbJobStore,
  DynamoDbLimiter,
  LargeStateExecutionStore,
  type Logger,
  S3StateObjects,
  DEFAULT_STATE_PREFIX,
  type StoredStateRef,
  type RuntimeDeps,
  SqsStepQueue,
  type WorkflowRegistry,
} from '../../lib/index.js';
import { type HandlerEnv, readHandlerEnv } from './env.js';
import { STATE_LINK_SECONDS, type StateLinker } from '../http/state-links.js';
import { bucketUploads, type InputUploads } from '../http/uploads.js';
import { asEngineLogger, eventLogger, powertoolsLogger } from './logging.js';

/** Everything a handler module builds once, at cold start. */
export interface HandlerDeps {
  env: HandlerEnv;
  runtime: RuntimeDeps;
  control: ControlPlane;
  workflows: WorkflowRegistry;
  logger: Logger;
  /** Presigned links to offloaded states, for the API's views; absent without a state bucket. */
  stateLink?: StateLinker;
  /** Start inputs uploaded to the state bucket, for the API; absent without a state bucket. */
  uploads?: InputUploads;
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
  const table = new DynamoDbExecutionStore({ client: ddb, tableName: env.tableName });
  const objects =
    env.stateBucket === undefined
      ? undefined
      : new S3StateObjects({
          bucket: env.stateBucket,
          // An emulator serves buckets by path, not by host name.
          clientConfig: env.endpoint ? { endpoint: env.endpoint, forcePathStyle: true } : {},
        });
  const store = objects
    ? new LargeStateExecutionStore(table, {
        objects,
        thresholdBytes: env.largeStateThresholdBytes,
        maxStateBytes: env.maxStateBytes,
      })
    : table;
  const runtime: RuntimeDeps = {
    store,
    queue: new SqsStepQueue({ client: sqs, queueUrl: env.queueUrl }),
    jobs: new DynamoDbJobStore({ client: ddb, tableName: env.tableName }),
    limiter: new DynamoDbLimiter({ client: ddb, tableName: env.tableName }),
    workflows,
    logger,
    onEvent: eventLogger(logger, env.logState),
    leaseMs: env.leaseMs,
    maxRetries: env.maxRetries,
    retryBaseDelayMs: env.retryBaseDelayMs,
    retryMaxDelayMs: env.retryMaxDelayMs,
    throttleMaxDelaySeconds: env.throttleMaxDelaySeconds,
    stallAfterMs: env.stallAfterMs,
    heartbeatMs: Math.max(1, Math.floor(env.leaseMs / 3)),
    ...(options.callbackSecrets ? { callbackSecrets: options.callbackSecrets } : {}),
  };
  return {
    env,
    runtime,
    control: new ControlPlane(runtime),
    workflows,
    logger,
    ...(objects
      ? {
          // Only a state object gets a link: a reference naming any other key (an upload) is shown without one.
          stateLink: async (ref: StoredStateRef) =>
            ref.key.startsWith(DEFAULT_STATE_PREFIX) ? objects.url(ref.key, STATE_LINK_SECONDS) : undefined,
          uploads: bucketUploads(objects, {
            maxBytes: env.maxStateBytes,
            onDiscardError: (uploadId, error) =>
              logger.warn('could not delete a used input upload; the lifecycle rule will', {
                uploadId,
                error: error instanceof Error ? error.message : String(error),
              }),
          }),
        }
      : {}),
  };
}
