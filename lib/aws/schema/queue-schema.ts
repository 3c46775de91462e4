/**
 * The step queue and its dead-letter queue as plain data: test setup creates
 * queues from it and the CDK construct declares the same settings.
 *
 * A message that fails `maxReceiveCount` times (the worker crashed, or the claim
 * kept failing on a transient error) moves to the dead-letter queue instead of
 * circling forever; the sweeper still finds its execution by the head.
 */
export interface QueueSchema {
  /**
   * Seconds a received message stays hidden. Must exceed the worker Lambda's timeout
   * (AWS recommends six times it for an event source mapping).
   */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: number;
  /** Seconds the step queue keeps a message (4 days, the SQS default). */
  retentionSeconds: number;
  /** Seconds the dead-letter queue keeps a message (14 days, the SQS maximum). */
  deadLetterRetentionSeconds: number;
  /** Server-side encryption with SQS-managed keys (SSE-SQS), no KMS key to manage. */
  sqsManagedSse: true;
}

/** Default settings of the step queue. */
export const stepQueueSchema: QueueSchema = {
  visibilityTimeoutSeconds: 6 * 60,
  maxReceiveCount: 5,
  retentionSeconds: 4 * 24 * 60 * 60,
  deadLetterRetentionSeconds: 14 * 24 * 60 * 60,
  sqsManagedSse: true,
};

/** CreateQueue `Attributes` of the dead-letter queue. */
export function deadLetterQueueAttributes(schema: QueueSchema = stepQueueSchema): Record<string, string> {
  return {
    MessageRetentionPeriod: String(schema.deadLetterRetentionSeconds),
    SqsManagedSseEnabled: String(schema.sqsManagedSse),
  };
}

/**
 * CreateQueue `Attributes` of the step queue, redriving to the dead-letter queue
 * with ARN `deadLetterArn`.
 *
 * @example
 * await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: stepQueueAttributes(dlqArn) }));
 */
export function stepQueueAttributes(
  deadLetterArn: string,
  schema: QueueSchema = stepQueueSchema,
): Record<string, string> {
  return {
    VisibilityTimeout: String(schema.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(schema.retentionSeconds),
    SqsManagedSseEnabled: String(schema.sqsManagedSse),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: schema.maxReceiveCount }),
  };
}
