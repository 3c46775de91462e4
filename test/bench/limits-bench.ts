/**
 * What flow control costs a step on the serverless runtime, counted through the
 * emulator: the requests and write units a limited step adds to the same step
 * without limits (a `concurrency` key, a rate-only key), and what one refused
 * attempt costs. Counts, not times: they do not depend on the machine.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { itemSizeBytes } from '../../lib/core/item-size.js';
import { checkpointSk, execPk, TableKeys } from '../../lib/aws/schema/table-schema.js';
import {
  ControlPlane,
  defineWorkflow,
  DynamoDbExecutionStore,
  DynamoDbLimiter,
  LIMITS_PK,
  WorkflowRegistry,
} from '../../lib/index.js';
import type { LimitSpec } from '../../lib/core/limits.js';
import { SqsPoller } from '../../lib/local/sqs-poller.js';
import { makeStepWorker } from '../../functions/worker/step-worker-handler.js';
import { emulatorClientConfig, type AwsResources } from '../support/aws-resources.js';
import { emulatorRuntime, onCountedEmulator } from './runtime-bench.js';
import { noMetrics } from '../../functions/shared/metrics.js';

const STEPS = 20;
const COUNTED = [
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'TransactWriteItemsCommand',
  'SendMessageCommand',
] as const;

/** One kind of step: its requests per step by command, and its write units per step. */
export interface LimitedStepCost {
  kind: string;
  requestsPerStep: Record<string, number>;
  /** Consistent reads of limit records per step, in read units (a record under 4 KB: 1 unit each). */
  limitReadUnitsPerStep: number;
  /** Write units per step: the claim, the commit's checkpoint and head, and the limit records' puts. */
  writeUnitsPerStep: number;
}

export interface LimitsBenchResult {
  steps: LimitedStepCost[];
  /** One refused attempt: its requests by command and its write units. */
  refusal: { requests: Record<string, number>; writeUnits: number };
  limitItemBytes: number;
}

const wru = (bytes: number) => Math.ceil(bytes / 1024);

function workflow(name: string, limits: LimitSpec<unknown>[] | undefined, steps = STEPS) {
  return defineWorkflow({
    name,
    steps: Array.from({ length: steps }, (_, i) => ({
      name: `${name}-${i}`,
      fn: (s: unknown) => ({ ...(s as object), n: i }),
      ...(limits ? { limits } : {}),
    })),
  });
}

async function itemBytes(res: AwsResources, pk: string, sk: string): Promise<number> {
  const got = await res.documentClient.send(new GetCommand({ TableName: res.tableName, Key: { pk, sk } }));
  return itemSizeBytes(got.Item ?? {});
}

