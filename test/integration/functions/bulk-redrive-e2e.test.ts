import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  DynamoDbExecutionStore,
  DynamoDbJobStore,
  processStepMessage,
  SqsStepQueue,
  type BulkJob,
  type JobStore,
} from '../../../lib/index.js';
import { deployedWorkflows } from '../../../examples/workflows.js';
import { checkpointOf, createdHead, failedHead } from '../../../lib/runtime/head-changes.js';
import { checkpointToItem, headToItem } from '../../../lib/aws/execution-store/items.js';
import { TEST_CONTEXT, useDeployedHandlers } from './handler-harness.js';

const handlers = useDeployedHandlers();
const call = (method: string, path: string, body?: unknown) => handlers().call(method, path, body);
const COUNT = 200;

/**
 * `COUNT` executions of `arithmetic` failed at step 0 with THROTTLED, and 5 failed with
 * another code: the items the store writes for them (its own pure changes and item
 * mapping), put 25 at a time, which is much quicker on the emulator than driving each.
 */
async function failedExecutions(): Promise<{ throttled: string[]; other: string[] }> {
  const ids = Array.from({ length: COUNT + 5 }, (_, i) => `exec_bulk${String(i).padStart(4, '0')}`);
  const now = Date.now();
  const items = ids.flatMap((id, i) => {
    const created = createdHead({
      id,
      name: id,
      workflow: 'arithmetic',
      stepNames: ['add-ten', 'double', 'subtract-three'],
      input: { value: 1 },
      now: now + i,
      metadata: {},
      sweepAt: now + 60_000,
      events: [],
    });
    const code = i < COUNT ? 'THROTTLED' : 'VALIDATION_ERROR';
    const failed = failedHead(created, { owner: 'w', now, error: { code, message: 'provider outage' }, events: [] });
    return [headToItem(failed), checkpointToItem(checkpointOf(created, now))];
  });
  for (let i = 0; i < items.length; i += 25) {
    await handlers().world.res.documentClient.send(
      new BatchWriteCommand({
        RequestItems: {
          [handlers().world.res.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
  return { throttled: ids.slice(0, COUNT), other: ids.slice(COUNT) };
}

type Received = { body: string; receiptHandle: string; messageId: string };

async function receive(): Promise<Received[]> {
  const out = await handlers().world.res.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: handlers().world.res.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return (out.Messages ?? []).map((m) => ({
    body: m.Body ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    messageId: m.MessageId ?? '',
  }));
}

async function remove(m: Received): Promise<void> {
  await handlers().world.res.sqs.send(
    new DeleteMessageCommand({ QueueUrl: handlers().world.res.queueUrl, ReceiptHandle: m.receiptHandle }),
  );
}

describe('bulk redrive through the deployed handlers (emulator)', () => {
  it('redrives 200 failed executions exactly once, with the request sent twice and the runner killed halfway', async () => {
    const store = new DynamoDbExecutionStore({
      client: handlers().world.res.documentClient,
      tableName: handlers().world.res.tableName,
    });
    const jobs = new DynamoDbJobStore({
      client: handlers().world.res.documentClient,
      tableName: handlers().world.res.tableName,
    });
    const { throttled, other } = await failedExecutions();
    const versions = new Map(
      await Promise.all(throttled.map(async (id) => [id, (await store.get(id))?.version ?? -1] as const)),
    );

    const body = { errorCode: 'THROTTLED', requestId: 'outage-200', max: 1_000 };
    const first = await call('POST', '/executions/redrive', body);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ action: 'redrive', state: 'running', filter: { state: 'failed' } });
    const jobId = String(first.body.id);
    const second = await call('POST', '/executions/redrive', body);
    expect(second).toMatchObject({ status: 200, body: { id: jobId } });

    // A runner that dies after applying page 0 and before recording it: it leaves its lease behind.
    const dying: JobStore = {
      createJob: (job) => jobs.createJob(job),
      getJob: (id) => jobs.getJob(id),
      replaceJob: async (base: BulkJob, next: BulkJob) => {
        if (next.pages > base.pages || next.leaseUntil === undefined) throw new Error('runner killed');
        return jobs.replaceJob(base, next);
      },
    };
    const deps = {
      store,
      queue: new SqsStepQueue({ client: handlers().world.res.sqs, queueUrl: handlers().world.res.queueUrl }),
      jobs: dying,
      workflows: deployedWorkflows(),
    };
    const [jobMessage] = (await receive()).filter((m) => m.body.includes('"job"'));
    expect(jobMessage).toBeDefined();
    await expect(
      processStepMessage(JSON.parse(jobMessage?.body ?? ''), { deadline: Date.now() + 60_000 }, deps),
    ).rejects.toThrow('runner killed');
    const stuck = await jobs.getJob(jobId);
    expect(stuck).toMatchObject({ pages: 0, state: 'running' });
    // Time passes beyond the dead runner's lease; its message (and the duplicate's) come back.
    if (stuck)
      expect(await jobs.replaceJob(stuck, { ...stuck, leaseUntil: Date.now() - 1, rev: stuck.rev + 1 })).toBe(true);
    await handlers().world.res.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: handlers().world.res.queueUrl,
        ReceiptHandle: jobMessage?.receiptHandle ?? '',
        VisibilityTimeout: 0,
      }),
    );

    // The deployed worker runs the job's pages; the step messages the redrive sends are collected, not run.
    // Until the job has completed and the queue is then empty: pages are 1 s apart on the queue's own
    // delay, so how many polls that takes depends on the machine; only the test's timeout bounds it.
    const stepMessages: string[] = [];
    let completed = false;
    for (;;) {
      const batch = await receive();
      if (batch.length === 0) {
        if (completed) break;
        completed = (await jobs.getJob(jobId))?.state === 'completed';
        if (!completed) await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      const jobRecords = batch.filter((m) => m.body.includes('"job"'));
      for (const m of batch.filter((b) => !jobRecords.includes(b))) {
        stepMessages.push((JSON.parse(m.body) as { executionId: string }).executionId);
        await remove(m);
      }
      if (jobRecords.length === 0) continue;
      const event = {
        Records: jobRecords.map((m) => ({ messageId: m.messageId, body: m.body, receiptHandle: m.receiptHandle })),
      } as unknown as SQSEvent;
      const { batchItemFailures } = await handlers().worker(event, TEST_CONTEXT);
      const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
      for (const m of jobRecords) if (!failed.has(m.messageId)) await remove(m);
    }

    const job = await call('GET', `/jobs/${jobId}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ state: 'completed', action: 'redrive' });
    // Page 0 (the newest 25: the 5 of another code and 20 THROTTLED) ran again on the plan recorded
    // before the kill: its 20 were already redriven, so they count as skipped.
    expect(job.body.counts).toEqual({ matched: COUNT, changed: COUNT - 20, skipped: 20, failed: 0 });
    expect(stepMessages.length).toBe(COUNT);
    expect(new Set(stepMessages)).toEqual(new Set(throttled));
    for (const id of throttled) {
      const head = await store.get(id);
      expect(head).toMatchObject({ state: 'running', version: (versions.get(id) ?? 0) + 1 });
      expect(head?.events.filter((e) => e.type === 'resumed')).toHaveLength(1);
    }
    for (const id of other) expect((await store.get(id))?.state).toBe('failed');
  }, 120_000);

  it('answers a bad filter with 400 and an unknown job with 404', async () => {
    const bad = await call('POST', '/executions/redrive', { state: 'running' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/filter.state for redrive must be one of failed, cancelled/);
    const unknownField = await call('POST', '/executions/pause', { colour: 'red' });
    expect(unknownField.status).toBe(400);
    const missing = await call('GET', '/jobs/job_nope');
    expect(missing.status).toBe(404);
  });
});
