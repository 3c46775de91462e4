import { createHash } from 'node:crypto';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The one definition of the engine's DynamoDB table, as plain data: test setup
 * creates tables from it and the CDK construct declares the same keys and indexes.
 *
 * Items (docs/architecture.md, "Data model (one DynamoDB table)"):
 * - execution head `EXEC#<id>` / `HEAD`; checkpoints `EXEC#<id>` / `CP#<step, 10 digits>`;
 * - idempotency record `IDEM#<key>` / `IDEM` pointing at the execution id;
 * - in-process Executor snapshot `SNAP#<id>` / `SNAPSHOT`.
 */
export const TableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  execPrefix: 'EXEC#',
  headSk: 'HEAD',
  checkpointPrefix: 'CP#',
  /** An event id an execution received (sorts after `HEAD`, so a checkpoint listing never reads one). */
  seenEventPrefix: 'SEEN#',
  idempotencyPrefix: 'IDEM#',
  idempotencySk: 'IDEM',
  /** A bulk operation's record (`JOB#<id>` / `JOB`). */
  jobPrefix: 'JOB#',
  jobSk: 'JOB',
  snapshotPrefix: 'SNAP#',
  snapshotSk: 'SNAPSHOT',
  activePrefix: 'ACTIVE#',
  /** Value of `kind`, the `snapshots` index partition key, on every snapshot item. */
  snapshotKind: 'SNAPSHOT',
} as const;

/** Names of the global secondary indexes. */
export const IndexNames = {
  /** Sparse: running heads only, `activePk` (shard) / `sweepAt`, KEYS_ONLY. */
  active: 'active',
  /** Heads by workflow, `workflow` / `listSk`, KEYS_ONLY. */
  byWorkflow: 'byWorkflow',
  /** Heads by lifecycle state, `state` / `listSk`, KEYS_ONLY. */
  byState: 'byState',
  /** Sparse: Executor snapshots, `kind` / `listSk` (the id), KEYS_ONLY. */
  snapshots: 'snapshots',
} as const;

/** The attribute that DynamoDB's time-to-live deletes items by (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/** How many partitions the `active` index spreads running heads over. */
export const ACTIVE_SHARDS = 8;

/** Width of the zero-padded step number in checkpoint sort keys. */
const STEP_DIGITS = 10;

/** `EXEC#<id>`: the partition of one execution's head and checkpoints. */
export function execPk(id: string): string {
  return `${TableKeys.execPrefix}${id}`;
}

/** `CP#<step zero-padded to 10 digits>`: sorts checkpoints by step. */
export function checkpointSk(step: number): string {
  return `${TableKeys.checkpointPrefix}${String(step).padStart(STEP_DIGITS, '0')}`;
}

/** `SEEN#<event id>`: the record that an execution received that event id. */
export function seenEventSk(eventId: string): string {
  return `${TableKeys.seenEventPrefix}${eventId}`;
}

/** `IDEM#<key>`: the partition of an idempotency record. */
/** `JOB#<id>`: the partition of a bulk job's record. */
export function jobPk(id: string): string {
  return `${TableKeys.jobPrefix}${id}`;
}

export function idempotencyPk(key: string): string {
  return `${TableKeys.idempotencyPrefix}${key}`;
}

/** `SNAP#<id>`: the partition of one Executor snapshot. */
export function snapshotPk(id: string): string {
  return `${TableKeys.snapshotPrefix}${id}`;
}

/** `ACTIVE#<0..7>`: the `active` index shard of an execution, from a hash of its id. */
export function activeShard(id: string): string {
  const digest = createHash('sha256').update(id).digest();
  return `${TableKeys.activePrefix}${(digest[0] ?? 0) % ACTIVE_SHARDS}`;
}

/** Every `active` index partition value, `ACTIVE#0` to `ACTIVE#7`. */
export function allActiveShards(): string[] {
  return Array.from({ length: ACTIVE_SHARDS }, (_, i) => `${TableKeys.activePrefix}${i}`);
}

/** `<startTime ISO>#<id>`: list order (newest first when read backwards). */
export function listSortKey(startTime: number, id: string): string {
  return `${new Date(startTime).toISOString()}#${id}`;
}

/** One key attribute of the table or an index. */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

/** A global secondary index as plain data. */
export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  projection: 'KEYS_ONLY';
}

/** The table's keys, TTL attribute and indexes. */
export interface TableSchema {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  timeToLiveAttribute: string;
  indexes: readonly IndexDefinition[];
}

const S = (name: string): KeyAttribute => ({ name, type: 'S' });

/**
 * The table: `pk`/`sk` strings, TTL on `expiresAt`, and four KEYS_ONLY indexes.
 * KEYS_ONLY keeps index writes rare: a head update that changes no index key
 * (claim, heartbeat) writes no index, and every commit, which moves `sweepAt`,
 * writes only keys to `active`. Readers fetch the heads by key (BatchGetItem).
 */
export const tableSchema: TableSchema = {
  partitionKey: S('pk'),
  sortKey: S('sk'),
  timeToLiveAttribute: TTL_ATTRIBUTE,
  indexes: [
    {
      name: IndexNames.active,
      partitionKey: S('activePk'),
      sortKey: { name: 'sweepAt', type: 'N' },
      projection: 'KEYS_ONLY',
    },
    { name: IndexNames.byWorkflow, partitionKey: S('workflow'), sortKey: S('listSk'), projection: 'KEYS_ONLY' },
    { name: IndexNames.byState, partitionKey: S('state'), sortKey: S('listSk'), projection: 'KEYS_ONLY' },
    { name: IndexNames.snapshots, partitionKey: S('kind'), sortKey: S('listSk'), projection: 'KEYS_ONLY' },
  ],
};

/** Every attribute that is a key of the table or of an index, with its type. */
export function keyAttributes(): KeyAttribute[] {
  const all = [tableSchema.partitionKey, tableSchema.sortKey];
  for (const index of tableSchema.indexes) all.push(index.partitionKey, index.sortKey);
  const seen = new Map<string, KeyAttribute>();
  for (const attr of all) seen.set(attr.name, attr);
  return [...seen.values()];
}

/**
 * The CreateTable input of the schema, billed on demand (PAY_PER_REQUEST). TTL is
 * turned on separately (UpdateTimeToLive on {@link TTL_ATTRIBUTE}).
 *
 * @example
 * await client.send(new CreateTableCommand(createTableInput('longrunning-dev')));
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributes().map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: [
      { AttributeName: tableSchema.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: tableSchema.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: tableSchema.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}
