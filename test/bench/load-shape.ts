/**
 * The shape `npm run dev` runs, built in this process for the load run: the
 * emulator (started as `npm run dev` starts it, or AWS_ENDPOINT_URL), the table and
 * queues, the API handler behind the HTTP bridge on a free loopback port, the SQS
 * poller feeding the step worker, and the sweeper timer. Every hook reports to the
 * {@link LoadRecorder}.
 */
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ControlPlane, type RuntimeDeps, type WorkflowRegistry } from '../../lib/index.js';
import {
  type BatchHandler,
  type Emulator,
  emulatorSdkConfig,
  ensureResources,
  serveApi,
  SqsPoller,
  startEmulator,
  startSweeperTimer,
} from '../../lib/local/index.js';
import { defaultDeps, makeApiHandler, makeStepWorker, makeSweeper, noMetrics } from '../../functions/index.js';
import type { LoadRecorder } from './load-recorder.js';

/** The sweeper's interval, as in `npm run dev`. */
const SWEEP_INTERVAL_MS = 15_000;

/** Long-poll wait of each poller loop, as in `npm run dev`. */
const POLL_WAIT_SECONDS = 5;

/** The running shape and how to take it down. */
export interface LoadShape {
  apiUrl: string;
  emulator: Emulator;
  tableName: string;
  /** Stops the poller (letting batches in flight finish), the sweeper and the server; removes the run's resources. */
  stop: () => Promise<void>;
}

/** Starts the shape with `concurrency` poller loops serving `workflows`. */
export async function startLoadShape(options: {
  env: NodeJS.ProcessEnv;
  concurrency: number;
  workflows: WorkflowRegistry;
  recorder: LoadRecorder;
}): Promise<LoadShape> {
  const { env, recorder } = options;
  const logger = recorder.logger;
  const emulator = await startEmulator(env);
  // If anything below fails, stop the moto_server started here rather than orphan it.
  process.once('exit', () => void emulator.stop());
  const config = emulatorSdkConfig(emulator, env);
  const dynamodb = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  // One table and queue per run, so a reused emulator never mixes runs; removed at the end.
  const suffix = randomBytes(4).toString('hex');
  const res = await ensureResources(
    { dynamodb, sqs },
    { table: `longrunning-load-${suffix}`, queue: `longrunning-load-${suffix}-steps` },
  );
  const deps = defaultDeps(
    'load',
    {
      STALL_AFTER_SECONDS: '30',
      ...env,
      TABLE_NAME: res.tableName,
      QUEUE_URL: res.queueUrl,
      AWS_ENDPOINT_URL: emulator.endpoint,
    },
    options.workflows,
  );
  const runtime: RuntimeDeps = { ...deps.runtime, logger, onEvent: recorder.onEvent };

  const api = makeApiHandler({ control: new ControlPlane(runtime), workflows: options.workflows, logger });
  const server = await serveApi(api, { port: 0, logger });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the API bridge has no port');

  const worker = makeStepWorker({ runtime, logger, metrics: noMetrics });
  const handler: BatchHandler = (event, context) => {
    recorder.received(
      event.Records.map((r) => ({
        messageId: r.messageId,
        body: r.body,
        sentTimestamp: Number(r.attributes.SentTimestamp),
      })),
    );
    return worker(event, context);
  };
  const poller = new SqsPoller({
    client: sqs,
    queueUrl: res.queueUrl,
    handler,
    concurrency: options.concurrency,
    waitTimeSeconds: POLL_WAIT_SECONDS,
    logger,
  });
  poller.start();
  const sweep = makeSweeper({ runtime, logger, metrics: noMetrics, limit: deps.env.sweepLimit });
  const sweeper = startSweeperTimer(
    async (tick) => {
      const result = await sweep(tick);
      for (let i = 0; i < result.reenqueued; i++) recorder.error('sweeper re-enqueued a stalled execution');
      return result;
    },
    { intervalMs: SWEEP_INTERVAL_MS, logger },
  );

  return {
    apiUrl: `http://127.0.0.1:${address.port}`,
    emulator,
    tableName: res.tableName,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([closed, poller.stop(), sweeper.stop()]);
      if (!emulator.started) {
        await dynamodb.send(new DeleteTableCommand({ TableName: res.tableName }));
        await sqs.send(new DeleteQueueCommand({ QueueUrl: res.queueUrl }));
        await sqs.send(new DeleteQueueCommand({ QueueUrl: res.deadLetterQueueUrl }));
      }
      await emulator.stop();
    },
  };
}
