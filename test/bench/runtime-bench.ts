/**
 * Serverless runtime benchmark through the emulator: AWS requests per step
 * (counted by SDK middleware), the item bytes each step writes, and steps per
 * second for 1 and for 20 concurrent executions, driven by the real worker
 * handler fed from the real queue.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { isTerminalState } from '../../lib/core/execution-state.js';
import { itemSizeBytes } from '../../lib/core/item-size.js';
import { headToItem } from '../../lib/aws/execution-store/items.js';
import { checkpointSk, execPk, TableKeys, tableSchema } from '../../lib/aws/schema/table-schema.js';
import type { ExecutionHead } from '../../lib/runtime/model.js';
import type { ExecutionStore } from '../../lib/runtime/ports.js';
import { overriding } from '../unit/runtime/harness.js';
import {
  ControlPlane,
  defineWorkflow,
  DynamoDbExecutionStore,
  noopLogger,
  type RuntimeDeps,
  SqsStepQueue,
  WorkflowRegistry,
} from '../../lib/index.js';
import { asEngineLogger, eventLogger, powertoolsLogger } from '../../functions/shared/logging.js';
import { emfMetrics } from '../../functions/shared/metrics.js';
import { type BatchHandler, SqsPoller } from '../../lib/local/sqs-poller.js';
import { makeApiHandler } from '../../functions/http/api-handler.js';
import { ACCESS_LOG_FORMAT } from '../../infra/http-api.js';
import { apiEvent, bodyOf } from '../support/api-events.js';
import { makeStepWorker } from '../../functions/worker/step-worker-handler.js';
import { createResources, emulatorClientConfig, type AwsResources } from '../support/aws-resources.js';
import { startEmulator } from '../support/emulator.js';

/** Counts requests by command on an SDK client. */
export function countRequests(client: DynamoDBClient | SQSClient, counts: Map<string, number>): void {
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const name = context.commandName ?? 'unknown';
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return next(args);
  };
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(middleware, {
    step: 'initialize',
    name: 'benchRequestCounter',
  });
}

/** The runtime's deps on the emulator's table and queue (no logging), with `extra` settings. */
export function emulatorRuntime(
  res: AwsResources,
  workflows: WorkflowRegistry,
  extra: Partial<RuntimeDeps> = {},
): RuntimeDeps {
  return {
    store: new DynamoDbExecutionStore({ client: res.documentClient, tableName: res.tableName }),
    queue: new SqsStepQueue({ client: res.sqs, queueUrl: res.queueUrl }),
    workflows,
    logger: noopLogger,
    ...extra,
  };
}

export interface RuntimeBenchResult {
  /** Requests per committed step, by command, in steady state (one execution of many steps). */
  requestsPerStep: Record<string, number>;
  storeWritesPerStep: number;
  /** Sends per step that has a next one (the last step of an execution sends nothing). */
  queueSendsPerStep: number;
  headItemBytes: number;
  checkpointItemBytes: number;
  /**
   * Write request units one step costs in steady state: claim (1x head) + commit
   * (the checkpoint put, 1x checkpoint, and the head update, 1x head) + the
   * `active` index entry's writes, counted from the commits that moved the head's
   * sweepAt (its sort key: a delete and a put of a keys-only entry, 2 units). The
   * index writes of the end are the execution's: `completeWriteUnits`.
   */
  writeUnitsPerStep: number;
  /** Write units of creating an execution: a transaction of the head and checkpoint 0 (2x each), and its index entries. */
  createWriteUnits: number;
  /** Write units an execution's end adds to its last commit: its index entries (`active` deleted, `byState` moved). */
  completeWriteUnits: number;
  /** Writes of the `active` index entry per step (see writeUnitsPerStep). */
  indexUnitsPerStep: number;
  /**
   * The same 50-step execution with `checkpointHistory: 'none'`: store writes and
   * transactions per step, and write units (claim and commit, 1x head each, plus
   * the index).
   */
  withoutHistory: {
    storeWritesPerStep: number;
    transactionsPerStep: number;
    indexUnitsPerStep: number;
    writeUnitsPerStep: number;
  };
  /**
   * The same 50-step execution with `chainSteps`: each commit claims the next step
   * and the worker runs it in the same invocation (one claim and no send for the
   * whole chain while time remains). Store writes per step, sends per step that has
   * a next one, write units per step (each item's size, plus the index), and steps
   * per second.
   */
  chained: {
    storeWritesPerStep: number;
    queueSendsPerStep: number;
    writeUnitsPerStep: number;
    stepsPerSecond: number;
    /** Log bytes per step of the chained run (one invocation), Lambda's own lines included. */
    logBytesPerStep: number;
  };
  /**
   * Bytes a step adds to the worker's log group: its INFO line and its share of the
   * end's, the metrics line of its invocation, and Lambda's own lines for that
   * invocation ({@link PLATFORM_LOG_BYTES_PER_INVOCATION}). The last two are shared by
   * the messages of a batch: `inBatch` is measured on one invocation of `batchSize`
   * messages (the cost model's batch), `alone` at one message per invocation.
   */
  logBytesPerStep: { inBatch: number; alone: number; batchSize: number };
  /**
   * Log bytes of starting an execution through the HTTP API: the API function's
   * lines (measured), Lambda's own lines of its invocation, and the API's access log
   * line ({@link accessLogLineBytes}).
   */
  logBytesPerStart: number;
  stepsPerSecond: { concurrency: number; executions: number; steps: number; seconds: number; stepsPerSecond: number }[];
}

