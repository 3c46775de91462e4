import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureResources, ensureTable } from '../../lib/local/ensure-resources.js';

/** Clients and names of one test file's own table and queues. */
export interface AwsResources {
  /** The emulator's endpoint. */
  endpoint: string;
  dynamodb: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
  tableName: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  s3: S3Client;
  /** The bucket of large states. */
  stateBucket: string;
  /** Deletes the table and queues and closes the clients. */
  dispose: () => Promise<void>;
}

/** Settings of every client made for the emulator: us-east-1, dummy credentials. */
export function emulatorClientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

/**
 * Creates a uniquely named table (from `table-schema.ts`) and step queue + DLQ (from
 * `queue-schema.ts`) on the emulator at `endpoint`, for one test file.
 */
export async function createResources(endpoint: string): Promise<AwsResources> {
  const config = emulatorClientConfig(endpoint);
  const dynamodb = new DynamoDBClient(config);
  const documentClient = DynamoDBDocumentClient.from(dynamodb);
  const sqs = new SQSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const suffix = randomBytes(6).toString('hex');
  // The same creation npm run dev uses, under names unique to this test file.
  const { tableName, queueUrl, deadLetterQueueUrl } = await ensureResources(
    { dynamodb, sqs, s3 },
    { table: `longrunning-test-${suffix}`, queue: `steps-${suffix}`, bucket: `longrunning-test-${suffix}` },
  );
  const stateBucket = `longrunning-test-${suffix}`;
  const dispose = async (): Promise<void> => {
    await Promise.allSettled([
      dynamodb.send(new DeleteTableCommand({ TableName: tableName })),
      sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })),
      sqs.send(new DeleteQueueCommand({ QueueUrl: deadLetterQueueUrl })),
      emptyAndDeleteBucket(s3, stateBucket),
    ]);
    dynamodb.destroy();
    sqs.destroy();
    s3.destroy();
  };
  return {
    endpoint,
    dynamodb,
    documentClient,
    sqs,
    s3,
    tableName,
    queueUrl,
    deadLetterQueueUrl,
    stateBucket,
    dispose,
  };
}

async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const keys = (listed.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
  if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Creates a uniquely named table (from `table-schema.ts`) with `dynamodb`, and returns its name. */
export async function createTable(dynamodb: DynamoDBClient): Promise<string> {
  const tableName = `longrunning-test-${randomBytes(6).toString('hex')}`;
  await ensureTable(dynamodb, tableName);
  return tableName;
}
