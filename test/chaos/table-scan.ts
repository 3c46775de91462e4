import { createHash } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isStateMarker, stateRefOf } from '../../lib/aws/large-state/state-ref.js';
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
  /** True when some state of it was kept in S3 (its `data` above is then the object's text). */
  offloaded?: boolean;
  /** States kept in S3 that could not be read back as their references say: each makes it corrupt. */
  stateProblems?: string[];
}

/** The text of the state object under `key`; throws when there is none or it cannot be read. */
export type StateObjectText = (key: string) => Promise<string>;

/** A state's JSON text as the table holds it, resolved: the object's text when the table holds a reference. */
export interface ResolvedState {
  data: string | undefined;
  /** True when the table held a reference (then `data` is its object's text, unless there is a problem). */
  offloaded: boolean;
  /** Why a reference could not be resolved (then `data` is the reference as the table holds it). */
  problem?: string;
}

/**
 * Resolves one state as the table holds it (JSON text): a state kept inline is
 * returned as it is; a reference marker is replaced by its object's text, fetched
 * with `get` and checked against the reference's SHA-256 and size. A malformed
 * reference, a missing object or one that does not match is a problem.
 */
export async function resolveStateText(data: string | undefined, get: StateObjectText): Promise<ResolvedState> {
  let value: unknown;
  try {
    value = data === undefined ? undefined : JSON.parse(data);
  } catch {
    return { data, offloaded: false };
  }
  if (!isStateMarker(value)) return { data, offloaded: false };
  const ref = stateRefOf(value);
  if (ref === undefined) return { data, offloaded: true, problem: `malformed state reference ${data?.slice(0, 200)}` };
  let text: string;
  try {
    text = await get(ref.key);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { data, offloaded: true, problem: `state object ${ref.key} is missing or unreadable (${why})` };
  }
  if (createHash('sha256').update(text, 'utf8').digest('hex') !== ref.sha256)
    return { data, offloaded: true, problem: `state object ${ref.key} does not match its reference (SHA-256 differs)` };
  if (Buffer.byteLength(text, 'utf8') !== ref.bytes)
    return {
      data,
      offloaded: true,
      problem: `state object ${ref.key} is not the ${ref.bytes} bytes its reference says`,
    };
  return { data: text, offloaded: true };
}

/**
 * The execution with every state the table holds as a reference (head and
 * checkpoints) replaced by its object's text, `offloaded` set when there was one,
 * and a line in `stateProblems` for each that could not be resolved.
 */
export async function resolveExecution(e: ScannedExecution, get: StateObjectText): Promise<ScannedExecution> {
  const problems: string[] = [];
  let offloaded = false;
  const resolve = async (where: string, data: string | undefined): Promise<string | undefined> => {
    const r = await resolveStateText(data, get);
    offloaded ||= r.offloaded;
    if (r.problem !== undefined) problems.push(`${where}: ${r.problem}`);
    return r.data;
  };
  const head = e.head && { ...e.head, data: await resolve('head state', e.head.data) };
  const checkpoints = [];
  for (const cp of e.checkpoints) checkpoints.push({ ...cp, data: await resolve(`checkpoint ${cp.step}`, cp.data) });
  return {
    ...e,
    ...(head ? { head } : {}),
    checkpoints,
    ...(offloaded ? { offloaded } : {}),
    ...(problems.length > 0 ? { stateProblems: problems } : {}),
  };
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

/**
 * Reads everything of `shard`: a consistent Scan of its table, with every state kept
 * in S3 read back through `get` (see {@link resolveExecution}), and the messages left
 * in its queues (deleted as read).
 */
export async function scanShard(
  client: DynamoDBDocumentClient,
  sqs: SQSClient,
  shard: Shard,
  get: StateObjectText,
): Promise<ShardContents> {
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
  // The head's state is its last checkpoint's: each object is fetched once.
  const fetched = new Map<string, Promise<string>>();
  const once: StateObjectText = (key) => {
    let text = fetched.get(key);
    if (!text) fetched.set(key, (text = get(key)));
    return text;
  };
  const executions = [];
  for (const e of byId.values()) executions.push(await resolveExecution(e, once));
  const messages = [
    ...(await drainQueue(sqs, shard.queueUrl)).map((body) => ({ shard: shard.index, body, deadLetter: false })),
    ...(await drainQueue(sqs, shard.deadLetterQueueUrl)).map((body) => ({
      shard: shard.index,
      body,
      deadLetter: true,
    })),
  ];
  return { executions, keys, messages };
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