/** What was written to stdout between `start` and `stop`: all bytes, those of metrics (EMF) lines and of the step lines. */
interface CapturedBytes {
  bytes: number;
  metricsBytes: number;
  stepLineBytes: number;
}

/**
 * Swallows what is written to stdout from now until `release` (the worker's lines
 * would bury the bench's tables), and counts what is written between `start` and
 * `stop`.
 */
function captureStdout(): { start: () => void; stop: () => CapturedBytes; release: () => void } {
  const original = process.stdout.write.bind(process.stdout);
  let captured: CapturedBytes = { bytes: 0, metricsBytes: 0, stepLineBytes: 0 };
  let counting = false;
  process.stdout.write = (chunk: string | Uint8Array) => {
    if (!counting) return true;
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    const bytes = Buffer.byteLength(text);
    captured.bytes += bytes;
    if (text.startsWith('{"_aws"')) captured.metricsBytes += bytes;
    else if (text.includes('"message":"step message processed"')) captured.stepLineBytes += bytes;
    return true;
  };
  return {
    start: () => {
      captured = { bytes: 0, metricsBytes: 0, stepLineBytes: 0 };
      counting = true;
    },
    stop: () => {
      counting = false;
      return captured;
    },
    release: () => {
      process.stdout.write = original;
    },
  };
}

/**
 * Lambda's own lines for each invocation in the JSON log format the construct sets
 * (`platform.start` and `platform.report`), which the handler does not write and the
 * bench cannot capture: their size as Lambda writes them for a warm invocation (a
 * cold start adds an init duration, and an init report of its own).
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = [
  '{"time":"2026-12-03T11:05:34.010Z","type":"platform.start","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","version":"$LATEST"}}',
  '{"time":"2026-12-03T11:05:34.046Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","metrics":{"durationMs":35.812,"billedDurationMs":36,"memorySizeMB":512,"maxMemoryUsedMB":98},"status":"success"}}',
].reduce((sum, line) => sum + Buffer.byteLength(`${line}\n`), 0);

/**
 * The HTTP API's access log line for a start, in the construct's format
 * (ACCESS_LOG_FORMAT), with values of the length API Gateway writes: its request
 * id, an IPv4 address, an IAM caller, its time format, the route, status and length.
 */
