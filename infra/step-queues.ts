import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { stepQueueSchema } from '../lib/index.js';

/** Settings of {@link createStepQueues}. */
export interface StepQueueOptions {
  visibilityTimeout: Duration;
  maxReceiveCount: number;
}

/**
 * The step queue and its dead-letter queue, declared from `stepQueueSchema`
 * (lib/aws/schema/queue-schema.ts): SSE-SQS encryption, the schema's retention periods, a
 * redrive after `maxReceiveCount` receives, and a queue policy on each that denies
 * any request not made over TLS.
 */
export function createStepQueues(
  scope: Construct,
  options: StepQueueOptions,
): { queue: Queue; deadLetterQueue: Queue } {
  const encryption = QueueEncryption.SQS_MANAGED; // stepQueueSchema.sqsManagedSse is always true
  const deadLetterQueue = new Queue(scope, 'StepDeadLetterQueue', {
    encryption,
    enforceSSL: true,
    retentionPeriod: Duration.seconds(stepQueueSchema.deadLetterRetentionSeconds),
  });
  const queue = new Queue(scope, 'StepQueue', {
    encryption,
    enforceSSL: true,
    retentionPeriod: Duration.seconds(stepQueueSchema.retentionSeconds),
    visibilityTimeout: options.visibilityTimeout,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: options.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}
