/**
 * One chaos worker process: the real step worker (makeStepWorker over the DynamoDB
 * store, with large states kept in the run's S3 bucket, and the SQS queue, wired as
 * functions/shared/deps.ts wires them) fed by an SqsPoller from the real queue, as
 * Lambda's event source mapping feeds it. Faults are injected by SDK middleware on
 * its DynamoDB and SQS clients (not on the poller's, which stands in for the AWS-side
 * event source, nor on the S3 client of the large states), by the chaos steps, and
 * by crashes at protocol points. Everything it does is printed as JSON lines.
 *
 * Run by the driver: `node --import tsx test/chaos/worker-process.ts` with CHAOS_WORKER set.
 * Stdin line `calm` turns faults off; SIGTERM stops polling and exits.
 */
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { noMetrics } from '../../functions/shared/metrics.js';
import { makeStepWorker } from '../../functions/worker/step-worker-handler.js';
import {
  DynamoDbExecutionStore,
  LargeStateExecutionStore,
  S3StateObjects,
  SqsStepQueue,
  WorkflowRegistry,
  type Logger,
} from '../../lib/index.js';
import { SqsPoller } from '../../lib/local/sqs-poller.js';
import { emulatorClientConfig } from '../support/aws-resources.js';
import { chaosWorkflow, type StepHooks } from './chaos-workflow.js';
import { installFaults, installPhaseTracer, type FaultSwitch } from './fault-middleware.js';
import { decideStepFault } from './fault-plan.js';
import { chance, deriveSeed, randomInt, seededRandom } from './rng.js';
import type { TraceLine } from './trace-lines.js';
import {
  CHAOS_MAX_STATE_BYTES,
  CHAOS_TIMING,
  pollingFor,
  WORKER_CONFIG_ENV,
  workerLabel,
  type WorkerConfig,
} from './worker-config.js';

/** A trace line before the writer stamps its time and name. */
type Line = TraceLine extends infer L ? (L extends TraceLine ? Omit<L, 't' | 'w'> : never) : never;

const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? 'null') as WorkerConfig | null;
if (config === null) throw new Error(`${WORKER_CONFIG_ENV} is not set: this process is started by the chaos driver`);
const w = workerLabel(config.index, config.generation);
const emit = (line: Line): void => {
  process.stdout.write(`${JSON.stringify({ ...line, t: Date.now(), w })}\n`);
};
const switchboard: FaultSwitch = { active: !config.calm };
const random = seededRandom(deriveSeed(config.seed, config.index, config.generation));

const sdk = { ...emulatorClientConfig(config.dynamoEndpoint), maxAttempts: config.sdkMaxAttempts };
const dynamodb = new DynamoDBClient(sdk);
const sqs = new SQSClient({ ...emulatorClientConfig(config.sqsEndpoint), maxAttempts: config.sdkMaxAttempts });
const injection = { random, rates: config.rates, mode: config.faultLayer, slowMs: config.slowMs, switch: switchboard };
for (const [client, service] of [
  [dynamodb, 'dynamodb'],
  [sqs, 'sqs'],
] as const) {
  installPhaseTracer(client, {
    phase: (op, id, ph) => emit({ k: 'req', op, id, ph }),
    crashPoint: (point, id) => {
      if (!switchboard.active || !chance(random, config.rates.crash)) return;
      emit({ k: 'crash', point, ...(id ? { id } : {}) });
      process.kill(process.pid, 'SIGKILL');
    },
  });
  installFaults(client, {
    ...injection,
    service,
    report: ({ id, ...fault }) => emit({ k: 'fault', ...fault, ...(id ? { id } : {}) }),
  });
}

const hooks: StepHooks = {
  fault: (ctx, step) => {
    if (!switchboard.active) return undefined;
    const kind = decideStepFault(random, config.rates);
    if (kind) emit({ k: 'step-fault', id: ctx.executionId, step, attempt: ctx.attempt, kind });
    return kind;
  },
  workMs: () => randomInt(random, CHAOS_TIMING.workMs.min, CHAOS_TIMING.workMs.max),
};
// The same steps, one workflow without and one with chainSteps (the plan picks per execution).
const workflow = chaosWorkflow(config.steps, hooks, CHAOS_TIMING.hangMs);
const chainedWorkflow = chaosWorkflow(config.steps, hooks, CHAOS_TIMING.hangMs, true);