export function accessLogLineBytes(): number {
  const sample: Record<string, string> = {
    '$context.requestId': 'Jv2jYgXXIAMEbJQ=',
    '$context.identity.sourceIp': '203.0.113.10',
    '$context.identity.caller': 'AROAEXAMPLEEXAMPLE123:session-name',
    '$context.requestTime': '03/Dec/2026:11:05:34 +0000',
    '$context.routeKey': 'POST /executions',
    '$context.status': '201',
    '$context.responseLength': '1024',
    '$context.integrationErrorMessage': '-',
  };
  const fields = JSON.parse(ACCESS_LOG_FORMAT) as Record<string, string>;
  const line = JSON.stringify(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, sample[v] ?? v])));
  return Buffer.byteLength(`${line}\n`);
}

/**
 * Wraps a store so that every create and commit adds the write units it cost the
 * table's indexes (all keys-only, one unit per entry written or deleted): for each
 * index, 1 when the write added or removed the head's entry, 2 when it changed the
 * entry's key (a delete and a put), 0 when it left it alone. `active` moves with
 * `sweepAt`; `byState` with the state; `byWorkflow` never after the start.
 */
function countingIndexWrites(store: ExecutionStore, units: IndexUnits): ExecutionStore {
  const known = new Map<string, ExecutionHead>();
  const create: ExecutionStore['create'] = async (exec) => {
    const out = await store.create(exec);
    if (out.created) units.create = indexWriteUnits(undefined, out.head);
    known.set(out.head.id, out.head);
    return out;
  };
  const claim: ExecutionStore['claim'] = async (req) => {
    const head = await store.claim(req);
    if (head) known.set(head.id, head);
    return head;
  };
  const commit: ExecutionStore['commit'] = async (req) => {
    const before = known.get(req.id);
    const head = await store.commit(req);
    // A chained step's claim is the commit before it: its head is the one to compare with.
    known.set(head.id, head);
    const cost = indexWriteUnits(before, head);
    if (isTerminalState(head.state)) units.end += cost;
    else units.steady += cost;
    return head;
  };
  return overriding(store, { create, claim, commit });
}

/** Write units the indexes cost to go from head `before` (absent: a new item) to head `after`. */
function indexWriteUnits(before: ExecutionHead | undefined, after: ExecutionHead): number {
  const a = before && headToItem(before);
  const b = headToItem(after);
  let units = 0;
  for (const index of tableSchema.indexes) {
    const key = (item: Record<string, unknown> | undefined) => {
      const pk = item?.[index.partitionKey.name];
      const sk = item?.[index.sortKey.name];
      return pk === undefined || sk === undefined ? undefined : JSON.stringify([pk, sk]);
    };
    const [from, to] = [key(a), key(b)];
    if (from !== to) units += from === undefined || to === undefined ? 1 : 2;
  }
  return units;
}

/**
 * Write units of the indexes: `create`, an execution's entries when it is created
 * (the last one created); `steady`, while executions run; and `end`, when an
 * execution finishes (its `active` entry deleted, its `byState` entry moved). The
 * create and the end are costs of the execution, not of each step.
 */
interface IndexUnits {
  create: number;
  steady: number;
  end: number;
}

/** Steps of each of the 20 concurrent executions (moto is slow; the ratio is what matters). */
const SHORT_STEPS = 10;

const STATE = { note: 'a typical small agent state', items: Array.from({ length: 8 }, (_, i) => `item ${i}`) };

/**
 * Runs `bench` on a fresh emulator with the table and queues created, every SDK
 * request counted by command into `counts`; stops it all afterwards.
 */
export async function onCountedEmulator<T>(
  bench: (res: AwsResources, counts: Map<string, number>, endpoint: string) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulator();
  const res = await createResources(emulator.endpoint);
  try {
    const counts = new Map<string, number>();
    countRequests(res.dynamodb, counts);
    countRequests(res.sqs, counts);
    return await bench(res, counts, emulator.endpoint);
  } finally {
    await res.dispose();
    await emulator.stop();
  }
}

