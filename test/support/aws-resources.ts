import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deadLetterQueueAttributes, stepQueueAttributes } from '../../lib/aws/queue-schema.js';
import { TTL_ATTRIBUTE, createTableInput } from '../../lib/aws/table-schema.js';

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
  const suffix = randomBytes(6).toString('hex');
  const tableName = `longrunning-test-${suffix}`;
  await dynamodb.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }),
  );
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `steps-dlq-${suffix}`, Attributes: deadLetterQueueAttributes() }));
  const deadLetterQueueUrl = required(dlq.QueueUrl, 'dead-letter queue URL');
  const dlqAttributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }));
  const dlqArn = required(dlqAttributes.Attributes?.['QueueArn'], 'dead-letter queue ARN');
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `steps-${suffix}`, Attributes: stepQueueAttributes(dlqArn) }));
  const queueUrl = required(queue.QueueUrl, 'queue URL');
  const dispose = async (): Promise<void> => {
    await Promise.allSettled([
      dynamodb.send(new DeleteTableCommand({ TableName: tableName })),
      sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })),
      sqs.send(new DeleteQueueCommand({ QueueUrl: deadLetterQueueUrl })),
    ]);
    dynamodb.destroy();
    sqs.destroy();
  };
  return { endpoint, dynamodb, documentClient, sqs, tableName, queueUrl, deadLetterQueueUrl, dispose };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the emulator returned no ${what}`);
  return value;
}
