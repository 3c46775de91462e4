import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ErrorCode, LongRunningError, NotFoundError, toError } from '../core/errors.js';
import { noopLogger, type Logger } from '../core/logger.js';
import type { Execution } from '../core/types.js';
import { assertSafeId } from '../core/ids.js';
import type { CheckpointStore } from '../stores/checkpoint-store.js';
import { serializeExecution } from '../stores/execution-codec.js';
import { parseStoredExecution } from '../stores/parse-stored-execution.js';
import { batchGetItems, queryItems, send } from './dynamodb/requests.js';
import { assertItemFits, MAX_ITEM_BYTES } from '../core/item-size.js';
import { conditionFailure, translateSdkError } from './dynamodb/sdk-errors.js';
import type { Item, TableContext, TableKey } from './dynamodb/table-context.js';
import { IndexNames, TableKeys, snapshotPk } from './schema/table-schema.js';

/** Options of {@link DynamoDbCheckpointStore}. */
export interface DynamoDbCheckpointStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Told about skipped malformed records when listing. */
  logger?: Logger;
}

/**
 * A {@link CheckpointStore} for the in-process Executor on the engine's DynamoDB
 * table: one item per execution (`SNAP#<id>` / `SNAPSHOT`) holding the Go-format
 * JSON document (`serializeExecution`), so a save is one atomic PutItem.
 *
 * Listing queries the sparse KEYS_ONLY `snapshots` index (partition `kind =
 * SNAPSHOT`, sorted by id) and reads the items by key. A Scan with a filter would
 * read, and bill, every item of the table (execution heads and checkpoints too);
 * the index costs one small index write when a snapshot is first saved (its keys
 * never change after) and one when it is deleted. Its single partition suits the
 * Executor's scale (one process), not thousands of new executions a second.
 *
 * @example
 * const store = new DynamoDbCheckpointStore({ client, tableName: 'longrunning' });
 * const executor = new Executor({}, { checkpointStore: store });
 */
export class DynamoDbCheckpointStore implements CheckpointStore {
  readonly #ctx: TableContext;
  readonly #logger: Logger;

  constructor(options: DynamoDbCheckpointStoreOptions) {
    this.#ctx = { client: options.client, tableName: options.tableName, maxItemBytes: MAX_ITEM_BYTES };
    this.#logger = options.logger ?? noopLogger;
  }

  /** Replaces the execution's snapshot (STATE_TOO_LARGE, nothing written, over 400 KB). */
  async saveCheckpoint(exec: Execution): Promise<void> {
    const id = assertSafeId(exec.id);
    const item: Item = {
      ...key(id),
      kind: TableKeys.snapshotKind,
      listSk: id,
      id,
      document: serializeExecution(exec),
    };
    assertItemFits(item, this.#ctx.maxItemBytes, 'execution snapshot');
    await send(this.#ctx, 'PutItem', () =>
      this.#ctx.client.send(new PutCommand({ TableName: this.#ctx.tableName, Item: item })),
    );
  }

  /** The stored execution; NOT_FOUND when there is none, CORRUPT_RECORD when malformed. */
  async loadCheckpoint(execId: string): Promise<Execution> {
    const id = assertSafeId(execId);
    const out = await send(this.#ctx, 'GetItem', () =>
      this.#ctx.client.send(new GetCommand({ TableName: this.#ctx.tableName, Key: key(id), ConsistentRead: true })),
    );
    if (!out.Item) throw new NotFoundError('checkpoint', id);
    return decode(out.Item, id);
  }

  /** Every stored execution, in id order; malformed records skipped with a warning `{ id, error }`. */
  async listCheckpoints(): Promise<Execution[]> {
    const keys: TableKey[] = [];
    let start: Record<string, unknown> | undefined;
    for (;;) {
      const { items, more } = await queryItems(
        this.#ctx,
        {
          IndexName: IndexNames.snapshots,
          KeyConditionExpression: '#k = :k',
          ExpressionAttributeNames: { '#k': 'kind' },
          ExpressionAttributeValues: { ':k': TableKeys.snapshotKind },
          ExclusiveStartKey: start,
        },
        1000,
      );
      keys.push(...(items as TableKey[]));
      const last = items.at(-1);
      if (!more || !last) break;
      start = { pk: last['pk'], sk: last['sk'], kind: last['kind'], listSk: last['listSk'] };
    }
    const executions: Execution[] = [];
    for (const item of await batchGetItems(this.#ctx, keys)) {
      const id = String(item['id']);
      try {
        executions.push(decode(item, id));
      } catch (thrown) {
        if (!(thrown instanceof LongRunningError && thrown.code === ErrorCode.CorruptRecord)) throw thrown;
        this.#logger.warn('skipping malformed execution snapshot', { id, error: toError(thrown).message });
      }
    }
    return executions;
  }

  /** Removes the snapshot; NOT_FOUND when there is none. */
  async deleteCheckpoint(execId: string): Promise<void> {
    const id = assertSafeId(execId);
    try {
      await this.#ctx.client.send(
        new DeleteCommand({
          TableName: this.#ctx.tableName,
          Key: key(id),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (thrown) {
      if (conditionFailure(thrown)) throw new NotFoundError('checkpoint', id, thrown);
      throw translateSdkError(thrown, `DynamoDB DeleteItem on ${this.#ctx.tableName}`);
    }
  }
}

function key(id: string): { pk: string; sk: string } {
  return { pk: snapshotPk(id), sk: TableKeys.snapshotSk };
}

function decode(item: Item, id: string): Execution {
  const source = `DynamoDB item ${snapshotPk(id)}`;
  const text = item['document'];
  if (typeof text !== 'string') {
    throw new LongRunningError(
      ErrorCode.CorruptRecord,
      `corrupt execution record in ${source}: field "document" is not a string`,
      {
        details: { source, field: 'document' },
      },
    );
  }
  return parseStoredExecution(text, id, source);
}