export function benchRuntime(): Promise<RuntimeBenchResult> {
  return onCountedEmulator(async (res, counts, endpoint) => {
    const steps = Array.from({ length: 50 }, (_, i) => ({
      name: `s${i}`,
      fn: (s: unknown) => ({ ...(s as object), n: i }),
    }));
    const workflows = new WorkflowRegistry()
      .register(defineWorkflow({ name: 'bench', steps }))
      .register(defineWorkflow({ name: 'bench-short', steps: steps.slice(0, SHORT_STEPS) }))
      .register(defineWorkflow({ name: 'bench-lean', steps, checkpointHistory: 'none' }))
      .register(defineWorkflow({ name: 'bench-chained', steps, chainSteps: true }));
    const indexUnits: IndexUnits = { create: 0, steady: 0, end: 0 };
    const plain = emulatorRuntime(res, workflows);
    const runtime = { ...plain, store: countingIndexWrites(plain.store, indexUnits) };
    const control = new ControlPlane(runtime);
    // The bench watches progress through its own client, so its reads are not counted as the worker's.
    const observer = new DynamoDbExecutionStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig(endpoint))),
      tableName: res.tableName,
    });
    // The worker logs and emits metrics as deployed (INFO, no state), into a counter of their bytes.
    const logs = captureStdout();
    try {
      const logger = asEngineLogger(powertoolsLogger('step-worker', 'INFO'));
      const stepWorker = makeStepWorker({
        runtime: { ...runtime, logger, onEvent: eventLogger(logger, false) },
        logger,
        metrics: emfMetrics('step-worker'),
      });
      let invocations = 0;
      const worker: BatchHandler = (event, context) => {
        invocations++;
        return stepWorker(event, context);
      };

      let createdHeadBytes = 0;
      const drive = async (executions: number, concurrency: number, workflow = 'bench') => {
        const poller = new SqsPoller({
          client: res.sqs,
          queueUrl: res.queueUrl,
          handler: worker,
          waitTimeSeconds: 0,
          concurrency: 1,
          batchSize: 10,
        });
        const started = await Promise.all(
          Array.from({ length: executions }, () => control.start({ workflow, input: STATE })),
        );
        const ids = started.map((r) => r.head.id);
        createdHeadBytes = itemSizeBytes(headToItem(started[0]!.head));
        const start = performance.now();
        counts.clear();
        indexUnits.steady = 0;
        indexUnits.end = 0;
        let done = 0;
        while (done < executions) {
          await Promise.all(Array.from({ length: concurrency }, () => poller.pollOnce()));
          const heads = await Promise.all(ids.map((id) => observer.get(id)));
          done = heads.filter((h) => h?.state === 'completed').length;
        }
        return { ids, seconds: (performance.now() - start) / 1000 };
      };

      // Steady state: one execution of 50 steps; requests per step exclude the bench's own polling reads.
      logs.start();
      invocations = 0;
      const single = await drive(1, 1);
      const singleLogs = logs.stop();
      // The step's INFO line and its share of the end's (an execution of the cost model's length), and one
      // metrics line an invocation.
      const endLineBytes = singleLogs.bytes - singleLogs.metricsBytes - singleLogs.stepLineBytes;
      const infoBytesPerStep =
        singleLogs.stepLineBytes / steps.length + endLineBytes / COST_ASSUMPTIONS.stepsPerExecution;
      const metricsBytesAlone = singleLogs.metricsBytes / invocations;
      const perStep = (name: string) => (counts.get(name) ?? 0) / steps.length;
      const storeWritesPerStep = () =>
        perStep('UpdateItemCommand') + perStep('PutItemCommand') + perStep('TransactWriteItemsCommand');
      const sendsPerContinuingStep = () => (counts.get('SendMessageCommand') ?? 0) / (steps.length - 1);
      const requestsPerStep: Record<string, number> = {};
      for (const name of [
        'UpdateItemCommand',
        'PutItemCommand',
        'TransactWriteItemsCommand',
        'SendMessageCommand',
        'GetItemCommand',
        'QueryCommand',
      ])
        requestsPerStep[name] = perStep(name);
      const id = single.ids[0]!;
      const head = await res.documentClient.send(
        new GetCommand({ TableName: res.tableName, Key: { pk: execPk(id), sk: TableKeys.headSk } }),
      );
      const cp = await res.documentClient.send(
        new GetCommand({ TableName: res.tableName, Key: { pk: execPk(id), sk: checkpointSk(25) } }),
      );
      const indexUnitsPerStep = indexUnits.steady / steps.length;
      const completeWriteUnits = indexUnits.end;
      const createIndexUnits = indexUnits.create;
      const snapshot = {
        requestsPerStep,
        storeWritesPerStep: storeWritesPerStep(),
        queueSendsPerStep: sendsPerContinuingStep(),
      };
      const headItemBytes = itemSizeBytes(head.Item ?? {});
      const checkpointItemBytes = itemSizeBytes(cp.Item ?? {});
      const wru = (bytes: number) => Math.ceil(bytes / 1024);
      const stepsPerSecond = [
        {
          concurrency: 1,
          executions: 1,
          steps: steps.length,
          seconds: single.seconds,
          stepsPerSecond: steps.length / single.seconds,
        },
      ];
      // The same 50 steps with checkpointHistory 'none': each commit is one conditional update of the head.
      await drive(1, 1, 'bench-lean');
      const withoutHistory = {
        storeWritesPerStep: storeWritesPerStep(),
        transactionsPerStep: perStep('TransactWriteItemsCommand'),
        indexUnitsPerStep: indexUnits.steady / steps.length,
        writeUnitsPerStep: 2 * wru(headItemBytes) + indexUnits.steady / steps.length,
      };
      // The same 50 steps with chainSteps: the steps of one invocation need no claim and no send.
      logs.start();
      invocations = 0;
      const chainedRun = await drive(1, 1, 'bench-chained');
      const chainedLogBytesPerStep =
        (logs.stop().bytes + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION) / steps.length;
      const chained = {
        storeWritesPerStep: storeWritesPerStep(),
        queueSendsPerStep: sendsPerContinuingStep(),
        writeUnitsPerStep:
          perStep('UpdateItemCommand') * wru(headItemBytes) +
          perStep('PutItemCommand') * wru(checkpointItemBytes) +
          indexUnits.steady / steps.length,
        stepsPerSecond: steps.length / chainedRun.seconds,
        logBytesPerStep: chainedLogBytesPerStep,
      };
      const twenty = await drive(20, 4, 'bench-short');
      stepsPerSecond.push({
        concurrency: 4,
        executions: 20,
        steps: 20 * SHORT_STEPS,
        seconds: twenty.seconds,
        stepsPerSecond: (20 * SHORT_STEPS) / twenty.seconds,
      });
      // One full batch, as the event source mapping hands the worker under load: the first steps of
      // as many executions, started through the HTTP API (whose log lines are measured too), in one
      // invocation that writes one metrics line for them all.
      const batchSize = COST_ASSUMPTIONS.batchSize;
      const apiLogger = asEngineLogger(powertoolsLogger('api', 'INFO'));
      const apiControl = new ControlPlane({ ...runtime, logger: apiLogger, onEvent: eventLogger(apiLogger, false) });
      const api = makeApiHandler({ control: apiControl, workflows, logger: apiLogger });
      logs.start();
      const starts = await Promise.all(
        Array.from({ length: batchSize }, () =>
          api(apiEvent('POST', '/executions', { body: { workflow: 'bench', input: STATE } })),
        ),
      );
      const apiLogs = logs.stop();
      const startedIds = new Set(starts.map((r) => bodyOf<{ id: string }>(r).id));
      // Receives until it holds the message of every execution just started (a receive may return
      // fewer than are there; a message left from the runs before is left alone), then hands them to
      // one invocation.
      const records: SQSRecord[] = [];
      for (let tries = 0; records.length < batchSize && tries < 30; tries++) {
        const got = await res.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: res.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const m of got.Messages ?? []) {
          const id = (JSON.parse(m.Body ?? '{}') as { executionId?: string }).executionId ?? '';
          if (startedIds.has(id)) records.push({ messageId: m.MessageId ?? '', body: m.Body ?? '' } as SQSRecord);
        }
      }
      if (records.length !== batchSize)
        throw new Error(`the batch bench received ${records.length} of the ${batchSize} messages it started`);
      logs.start();
      await worker({ Records: records }, { awsRequestId: 'bench-batch', getRemainingTimeInMillis: () => 60_000 });
      const batchLogs = logs.stop();
      const logBytesPerStep = {
        inBatch: infoBytesPerStep + (batchLogs.metricsBytes + PLATFORM_LOG_BYTES_PER_INVOCATION) / batchSize,
        alone: infoBytesPerStep + metricsBytesAlone + PLATFORM_LOG_BYTES_PER_INVOCATION,
        batchSize,
      };
      return {
        ...snapshot,
        headItemBytes,
        checkpointItemBytes,
        indexUnitsPerStep,
        writeUnitsPerStep: 2 * wru(headItemBytes) + wru(checkpointItemBytes) + indexUnitsPerStep,
        createWriteUnits: 2 * (wru(createdHeadBytes) + wru(checkpointItemBytes)) + createIndexUnits,
        completeWriteUnits,
        withoutHistory,
        chained,
        logBytesPerStep,
        logBytesPerStart: apiLogs.bytes / batchSize + PLATFORM_LOG_BYTES_PER_INVOCATION + accessLogLineBytes(),
        stepsPerSecond,
      };
    } finally {
      logs.release();
    }
  });
}

