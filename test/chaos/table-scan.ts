import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Shard } from './worker-config.js';

/** An execution as its items in the table have it, read raw (the engine's decoders are not trusted here). */
export interface ScannedExecution {
  id: string;
  shard: number;
  head?: {
    state: string;
    currentStep: number;
    totalSteps: number;
    version: number;
    /** The latest state, as the JSON text the item holds. */
    data: string | undefined;
    error?: { code?: unknown; message?: unknown };
  };
  /** Every checkpoint item, by step: its state's JSON text and commit time. */
  checkpoints: { step: number; data: string | undefined; timestamp: number }[];
}

/** A message left in a queue at the end. */
export interface LeftMessage {
  shard: number;
  body: string;
  deadLetter: boolean;
}

/** What one shard's table and queues hold at the end. */
export interface ShardContents {
  executions: ScannedExecution[];
  /** Idempotency key to execution id. */
  keys: Map<string, string>;
  messages: LeftMessage[];
}

/** Reads everything of `shard`: a consistent Scan of its table, and the messages left in its queues (deleted as read). */
export async function scanShard(client: DynamoDBDocumentClient, sqs: SQSClient, shard: Shard): Promise<ShardContents> {
  const byId = new Map<string, ScannedExecution>();
  const keys = new Map<string, string>();
  const exec = (id: string): ScannedExecution => {
    let e = byId.get(id);
    if (!e) byId.set(id, (e = { id, shard: shard.index, checkpoints: [] }));
    return e;
  };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: shard.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      const pk = String(item['pk']);
      const sk = String(item['sk']);
      if (pk.startsWith('IDEM#')) keys.set(pk.slice(5), String(item['executionId']));
      if (!pk.startsWith('EXEC#')) continue;
      const e = exec(pk.slice(5));
      const data = typeof item['data'] === 'string' ? item['data'] : undefined;
      if (sk === 'HEAD') {
        e.head = {
          state: String(item['state']),
          currentStep: Number(item['currentStep']),
          totalSteps: Number(item['totalSteps']),
          version: Number(item['version']),
          data,
          ...(item['error'] === undefined ? {} : { error: item['error'] as { code?: unknown; message?: unknown } }),
        };
      } else if (sk.startsWith('CP#')) {
        e.checkpoints.push({ step: Number(sk.slice(3)), data, timestamp: Number(item['timestamp']) });
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  for (const e of byId.values()) e.checkpoints.sort((a, b) => a.step - b.step);
  const messages = [
    ...(await drainQueue(sqs, shard.queueUrl)).map((body) => ({ shard: shard.index, body, deadLetter: false })),
    ...(await drainQueue(sqs, shard.deadLetterQueueUrl)).map((body) => ({
      shard: shard.index,
      body,
      deadLetter: true,
    })),
  ];
  return { executions: [...byId.values()], keys, messages };
}

/** Receives (and deletes) every visible message of a queue. */
async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return bodies;
    bodies.push(...messages.map((m) => m.Body ?? ''));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
}
