/**
 * Waits on the serverless runtime through the emulator: what a sleep of an hour, a
 * day and a year costs in requests beyond a step that does not wait (counted by
 * SDK middleware, the runtime's clock driven so that no test waits for real), and
 * how late a 2 s sleep wakes (real clock, real SQS delays), p50/p95.
 */
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { itemSizeBytes } from '../../lib/core/item-size.js';
import { execPk, TableKeys } from '../../lib/aws/schema/table-schema.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  ControlPlane,
  defineWorkflow,
  processStepMessage,
  type RuntimeDeps,
  sweep,
  WorkflowRegistry,
} from '../../lib/index.js';
import { ManualClock } from '../../lib/testing/manual-clock.js';
import type { AwsResources } from '../support/aws-resources.js';
import { distribution, type Distribution } from './percentiles.js';
import { emulatorRuntime, onCountedEmulator, PRICES } from './runtime-bench.js';

const HOUR = 3_600_000;
/** The sleeps whose cost is measured. */
export const SLEEPS = { '1 hour': HOUR, '1 day': 24 * HOUR, '1 year': 365 * 24 * HOUR } as const;

export interface WaitCostRow {
  sleep: string;
  /** Requests beyond the same execution without the sleep, by command. */
  extraRequests: Record<string, number>;
  /** Write units of those extra writes (head size rounded up to 1 KB, plus up to 2 index units each). */
  extraWriteUnits: number;
  dollars: number;
}

export interface WaitBenchResult {
  costs: WaitCostRow[];
  /** How late the step after a 2 s sleep started, in ms, over `samples` executions run one after another. */
  lateness: Distribution;
}

type S = { until?: number; lateMs?: number };

export function benchWaits(samples = 10): Promise<WaitBenchResult> {
  return onCountedEmulator(async (res, counts) => {
    const workflows = new WorkflowRegistry();
    workflows.register(
      defineWorkflow<S>({
        name: 'plain',
        steps: [
          { name: 'one', fn: (s) => s },
          { name: 'two', fn: (s) => s },
        ],
      }),
    );
    for (const [label, ms] of Object.entries(SLEEPS)) {
      workflows.register(
        defineWorkflow<S>({
          name: `sleep-${label.replace(' ', '-')}`,
          steps: [
            { name: `nap-${ms}`, fn: (s, ctx) => ctx.sleep(ms, s) },
            { name: `two-${ms}`, fn: (s) => s },
          ],
        }),
      );
    }
    workflows.register(
      defineWorkflow<S>({
        name: 'late',
        steps: [
          { name: 'nap2', fn: (s, ctx) => ctx.sleep(2_000, { ...s, until: Date.now() + 2_000 }) },
          { name: 'measure', fn: (s) => ({ ...s, lateMs: Date.now() - (s.until ?? 0) }) },
        ],
      }),
    );
    const clock = new ManualClock(Date.now());
    const deps = emulatorRuntime(res, workflows, { clock });
    const control = new ControlPlane(deps);
    const run = async (workflow: string, sleepMs: number) => {
      const { head } = await control.start({ workflow, input: {} });
      counts.clear();
      await drainQueue(res, deps, clock);
      if (sleepMs > 0) {
        // The sweeper finds the head at until - 900 s; sweeping at the deadline itself
        // makes the one wake message's delay 0, so that the bench does not wait 900 s.
        await clock.advance(sleepMs);
        await sweep({}, deps);
        await drainQueue(res, deps, clock);
      }
      const snapshot = new Map(counts);
      const item = await res.documentClient.send(
        new GetCommand({ TableName: res.tableName, Key: { pk: execPk(head.id), sk: TableKeys.headSk } }),
      );
      return { requests: snapshot, headBytes: itemSizeBytes(item.Item ?? {}) };
    };
    const base = await run('plain', 0);
    const costs: WaitCostRow[] = [];
    for (const [label, ms] of Object.entries(SLEEPS)) {
      const measured = await run(`sleep-${label.replace(' ', '-')}`, ms);
      costs.push(costRow(label, measured.requests, base.requests, measured.headBytes));
    }
    return { costs, lateness: await measureLateness(res, workflows, samples) };
  });
}

function costRow(
  label: string,
  measured: Map<string, number>,
  base: Map<string, number>,
  headBytes: number,
): WaitCostRow {
  const extra: Record<string, number> = {};
  for (const name of new Set([...measured.keys(), ...base.keys()])) {
    const n = (measured.get(name) ?? 0) - (base.get(name) ?? 0);
    if (n !== 0) extra[name] = n;
  }
  const writes = (extra['UpdateItemCommand'] ?? 0) + 2 * (extra['TransactWriteItemsCommand'] ?? 0);
  const reads = (extra['GetItemCommand'] ?? 0) + (extra['QueryCommand'] ?? 0) + (extra['BatchGetItemCommand'] ?? 0);
  const sqs =
    (extra['SendMessageCommand'] ?? 0) + (extra['ReceiveMessageCommand'] ?? 0) + (extra['DeleteMessageCommand'] ?? 0);
  const extraWriteUnits = writes * (Math.ceil(headBytes / 1024) + 2);
  const lambdaInvocations = extra['ReceiveMessageCommand'] ?? 0;
  const dollars =
    (extraWriteUnits * PRICES.dynamoWriteUnitPerMillion +
      reads * 0.125 +
      sqs * PRICES.sqsRequestPerMillion +
      lambdaInvocations * (PRICES.lambdaRequestPerMillion + 0.05 * 0.5 * PRICES.lambdaArmGbSecond * 1e6)) /
    1e6;
  return { sleep: label, extraRequests: extra, extraWriteUnits, dollars };
}

/** Receives and processes (each batch concurrently) until a receive comes back empty; returns the outcomes' statuses. */
async function drainQueue(
  res: AwsResources,
  deps: RuntimeDeps,
  clock: { now(): number },
  waitSeconds = 0,
): Promise<string[]> {
  const statuses: string[] = [];
  for (;;) {
    const out = await res.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: res.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return statuses;
    await Promise.all(
      messages.map(async (m) => {
        const outcome = await processStepMessage(m.Body, { deadline: clock.now() + 60_000 }, deps);
        statuses.push(outcome.status);
        await res.sqs.send(new DeleteMessageCommand({ QueueUrl: res.queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }),
    );
  }
}

/**
 * Runs `samples` executions that sleep 2 s, one after another (so that the
 * emulator's own throughput, one request at a time, does not count as lateness),
 * working the queue as a worker would (long polls of 1 s). Lateness is when the
 * step after the sleep started minus the sleep's end, both on the real clock: it
 * includes rounding the delay up to whole seconds (SQS's unit), the wake
 * message's read, write and send, and the claim of the next step.
 */
async function measureLateness(res: AwsResources, workflows: WorkflowRegistry, samples: number): Promise<Distribution> {
  const deps = emulatorRuntime(res, workflows);
  const control = new ControlPlane(deps);
  const system = { now: () => Date.now() };
  const late: number[] = [];
  for (let i = 0; i < samples; i++) {
    const { head } = await control.start({ workflow: 'late', input: {} });
    const deadline = Date.now() + 30_000;
    let done = false;
    while (!done && Date.now() < deadline) done = (await drainQueue(res, deps, system, 1)).includes('completed');
    const lateMs = ((await control.get(head.id)).head.data as S).lateMs;
    if (lateMs !== undefined) late.push(lateMs);
  }
  return distribution(late.sort((a, b) => a - b));
}
