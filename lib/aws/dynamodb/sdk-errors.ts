import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ErrorCode, LongRunningError, toError } from '../../core/errors.js';

const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'KmsThrottled',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'SlowDown',
]);
const UNAVAILABLE = new Set([
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);
const CONFLICT = new Set(['TransactionConflictException', 'TransactionInProgressException', 'TransactionConflict']);

/** One entry of a `TransactionCanceledException`'s `CancellationReasons`. */
export interface CancellationReason {
  Code?: string;
  Message?: string;
  Item?: Record<string, AttributeValue>;
}

/** The error's `name` (SDK exceptions carry the service's error code there). */
export function errorName(thrown: unknown): string {
  return thrown instanceof Error ? thrown.name : '';
}

/** The raw old item of a `ConditionalCheckFailedException`, or null for another error. */
export function conditionFailure(thrown: unknown): { item: Record<string, AttributeValue> | undefined } | null {
  if (errorName(thrown) !== 'ConditionalCheckFailedException') return null;
  return { item: (thrown as { Item?: Record<string, AttributeValue> }).Item };
}

/** The reasons of a `TransactionCanceledException`, or null for another error. */
export function cancellationReasons(thrown: unknown): CancellationReason[] | null {
  if (errorName(thrown) !== 'TransactionCanceledException') return null;
  return (thrown as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}

/**
 * Translates what an AWS SDK call threw into the engine's errors: throttling to
 * `THROTTLED` and service or network faults to `STORE_UNAVAILABLE` (both retryable,
 * with the cause), transaction conflicts to a retryable `CONFLICT`, a missing table
 * or queue to a non-retryable `STORE_UNAVAILABLE`. Engine errors pass unchanged.
 */
export function translateSdkError(thrown: unknown, operation: string): LongRunningError {
  if (thrown instanceof LongRunningError) return thrown;
  const err = toError(thrown);
  const name = err.name;
  const reasonCodes = (cancellationReasons(thrown) ?? []).map((r) => r.Code ?? 'None');
  const codes = [name, ...reasonCodes, (thrown as { code?: unknown }).code].filter(
    (c): c is string => typeof c === 'string',
  );
  const status = (thrown as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const say = `${operation} failed: ${err.message || name}`;
  if (codes.some((c) => THROTTLED.has(c))) {
    return new LongRunningError(ErrorCode.Throttled, `${say} (throttled: retry later)`, {
      cause: thrown,
      retryable: true,
    });
  }
  if (codes.some((c) => CONFLICT.has(c))) {
    return new LongRunningError(ErrorCode.Conflict, `${say} (a concurrent transaction: retry)`, {
      cause: thrown,
      retryable: true,
    });
  }
  if (codes.some((c) => UNAVAILABLE.has(c) || NETWORK.has(c)) || (status !== undefined && status >= 500)) {
    return new LongRunningError(ErrorCode.StoreUnavailable, say, { cause: thrown, retryable: true });
  }
  if (
    name === 'ResourceNotFoundException' ||
    name === 'QueueDoesNotExist' ||
    name === 'AWS.SimpleQueueService.NonExistentQueue'
  ) {
    return new LongRunningError(ErrorCode.StoreUnavailable, `${say} (does the table or queue exist in this region?)`, {
      cause: thrown,
    });
  }
  if (/item size|maximum allowed size/i.test(err.message)) {
    return new LongRunningError(ErrorCode.StateTooLarge, `${say}: the item is over DynamoDB's 400 KB limit`, {
      cause: thrown,
    });
  }
  return new LongRunningError(ErrorCode.StoreUnavailable, say, { cause: thrown, retryable: false });
}
