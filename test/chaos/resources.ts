import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deadLetterQueueAttributes, stepQueueAttributes, stepQueueSchema } from '../../lib/aws/schema/queue-schema.js';
import { ensureTable } from '../../lib/local/ensure-resources.js';
import { emulatorClientConfig } from '../support/aws-resources.js';
import { startSerializingProxy } from '../support/serializing-proxy.js';
import { CHAOS_TIMING, type Shard } from './worker-config.js';

/** The shards of one chaos run, and fault-free clients for the driver's reads and checks. */
export interface ChaosResources {
  /** The DynamoDB emulator, for reads. */
  dynamoEndpoint: string;
  sqsEndpoint: string;
  /**
   * Where every DynamoDB write goes: a proxy that forwards one request at a time.
   * moto applies concurrent conditional writes to one item without locking, which
   * real DynamoDB never does; without the proxy the suite would find moto's races.
   */
  writeEndpoint: string;
  /** The run's bucket of large states, on the DynamoDB emulator (moto serves S3 on any port). */
  stateBucket: string;
  /** The settings of an S3 client for {@link stateBucket}: the DynamoDB emulator, path-style. */
  s3Config: S3ClientConfig & { endpoint: string };
  shards: Shard[];
  dynamodb: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
  s3: S3Client;
  dispose: () => Promise<void>;
}

/**
 * Creates `count` shards, each a whole deployment's storage: a table from the one
 * table schema and a step queue with its dead-letter queue from the queue schema,
 * the visibility timeout shortened to {@link CHAOS_TIMING}'s so that a killed
 * worker's messages come back within the run. (Shards exist because moto copies a
 * whole table for every TransactWriteItems: commits slow down with table size.)
 * One S3 bucket holds the large states of every shard (their keys name the
 * execution); it is emptied and deleted with the rest.
 */
export async function createChaosResources(
  endpoints: { dynamo: string; sqs: string },
  count: number,
): Promise<ChaosResources> {
  const proxy = await startSerializingProxy(endpoints.dynamo);
  const dynamodb = new DynamoDBClient(emulatorClientConfig(endpoints.dynamo));
  const documentClient = DynamoDBDocumentClient.from(dynamodb);
  const sqs = new SQSClient(emulatorClientConfig(endpoints.sqs));
  const s3Config = { ...emulatorClientConfig(endpoints.dynamo), forcePathStyle: true };
  const s3 = new S3Client(s3Config);
  const run = randomBytes(4).toString('hex');
  const stateBucket = `chaos-${run}-states`;
  await s3.send(new CreateBucketCommand({ Bucket: stateBucket }));
  const shards = await Promise.all(
    Array.from({ length: count }, async (_, index): Promise<Shard> => {
      const name = `chaos-${run}-${index}`;
      await ensureTable(dynamodb, name);
      const dlq = await sqs.send(
        new CreateQueueCommand({ QueueName: `${name}-dlq`, Attributes: deadLetterQueueAttributes() }),
      );
      const deadLetterQueueUrl = dlq.QueueUrl ?? '';
      const arn = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const schema = { ...stepQueueSchema, visibilityTimeoutSeconds: CHAOS_TIMING.visibilityTimeoutSeconds };
      const queue = await sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: stepQueueAttributes(arn.Attributes?.['QueueArn'] ?? '', schema),
        }),
      );
      return { index, tableName: name, queueUrl: queue.QueueUrl ?? '', deadLetterQueueUrl };
    }),
  );
  return {
    dynamoEndpoint: endpoints.dynamo,
    sqsEndpoint: endpoints.sqs,
    writeEndpoint: proxy.endpoint,
    stateBucket,
    s3Config,
    shards,
    dynamodb,
    documentClient,
    sqs,
    s3,
    dispose: async () => {
      await Promise.allSettled([
        ...shards.flatMap((s) => [
          dynamodb.send(new DeleteTableCommand({ TableName: s.tableName })),
          sqs.send(new DeleteQueueCommand({ QueueUrl: s.queueUrl })),
          sqs.send(new DeleteQueueCommand({ QueueUrl: s.deadLetterQueueUrl })),
        ]),
        emptyAndDeleteBucket(s3, stateBucket),
      ]);
      dynamodb.destroy();
      sqs.destroy();
      s3.destroy();
      await proxy.close();
    },
  };
}

/** Deletes every object of `bucket`, a page (at most 1,000) at a time, then the bucket. */
async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Messages a queue holds: visible, in flight (received, not deleted) and delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}
