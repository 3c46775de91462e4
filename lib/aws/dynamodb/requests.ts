import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, BatchWriteCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ErrorCode, LongRunningError } from '../../core/errors.js';
import { translateSdkError } from './sdk-errors.js';
import type { Item, TableContext, TableKey } from './table-context.js';

const GET_CHUNK = 100;
const WRITE_CHUNK = 25;
const MAX_ROUNDS = 8;

/**
 * Reads items by key with BatchGetItem (100 keys a call, unprocessed keys retried
 * with backoff). Returns the items found, each once, in the order of `keys`; missing ones are
 * left out. Eventually consistent, like the index reads that produce the keys.
 */
export async function batchGetItems(ctx: TableContext, keys: readonly TableKey[]): Promise<Item[]> {
  const found = new Map<string, Item>();
  // DynamoDB rejects a batch that names a key twice; an item can appear in two index
  // pages (it changed state between the queries), so keys are made unique here.
  const unique = [...new Map(keys.map((k) => [keyString(k), { pk: k.pk, sk: k.sk }])).values()];
  for (let i = 0; i < unique.length; i += GET_CHUNK) {
    let pending: Record<string, unknown>[] = unique.slice(i, i + GET_CHUNK);
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_ROUNDS) throw tooManyRounds('BatchGetItem');
      if (round > 0) await backoff(round);
      const out = await send(ctx, 'BatchGetItem', () =>
        ctx.client.send(new BatchGetCommand({ RequestItems: { [ctx.tableName]: { Keys: pending } } })),
      );
      for (const item of out.Responses?.[ctx.tableName] ?? []) found.set(keyString(item), item);
      pending = out.UnprocessedKeys?.[ctx.tableName]?.Keys ?? [];
    }
  }
  return unique.flatMap((k): Item[] => {
    const item = found.get(keyString(k));
    return item ? [item] : [];
  });
}

/** Deletes items by key with BatchWriteItem (25 a call, unprocessed items retried with backoff). */
export async function batchDeleteKeys(ctx: TableContext, keys: readonly TableKey[]): Promise<void> {
  for (let i = 0; i < keys.length; i += WRITE_CHUNK) {
    let pending: { DeleteRequest?: { Key: Record<string, unknown> | undefined } }[] = keys
      .slice(i, i + WRITE_CHUNK)
      .map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } }));
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_ROUNDS) throw tooManyRounds('BatchWriteItem');
      if (round > 0) await backoff(round);
      const requests = pending;
      const out = await send(ctx, 'BatchWriteItem', () =>
        ctx.client.send(new BatchWriteCommand({ RequestItems: { [ctx.tableName]: requests } })),
      );
      pending = (out.UnprocessedItems?.[ctx.tableName] ?? []) as typeof pending;
    }
  }
}

/**
 * Queries until `enough` items are collected or the query is exhausted. Returns the
 * items and whether more may follow (DynamoDB returned a LastEvaluatedKey).
 */
export async function queryItems(
  ctx: TableContext,
  input: Omit<QueryCommandInput, 'TableName' | 'Limit'>,
  enough: number,
): Promise<{ items: Item[]; more: boolean }> {
  const items: Item[] = [];
  let start = input.ExclusiveStartKey;
  do {
    const out = await send(ctx, 'Query', () =>
      ctx.client.send(
        new QueryCommand({
          ...input,
          TableName: ctx.tableName,
          Limit: enough - items.length,
          ExclusiveStartKey: start,
        }),
      ),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined && items.length < enough);
  return { items, more: start !== undefined };
}

/** Runs one SDK call, translating what it throws (see translateSdkError). */
export async function send<T>(ctx: TableContext, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (thrown) {
    throw translateSdkError(thrown, `DynamoDB ${operation} on ${ctx.tableName}`);
  }
}

function keyString(item: Record<string, unknown>): string {
  return `${String(item['pk'])}\u0000${String(item['sk'])}`;
}

function backoff(round: number): Promise<void> {
  return sleep(Math.min(1000, 25 * 2 ** round));
}

function tooManyRounds(operation: string): LongRunningError {
  return new LongRunningError(
    ErrorCode.Throttled,
    `DynamoDB ${operation} left items unprocessed after ${MAX_ROUNDS} rounds`,
    {
      retryable: true,
    },
  );
}
