import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsStepQueue } from '../../../lib/aws/sqs-step-queue.js';
import { stepQueueSchema } from '../../../lib/aws/schema/queue-schema.js';
import { delayedMessages } from '../../support/queue-counts.js';
import { useAwsResources } from './aws-test-context.js';

const aws = useAwsResources();

/** Receives (and deletes) the messages visible within `waitSeconds` (a long poll returns as soon as one is). */
async function receive(waitSeconds: number): Promise<string[]> {
  const out = await aws().sqs.send(
    new ReceiveMessageCommand({ QueueUrl: aws().queueUrl, WaitTimeSeconds: waitSeconds, MaxNumberOfMessages: 10 }),
  );
  for (const m of out.Messages ?? []) {
    await aws().sqs.send(new DeleteMessageCommand({ QueueUrl: aws().queueUrl, ReceiptHandle: m.ReceiptHandle }));
  }
  return (out.Messages ?? []).map((m) => m.Body ?? '');
}

describe('SqsStepQueue (emulator)', () => {
  it('creates the step queue with the schema settings and a redrive to the DLQ', async () => {
    const out = await aws().sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: aws().queueUrl, AttributeNames: ['All'] }),
    );
    const redrive = JSON.parse(out.Attributes?.['RedrivePolicy'] ?? '{}') as {
      maxReceiveCount?: unknown;
      deadLetterTargetArn?: unknown;
    };
    expect(Number(redrive.maxReceiveCount)).toBe(stepQueueSchema.maxReceiveCount);
    expect(String(redrive.deadLetterTargetArn)).toMatch(/:steps-[0-9a-f]+-dlq$/);
    expect(out.Attributes?.['VisibilityTimeout']).toBe(String(stepQueueSchema.visibilityTimeoutSeconds));
    expect(out.Attributes?.['SqsManagedSseEnabled']).toBe('true');
  });

  it('sends a step message as JSON, and a delayed one only after its delay', async () => {
    const queue = new SqsStepQueue({ client: aws().sqs, queueUrl: aws().queueUrl });
    await queue.send({ v: 1, executionId: 'exec_now', step: 2, token: 5 });
    expect((await receive(20)).map((b) => JSON.parse(b) as unknown)).toEqual([
      { v: 1, executionId: 'exec_now', step: 2, token: 5 },
    ]);
    // No test run lasts 900 s (the longest delay SQS takes), so this one must be held back.
    const delayedBefore = await delayedMessages(aws());
    await new SqsStepQueue({ client: aws().sqs, queueUrl: aws().queueUrl }).send(
      { v: 1, executionId: 'exec_held', step: 0, token: 0 },
      900,
    );
    expect(await delayedMessages(aws())).toBe(delayedBefore + 1);
    expect(await receive(0)).toEqual([]);
    // A short delay ends within a long poll, however slow the machine.
    await queue.send({ v: 1, executionId: 'exec_later', step: 0, token: 0 }, 1);
    const later = await receive(20);
    expect(later.map((b) => (JSON.parse(b) as { executionId: string }).executionId)).toEqual(['exec_later']);
    expect(await delayedMessages(aws())).toBe(delayedBefore + 1);
  });

  it('refuses a delay outside 0 to 900 seconds or a malformed message without sending', async () => {
    const queue = new SqsStepQueue({ client: aws().sqs, queueUrl: aws().queueUrl });
    await expect(queue.send({ v: 1, executionId: 'e', step: 0, token: 0 }, 901)).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    await expect(queue.send({ v: 1, executionId: 'e', step: 0, token: 0 }, 1.5)).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    await expect(queue.send({ v: 1, executionId: '', step: 0, token: 0 })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    expect(await receive(0)).toEqual([]);
  });
});
