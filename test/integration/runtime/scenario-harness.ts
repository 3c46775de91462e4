import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import {
  ControlPlane,
  DynamoDbExecutionStore,
  noopLogger,
  processStepMessage,
  type RuntimeDeps,
  SqsStepQueue,
  type StepOutcome,
  systemClock,
  type WorkflowRegistry,
} from '../../../lib/index.js';
import type { AwsResources } from '../../support/aws-resources.js';
import { delayedMessages } from '../../support/queue-counts.js';

/** The runtime wired to this file's real table and queue. */
export interface Scenario {
  deps: RuntimeDeps;
  control: ControlPlane;
  /** Receives what is visible now on the real queue (bodies + receipt handles). */
  receive: (waitSeconds?: number) => Promise<{ body: unknown; receipt: string }[]>;
  /** How many messages the queue holds back for their delay now. */
  delayed: () => Promise<number>;
  /**
   * Runs one received message through processStepMessage, with 60 s left on the
   * runtime's clock, and deletes it (as the worker's success path does).
   */
  deliver: (m: { body: unknown; receipt: string }, overrides?: Partial<RuntimeDeps>) => Promise<StepOutcome>;
  /** Receives and delivers until the queue has nothing visible; returns the outcomes. */
  drain: (overrides?: Partial<RuntimeDeps>) => Promise<StepOutcome[]>;
}

export function scenario(
  res: AwsResources,
  workflows: WorkflowRegistry,
  settings: Partial<RuntimeDeps> = {},
): Scenario {
  const deps: RuntimeDeps = {
    store: new DynamoDbExecutionStore({ client: res.documentClient, tableName: res.tableName }),
    queue: new SqsStepQueue({ client: res.sqs, queueUrl: res.queueUrl }),
    workflows,
    logger: noopLogger,
    retryBaseDelayMs: 1_000,
    retryMaxDelayMs: 1_000,
    ...settings,
  };
  const control = new ControlPlane(deps);
  const receive = async (waitSeconds = 0) => {
    const out = await res.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: res.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
    );
    return (out.Messages ?? []).map((m) => ({
      body: JSON.parse(m.Body ?? 'null') as unknown,
      receipt: m.ReceiptHandle ?? '',
    }));
  };
  const deliver = async (m: { body: unknown; receipt: string }, overrides: Partial<RuntimeDeps> = {}) => {
    const run = { ...deps, ...overrides };
    const deadline = (run.clock ?? systemClock).now() + 60_000;
    const outcome = await processStepMessage(m.body, { deadline }, run);
    await res.sqs.send(new DeleteMessageCommand({ QueueUrl: res.queueUrl, ReceiptHandle: m.receipt }));
    return outcome;
  };
  const drain = async (overrides: Partial<RuntimeDeps> = {}) => {
    const outcomes: StepOutcome[] = [];
    for (let batch = await receive(); batch.length > 0; batch = await receive()) {
      outcomes.push(...(await Promise.all(batch.map((m) => deliver(m, overrides)))));
    }
    return outcomes;
  };
  return { deps, control, receive, delayed: () => delayedMessages(res), deliver, drain };
}

/** Every checkpoint step of an execution, oldest first. */
export async function checkpointSteps(control: ControlPlane, id: string): Promise<number[]> {
  const steps: number[] = [];
  let nextToken: string | undefined;
  do {
    const page = (
      await control.get(id, { checkpointsLimit: 100, ...(nextToken ? { checkpointsNextToken: nextToken } : {}) })
    ).checkpoints;
    steps.push(...page.items.map((c) => c.step));
    nextToken = page.nextToken;
  } while (nextToken);
  return steps.reverse();
}