/** AWS list prices used for the cost estimate (us-east-1, on-demand; check the current price pages). */
export const PRICES = {
  dynamoWriteUnitPerMillion: 0.625,
  sqsRequestPerMillion: 0.4,
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  logsIngestedPerGb: 0.5,
  httpApiRequestPerMillion: 1.0,
};

/**
 * What the cost estimate assumes beyond the bench's counts: the worker at the
 * construct's default 512 MB on arm64 for 35 ms a step (the engine's four requests
 * at in-region latency and its CPU; the step's own work is extra, see deploy.md),
 * batches of 10 messages, and executions of 20 steps, over which the start (the
 * API's invocation of 50 ms, the create transaction and the first send) is shared.
 */
export const COST_ASSUMPTIONS = {
  memoryGb: 0.5,
  engineMsPerStep: 35,
  batchSize: 10,
  stepsPerExecution: 20,
  apiMsPerStart: 50,
};

/** The measured counts a cost estimate is made of; `logBytesPerStep` at the estimate's batch size. */
export type CostCounts = Pick<
  RuntimeBenchResult,
  'createWriteUnits' | 'completeWriteUnits' | 'queueSendsPerStep' | 'writeUnitsPerStep' | 'logBytesPerStart'
> & { logBytesPerStep: number };

/** Dollars per million steps from the measured counts, under COST_ASSUMPTIONS. */
export function costPerMillionSteps(r: CostCounts, a = COST_ASSUMPTIONS): Record<string, number> {
  const perExecution = 1 / a.stepsPerExecution;
  const perExecutionUnits = r.createWriteUnits + r.completeWriteUnits;
  const dynamodb = (r.writeUnitsPerStep + perExecutionUnits * perExecution) * PRICES.dynamoWriteUnitPerMillion;
  // Messages delivered per step: the start's, and one from each step that has a next one. Each is sent
  // once, and received and deleted by the event source mapping in batches, which also make the worker's
  // invocations.
  const messages = r.queueSendsPerStep * (1 - perExecution) + perExecution;
  const sqs = messages * (1 + 2 / a.batchSize) * PRICES.sqsRequestPerMillion;
  const gbSeconds = (ms: number) => (ms / 1000) * a.memoryGb * PRICES.lambdaArmGbSecond * 1e6;
  const lambda =
    (messages * PRICES.lambdaRequestPerMillion) / a.batchSize +
    gbSeconds(a.engineMsPerStep) +
    (PRICES.lambdaRequestPerMillion + gbSeconds(a.apiMsPerStart)) * perExecution;
  const api = PRICES.httpApiRequestPerMillion * perExecution;
  const logBytes = r.logBytesPerStep + r.logBytesPerStart * perExecution;
  const logs = ((logBytes * 1e6) / 1e9) * PRICES.logsIngestedPerGb;
  return { dynamodb, sqs, lambda, api, logs, total: dynamodb + sqs + lambda + api + logs };
}
