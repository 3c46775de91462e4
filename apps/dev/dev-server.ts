/**
 * `npm run dev`: the deployed shape on one machine. The three handlers run in this
 * process against DynamoDB and SQS at an endpoint (AWS_ENDPOINT_URL, for example
 * LocalStack, or a moto_server started here): an HTTP server stands in for API
 * Gateway, a poller for the SQS event source mapping, a timer for the schedule.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import type { ExecutionEvent, Logger } from '../../lib/index.js';
import {
  emulatorSdkConfig,
  ensureResources,
  serveApi,
  SqsPoller,
  startEmulator,
  startSweeperTimer,
} from '../../lib/local/index.js';
import {
  defaultDeps,
  EnvReader,
  makeApiHandler,
  makeStepWorker,
  makeSweeper,
  noMetrics,
} from '../../functions/index.js';
import { deployedWorkflows } from '../../examples/workflows.js';
import { buildConsole } from '../console/build.js';
import { consoleRoutes } from './console-routes.js';

const env = process.env;
// The pinned SDK supports Node 20; its notice about releases after January 2027 is noise here.
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const time = (): string => new Date().toISOString().slice(11, 19);
const say = (line: string): boolean => process.stdout.write(`${time()} ${line}\n`);

/** Readable lines for a terminal: warnings and errors always, info with LOG_LEVEL=DEBUG. */
function consoleLogger(verbose: boolean): Logger {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void say(`${level} ${message}${fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}`);
  return {
    debug: verbose ? line('debug') : () => undefined,
    info: verbose ? line('info') : () => undefined,
    warn: line('warn'),
    error: line('error'),
  };
}

/** One readable line per step transition. */
function describe(event: ExecutionEvent): string {
  const err = event.error ? `: ${event.error.message}` : '';
  return `${event.execId} step ${event.step} ${event.type.replace(/_/g, ' ')}${err}`;
}

/** Where the dev server builds the console at start (ignored by git). */
const CONSOLE_DIR = fileURLToPath(new URL('../../.cache/console/', import.meta.url));

async function main(): Promise<void> {
  const settings = new EnvReader(env);
  const port = settings.whole('PORT', 3000, 0, 65_535);
  const concurrency = settings.whole('DEV_CONCURRENCY', 4, 1, 64);
  const sweepSeconds = settings.whole('DEV_SWEEP_SECONDS', 15, 1, 3_600);

  const emulator = await startEmulator(env);
  // If anything below fails, stop the moto_server started here rather than orphan it.
  process.once('exit', () => void emulator.stop());
  say(
    emulator.started
      ? `started moto_server at ${emulator.endpoint} (state lasts while this process runs)`
      : `using AWS_ENDPOINT_URL=${emulator.endpoint}`,
  );
  const config = emulatorSdkConfig(emulator, env);
  const dynamodb = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const res = await ensureResources(
    { dynamodb, sqs, s3 },
    {
      table: settings.optional('TABLE_NAME') ?? 'longrunning-dev',
      queue: settings.optional('DEV_QUEUE_NAME') ?? 'longrunning-dev-steps',
      bucket: settings.optional('STATE_BUCKET') ?? 'longrunning-dev-states',
    },
  );
  say(
    `${res.createdTable ? 'created' : 'found'} table ${res.tableName}; queue ${res.queueUrl}; state bucket ${res.stateBucket ?? ''}`,
  );

  const logger = consoleLogger(
    settings.oneOf('LOG_LEVEL', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const, 'INFO') === 'DEBUG',
  );
  const deps = defaultDeps(
    'dev',
    {
      STALL_AFTER_SECONDS: '30',
      ...env,
      TABLE_NAME: res.tableName,
      QUEUE_URL: res.queueUrl,
      STATE_BUCKET: res.stateBucket ?? '',
      AWS_ENDPOINT_URL: emulator.endpoint,
    },
    deployedWorkflows(),
    // Callback tokens of a dev session live as long as its emulator state, unless a secret is given.
    { callbackSecrets: [settings.optional('LONGRUNNING_CALLBACK_SECRET') ?? randomBytes(32).toString('base64url')] },
  );
  const runtime = { ...deps.runtime, logger, onEvent: (e: ExecutionEvent) => void say(describe(e)) };

  const api = makeApiHandler({
    control: deps.control,
    workflows: deps.workflows,
    logger,
    ...(deps.stateLink ? { stateLink: deps.stateLink } : {}),
    ...(deps.uploads ? { uploads: deps.uploads } : {}),
  });
  // Readable and debuggable in the browser: not minified, with source maps.
  const consoleBuilt = await buildConsole({ outDir: CONSOLE_DIR, minify: false, sourcemap: true }).then(
    () => true,
    (err: unknown) => void say(`warn console not served: ${err instanceof Error ? err.message : String(err)}`),
  );
  const server = await serveApi(api, { port, logger, before: consoleRoutes(consoleBuilt ? CONSOLE_DIR : undefined) });
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : port;
  const poller = new SqsPoller({
    client: sqs,
    queueUrl: res.queueUrl,
    handler: makeStepWorker({ runtime, logger, metrics: noMetrics }),
    concurrency,
    waitTimeSeconds: 5,
    logger,
  });
  poller.start();
  const sweeper = startSweeperTimer(makeSweeper({ runtime, logger, metrics: noMetrics, limit: deps.env.sweepLimit }), {
    intervalMs: sweepSeconds * 1000,
    logger,
  });
  say(
    `API on http://127.0.0.1:${listening} (workflows: ${deps.workflows
      .list()
      .map((w) => w.name)
      .join(', ')}); Ctrl-C stops`,
  );
  if (consoleBuilt) say(`console on http://127.0.0.1:${listening}/console (the API also under /api)`);

  let stopping = 0;
  const stop = (signal: string): void => {
    // Ctrl-C reaches both this process and the tsx wrapper, which relays it: a
    // second signal within a second is that echo, not a request to hurry.
    if (stopping && Date.now() - stopping < 1_000) return;
    if (stopping) {
      say('second signal: exiting now; steps in flight are recovered by the sweeper on the next run');
      process.exit(130);
    }
    stopping = Date.now();
    say(`${signal}: finishing steps in flight...`);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    Promise.all([closed, poller.stop(), sweeper.stop()])
      .then(() => emulator.stop())
      .then(
        () => {
          say('stopped cleanly');
          process.exit(0);
        },
        (err: unknown) => {
          say(`error while stopping: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`dev failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