/** Counts what limited steps cost on a fresh emulator. */
export function benchLimits(): Promise<LimitsBenchResult> {
  return onCountedEmulator(async (res, counts, endpoint) => {
    // The bench watches progress through its own client, so its reads are not counted as the worker's.
    const observer = new DynamoDbExecutionStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig(endpoint))),
      tableName: res.tableName,
    });
    const workflows = new WorkflowRegistry()
      .register(workflow('plain', undefined))
      .register(workflow('slot', [{ key: 'bench-slot', concurrency: 5 }]))
      .register(workflow('rate', [{ key: 'bench-rate', perSecond: 1000 }]))
      .register(workflow('solo', [{ key: 'bench-solo', concurrency: 1 }], 1));
    const limiter = new DynamoDbLimiter({ client: res.documentClient, tableName: res.tableName });
    const runtime = emulatorRuntime(res, workflows, { limiter });
    const control = new ControlPlane(runtime);
    const worker = makeStepWorker({ runtime, logger: runtime.logger!, metrics: noMetrics });
    const poller = new SqsPoller({ client: res.sqs, queueUrl: res.queueUrl, handler: worker, waitTimeSeconds: 0 });

    const run = async (name: string, key?: string): Promise<LimitedStepCost> => {
      const { head } = await control.start({ workflow: name, input: { note: 'small' } });
      counts.clear();
      for (let i = 0; i < 10 * STEPS; i++) {
        await poller.pollOnce();
        if ((await observer.get(head.id))?.state === 'completed') break;
      }
      const requestsPerStep: Record<string, number> = {};
      for (const c of COUNTED) requestsPerStep[c] = (counts.get(c) ?? 0) / STEPS;
      const headBytes = await itemBytes(res, execPk(head.id), TableKeys.headSk);
      const checkpointBytes = await itemBytes(res, execPk(head.id), checkpointSk(STEPS / 2));
      const limitBytes = key ? await itemBytes(res, LIMITS_PK, `KEY#${key}`) : 0;
      return {
        kind: name,
        requestsPerStep,
        limitReadUnitsPerStep: requestsPerStep['GetItemCommand'] ?? 0,
        // Each commit puts one checkpoint; any other put is of a limit record.
        writeUnitsPerStep:
          2 * wru(headBytes) + wru(checkpointBytes) + ((requestsPerStep['PutItemCommand'] ?? 1) - 1) * wru(limitBytes),
      };
    };
    const steps = [
      await run('plain'),
      { ...(await run('slot', 'bench-slot')), kind: "concurrency: 5 (key 'bench-slot')" },
      { ...(await run('rate', 'bench-rate')), kind: "perSecond: 1000 (key 'bench-rate')" },
    ];
    steps[0]!.kind = 'no limits';

    // One refusal: another holder has the only slot when the step's message arrives.
    await limiter.acquire({
      key: 'bench-solo',
      executionId: 'holder',
      holderId: 'holder#bench',
      leaseUntil: Date.now() + 600_000,
      now: Date.now(),
      concurrency: 1,
    });
    const { head } = await control.start({ workflow: 'solo', input: { note: 'small' } });
    counts.clear();
    await poller.pollOnce();
    const refusedHead = await observer.get(head.id);
    if (refusedHead?.throttled === undefined) throw new Error('the bench step was not refused: the count is wrong');
    const requests = Object.fromEntries(
      [...COUNTED, 'ReceiveMessageCommand', 'DeleteMessageBatchCommand', 'DeleteMessageCommand'].map((c) => [
        c,
        counts.get(c) ?? 0,
      ]),
    );
    const headBytes = await itemBytes(res, execPk(head.id), TableKeys.headSk);
    const limitItemBytes = await itemBytes(res, LIMITS_PK, 'KEY#bench-solo');
    const writeUnits =
      (requests['UpdateItemCommand'] ?? 0) * wru(headBytes) + (requests['PutItemCommand'] ?? 0) * wru(limitItemBytes);
    return { steps, refusal: { requests, writeUnits }, limitItemBytes };
  });
}

/** Prints {@link benchLimits}'s figures. */
export function printLimits(r: LimitsBenchResult): void {
  const plain = r.steps[0]!;
  console.table(
    Object.fromEntries(
      r.steps.map((s) => [
        s.kind,
        {
          ...Object.fromEntries(
            Object.entries(s.requestsPerStep).map(([k, v]) => [k.replace(/Command$/, ''), v.toFixed(2)]),
          ),
          'write units/step': s.writeUnitsPerStep.toFixed(2),
          'extra writes/step': (s.writeUnitsPerStep - plain.writeUnitsPerStep).toFixed(2),
          'extra reads/step': (
            (s.requestsPerStep['GetItemCommand'] ?? 0) - (plain.requestsPerStep['GetItemCommand'] ?? 0)
          ).toFixed(2),
        },
      ]),
    ),
  );
  const requests = Object.entries(r.refusal.requests)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k.replace(/Command$/, '')} ${n}`)
    .join(', ');
  console.log(
    `one refused attempt: ${requests}; ${r.refusal.writeUnits} write units (limit record ${r.limitItemBytes} bytes with one holder and one waiter)`,
  );
}
