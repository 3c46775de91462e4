import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsStepQueue } from '../../../lib/aws/sqs-step-queue.js';

const sqs = mockClient(SQSClient);
const message = { v: 1 as const, executionId: 'exec_1', step: 1, token: 2 };

beforeEach(() => {
  sqs.reset();
});

describe('SqsStepQueue (mocked SDK)', () => {
  it('sends the JSON body with the delay', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    await new SqsStepQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://q' }).send(
      message,
      900,
    );
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: 'https://q',
      MessageBody: '{"v":1,"executionId":"exec_1","step":1,"token":2}',
      DelaySeconds: 900,
    });
  });

  it('turns SQS throttling into a retryable THROTTLED error', async () => {
    const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    sqs.on(SendMessageCommand).rejects(cause);
    const send = new SqsStepQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://q' }).send(
      message,
    );
    await expect(send).rejects.toMatchObject({ code: 'THROTTLED', retryable: true, cause });
  });

  it('refuses a negative delay without calling SQS', async () => {
    await expect(
      new SqsStepQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://q' }).send(message, -1),
    ).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    expect(sqs.calls()).toHaveLength(0);
  });
});
