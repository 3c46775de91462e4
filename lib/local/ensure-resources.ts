import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterQueueAttributes, stepQueueAttributes } from '../aws/schema/queue-schema.js';
import { createTableInput, TTL_ATTRIBUTE } from '../aws/schema/table-schema.js';

/** Names and URLs of the table and queues a local run uses. */
export interface LocalResources {
  tableName: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** True when this call created the table (a fresh emulator). */
  createdTable: boolean;
  /** The bucket of large states, when one was asked for. */
  stateBucket?: string;
}

/**
 * Creates the table (from the one table schema), the step queue with its
 * dead-letter queue (from the queue schema) and, when named, the state bucket, each
 * when it is missing, and returns them: safe to call on every start.
 */
export async function ensureResources(
  clients: { dynamodb: DynamoDBClient; sqs: SQSClient; s3?: S3Client },
  names: { table: string; queue: string; bucket?: string },
): Promise<LocalResources> {
  const { dynamodb, sqs } = clients;
  if (names.bucket !== undefined) {
    if (!clients.s3) throw new Error('ensureResources: a bucket name needs an S3 client');
    await ensureBucket(clients.s3, names.bucket);
  }
  const createdTable = await ensureTable(dynamodb, names.table);
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: `${names.queue}-dlq`, Attributes: deadLetterQueueAttributes() }),
  );
  const deadLetterQueueUrl = must(dlq.QueueUrl, 'dead-letter queue URL');
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const dlqArn = must(attrs.Attributes?.QueueArn, 'dead-letter queue ARN');
  const queue = await sqs.send(
    new CreateQueueCommand({ QueueName: names.queue, Attributes: stepQueueAttributes(dlqArn) }),
  );
  return {
    tableName: names.table,
    queueUrl: must(queue.QueueUrl, 'queue URL'),
    deadLetterQueueUrl,
    createdTable,
    ...(names.bucket === undefined ? {} : { stateBucket: names.bucket }),
  };
}

/** Creates bucket `name` when it is missing (the state bucket of a local run). */
export async function ensureBucket(s3: S3Client, name: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (err) {
    const code = (err as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
  }
}

/**
 * Creates table `tableName` from the one table schema (with its time-to-live
 * attribute) when it is missing, and waits until it is active. True when this call
 * created it.
 */
export async function ensureTable(dynamodb: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
  }
  await dynamodb.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
  return true;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the endpoint returned no ${what}`);
  return value;
}
