import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorCode, LongRunningError, ValidationError } from '../core/errors.js';
import {
  decideAcquire,
  releaseLimitRecord,
  limitUseOf,
  updateLimitRecord,
  type AcquireRequest,
  type AcquireResult,
  type LimitRecord,
  type LimitRecordIo,
  type LimitUse,
} from '../runtime/limit-decision.js';
import type { EpochMs } from '../runtime/model.js';
import type { Limiter } from '../runtime/ports.js';
import { queryItems, send } from './dynamodb/requests.js';
import { conditionFailure, translateSdkError } from './dynamodb/sdk-errors.js';
import type { TableContext } from './dynamodb/table-context.js';
import type { DynamoDbExecutionStoreOptions } from './execution-store/dynamodb-execution-store.js';

/** The one partition of every limit record: `GET /limits` lists them all with one Query. */
export const LIMITS_PK = 'LIMITS';

/** `KEY#<key>`: the sort key of one limit key's record. */
export function limitSk(key: string): string {
  return `KEY#${key}`;
}

/**
 * The {@link Limiter} on the executions' table: one item per key (`LIMITS` /
 * `KEY#<key>`) holding the record as JSON text beside its `rev`. An acquire is a
 * consistent GetItem and one PutItem conditional on the `rev` read (or on the item
 * being new); a release the same, or the read alone when the holder is gone. All
 * keys share one partition, so together they take at most about 1,000 writes a
 * second (DynamoDB's per-partition ceiling): docs/architecture.md, "Flow control".
 */
export class DynamoDbLimiter implements Limiter {
  readonly #ctx: TableContext;
  readonly #io: LimitRecordIo;

  constructor(options: Pick<DynamoDbExecutionStoreOptions, 'client' | 'tableName'>) {
    if (!options.tableName) throw new ValidationError('tableName is required');
    const ctx: TableContext = { client: options.client, tableName: options.tableName, maxItemBytes: 400 * 1024 };
    this.#ctx = ctx;
    this.#io = {
      read: async (key) => {
        const out = await send(ctx, 'GetItem', () =>
          ctx.client.send(
            new GetCommand({
              TableName: ctx.tableName,
              Key: { pk: LIMITS_PK, sk: limitSk(key) },
              ConsistentRead: true,
            }),
          ),
        );
        return out.Item === undefined ? undefined : recordOf(out.Item);
      },
      write: async (next, expected) => {
        try {
          await ctx.client.send(
            new PutCommand({
              TableName: ctx.tableName,
              Item: { pk: LIMITS_PK, sk: limitSk(next.key), rev: next.revision, limit: JSON.stringify(next) },
              ...(expected === undefined
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': expected } }),
            }),
          );
          return true;
        } catch (thrown) {
          if (conditionFailure(thrown)) return false;
          throw translateSdkError(thrown, `DynamoDB PutItem (limit ${next.key}) on ${ctx.tableName}`);
        }
      },
    };
  }

  acquire(req: AcquireRequest): Promise<AcquireResult> {
    return updateLimitRecord(this.#io, req.key, (r) => decideAcquire(r, req));
  }

  release(req: { key: string; holderId: string }): Promise<void> {
    return releaseLimitRecord(this.#io, req.key, req.holderId);
  }

  async list(now: EpochMs): Promise<LimitUse[]> {
    const { items } = await queryItems(
      this.#ctx,
      { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': LIMITS_PK } },
      10_000,
    );
    return items.map((item) => limitUseOf(recordOf(item), now));
  }
}

function recordOf(item: Record<string, unknown>): LimitRecord {
  const text = item['limit'];
  try {
    if (typeof text !== 'string') throw new Error('field "limit" must be JSON text');
    return JSON.parse(text) as LimitRecord;
  } catch (thrown) {
    throw new LongRunningError(
      ErrorCode.CorruptRecord,
      `corrupt limit record ${String(item['sk'])}: ${(thrown as Error).message}`,
    );
  }
}