const logger: Logger = {
  debug: () => undefined,
  info: (msg, fields = {}) => {
    const { executionId, step, status, chained } = fields;
    if (msg === 'step message processed' && typeof executionId === 'string')
      emit({
        k: 'out',
        id: executionId,
        step: Number(step),
        status: String(status),
        ...(typeof chained === 'number' ? { chained } : {}),
      });
  },
  warn: (msg, fields = {}) => emit({ k: 'log', level: 'warn', msg, ...errorField(fields) }),
  error: (msg, fields = {}) => emit({ k: 'log', level: 'error', msg, ...errorField(fields) }),
};

const documentClient = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
const workflows = new WorkflowRegistry().register(workflow).register(chainedWorkflow);
// Large states go to the run's bucket through a client without faults (one for every shard).
const stateObjects = new S3StateObjects({
  bucket: config.stateBucket,
  clientConfig: { ...emulatorClientConfig(config.s3Endpoint), forcePathStyle: true },
});
// The pollers' own client is the event source mapping's: AWS's side, left without faults.
const pollerClient = new SQSClient(emulatorClientConfig(config.sqsEndpoint));
// One step worker and one poller per shard, as if each shard were its own deployment.
const pollers = config.shards.map((shard) => {
  const handler = makeStepWorker({
    runtime: {
      store: new LargeStateExecutionStore(
        new DynamoDbExecutionStore({ client: documentClient, tableName: shard.tableName }),
        { objects: stateObjects, maxStateBytes: CHAOS_MAX_STATE_BYTES },
      ),
      queue: new SqsStepQueue({ client: sqs, queueUrl: shard.queueUrl }),
      workflows,
      logger,
      onEvent: (event) => {
        const at = event.timestamp.getTime();
        const error = event.error ? { error: event.error.message.slice(0, 200) } : {};
        emit({ k: 'ev', id: event.execId, type: event.type, step: event.step, at, ...error });
      },
      leaseMs: CHAOS_TIMING.leaseMs,
      heartbeatMs: CHAOS_TIMING.heartbeatMs,
      stallAfterMs: CHAOS_TIMING.stallAfterMs,
      maxRetries: CHAOS_TIMING.maxRetries,
      retryBaseDelayMs: CHAOS_TIMING.retryBaseDelayMs,
      retryMaxDelayMs: CHAOS_TIMING.retryMaxDelayMs,
      deadlineBufferMs: CHAOS_TIMING.deadlineBufferMs,
      chainMinRemainingMs: CHAOS_TIMING.chainMinRemainingMs,
    },
    logger,
    metrics: noMetrics,
  });
  return new SqsPoller({
    client: pollerClient,
    queueUrl: shard.queueUrl,
    handler: (event, context) => {
      for (const record of event.Records) {
        const body = stepOf(record.body);
        if (body) emit({ k: 'recv', ...body });
      }
      return handler(event, context);
    },
    ...pollingFor(config.shards.length),
    waitTimeSeconds: CHAOS_TIMING.pollWaitSeconds,
    functionTimeoutMs: CHAOS_TIMING.functionTimeoutMs,
    logger,
  });
});
for (const poller of pollers) poller.start();
emit({ k: 'ready', pid: process.pid });

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'calm') switchboard.active = false;
  })
  // The driver is gone (its end of the pipe closed): stop at once, like a killed worker.
  .on('close', () => process.exit(1));
process.once('SIGTERM', () => {
  void Promise.allSettled(pollers.map((p) => p.stop())).finally(() => process.exit(0));
});

function errorField(fields: Record<string, unknown>): { error?: string } {
  const error = fields['error'] ?? fields['reason'];
  if (error === undefined) return {};
  return { error: error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error) };
}

function stepOf(body: string): { id: string; step: number } | undefined {
  try {
    const { executionId, step } = JSON.parse(body) as { executionId?: unknown; step?: unknown };
    return typeof executionId === 'string' && typeof step === 'number' ? { id: executionId, step } : undefined;
  } catch {
    return undefined;
  }
}
