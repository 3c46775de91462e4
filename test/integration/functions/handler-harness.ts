import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { makeApiHandler } from '../../../functions/http/api-handler.js';
import { afterAll, beforeAll } from 'vitest';
import { apiEvent, bodyOf } from '../../support/api-events.js';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import { SqsPoller } from '../../../lib/local/sqs-poller.js';
import { type AwsResources, createResources, emulatorClientConfig } from '../../support/aws-resources.js';
import { type Emulator, startEmulator } from '../../support/emulator.js';

/** The handlers' environment for one test file's emulator resources. */
export function handlerEnv(
  res: AwsResources,
  endpoint: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    TABLE_NAME: res.tableName,
    QUEUE_URL: res.queueUrl,
    STATE_BUCKET: res.stateBucket,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LOG_LEVEL: 'ERROR',
    RETRY_BASE_DELAY_SECONDS: '0',
    RETRY_MAX_DELAY_SECONDS: '0',
    MAX_RETRIES: '1',
    STALL_AFTER_SECONDS: '30',
    AGENT_STEP_MS: '1',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...extra,
  };
}

/** An emulator, its resources and the handlers' environment applied to process.env. */
export interface HandlerWorld {
  emulator: Emulator;
  res: AwsResources;
  env: Record<string, string>;
  dispose: () => Promise<void>;
}

/**
 * Starts (or reuses) the emulator, creates this file's table, queues and callback
 * secret (as the construct does), and exports the handlers' env.
 */
export async function handlerWorld(extra: Record<string, string> = {}): Promise<HandlerWorld> {
  const emulator = await startEmulator();
  const res = await createResources(emulator.endpoint);
  const secrets = new SecretsManagerClient(emulatorClientConfig(emulator.endpoint));
  const { ARN } = await secrets.send(
    new CreateSecretCommand({
      Name: `longrunning-test-${randomBytes(6).toString('hex')}-callbacks`,
      SecretString: randomBytes(32).toString('base64url'),
    }),
  );
  const env = handlerEnv(res, emulator.endpoint, { CALLBACK_SECRET_ARN: ARN ?? '', ...extra });
  Object.assign(process.env, env);
  return {
    emulator,
    res,
    env,
    dispose: async () => {
      await secrets.send(new DeleteSecretCommand({ SecretId: ARN, ForceDeleteWithoutRecovery: true }));
      secrets.destroy();
      await res.dispose();
      await emulator.stop();
    },
  };
}

type Worker = (
  event: SQSEvent,
  context: { getRemainingTimeInMillis: () => number; awsRequestId: string },
) => Promise<SQSBatchResponse>;

/**
 * Feeds the real queue's messages to `worker` as SQS events until a poll finds
 * nothing (or `maxPolls`), like the event source mapping; failed records are made
 * visible again at once. Returns how many messages were received.
 */
export async function pump(res: AwsResources, worker: Worker, maxPolls = 50): Promise<number> {
  const poller = new SqsPoller({
    client: res.sqs,
    queueUrl: res.queueUrl,
    handler: worker,
    waitTimeSeconds: 0,
    failureVisibilitySeconds: 0,
  });
  let total = 0;
  for (let i = 0; i < maxPolls; i++) {
    const r = await poller.pollOnce();
    total += r.received;
    if (r.received === 0) return total;
  }
  return total;
}

/** Every item in the table, sorted, as JSON: to prove bad input changed nothing. */
export async function tableContents(res: AwsResources): Promise<string> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await res.documentClient.send(
      new ScanCommand({ TableName: res.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return JSON.stringify(items.map((i) => JSON.stringify(i)).sort());
}

/** The deployed entry points over one file's emulator world, and a JSON call of the API. */
export interface DeployedHandlers {
  world: HandlerWorld;
  api: ApiHandler;
  worker: Worker;
  /** Calls the API with a JSON body; the status and the parsed body. */
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Record<string, unknown> }>;
}

type ApiHandler = ReturnType<typeof makeApiHandler>;

/** The Lambda context the tests pass: a minute left. */
export const TEST_CONTEXT = { awsRequestId: 'test', getRemainingTimeInMillis: () => 60_000 };

/**
 * Registers beforeAll/afterAll hooks that build this file's world and import the
 * deployed entry points (built at import from the environment, as on Lambda).
 */
export function useDeployedHandlers(): () => DeployedHandlers {
  let handlers: DeployedHandlers | undefined;
  beforeAll(async () => {
    const world = await handlerWorld();
    const api = (await import('../../../functions/api.js')).handler;
    const worker = (await import('../../../functions/step-worker.js')).handler;
    const call = async (method: string, path: string, body?: unknown) => {
      const event = apiEvent(method, path, body === undefined ? {} : { body: body as object });
      const result = await api(event, TEST_CONTEXT);
      return { status: result.statusCode ?? 0, body: bodyOf(result) };
    };
    handlers = { world, api, worker, call };
  });
  afterAll(async () => handlers?.world.dispose());
  return () => {
    if (!handlers) throw new Error('useDeployedHandlers: the world is built in beforeAll');
    return handlers;
  };
}
