import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../core/errors.js';
import type { ExecutionState } from '../../core/execution-state.js';
import type { ErrorInfo } from '../../core/errors.js';
import type { EpochMs, ExecutionHead, Page, RecordedEvent, StoredCheckpoint } from '../../runtime/model.js';
import type {
  ClaimRequest,
  CommitRequest,
  ExecutionStore,
  Fence,
  ListQuery,
  NewExecution,
  ReplaceRequest,
  ReplaceResult,
  RewindRequest,
  StateCounts,
  TransitionRequest,
} from '../../runtime/ports.js';
import { assertReplace, HEAD_PINS } from '../../runtime/store-rules.js';
import { readHead, writeOverBase, writeOverBaseRecordingEvent } from './pinned-write.js';
import { deleteExecution } from './delete.js';
import { transitionExecution } from './transition.js';
import { getCheckpoint, rewindExecution } from './rewind.js';
import { createExecution } from './create.js';
import { findStalled } from './find-stalled.js';
import { listCheckpoints } from './list-checkpoints.js';
import { listHeads } from './list-heads.js';
import { countByState } from './count-by-state.js';
import { FencedWrites } from './fenced-writes.js';
import { HeadCache } from './head-cache.js';
import { assertSafeId, isSafeId } from '../../core/ids.js';
import { claimStep, extendLease } from './lease.js';
import type { TableContext } from '../dynamodb/table-context.js';
import { MAX_ITEM_BYTES } from '../../core/item-size.js';

/** Options of {@link DynamoDbExecutionStore}. */
export interface DynamoDbExecutionStoreOptions {
  /** The document client, created once per handler module and passed in. */
  client: DynamoDBDocumentClient;
  /** The table created from `createTableInput` (or the CDK construct). */
  tableName: string;
  /** Largest head or checkpoint item to write, in bytes; at most (and by default) 400 KB. */
  maxItemBytes?: number;
}

/**
 * The {@link ExecutionStore} on one DynamoDB table (see `table-schema.ts`). Each
 * method is one conditional write or one read path, as the port documents: a claim
 * is one UpdateItem returning the head, a commit one TransactWriteItems (checkpoint
 * put + fenced head update), control actions one UpdateItem. Conditional failures
 * become domain errors (STALE_TOKEN, LEASE_CONFLICT, ILLEGAL_TRANSITION, NOT_FOUND),
 * throttling and service faults retryable THROTTLED / STORE_UNAVAILABLE, and an item
 * over the size limit STATE_TOO_LARGE before anything is written.
 *
 * The instance remembers the heads it last claimed or wrote, so that the fenced
 * write after a claim needs no read; use one instance per handler module.
 *
 * @example
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const store = new DynamoDbExecutionStore({ client, tableName: env.TABLE_NAME });
 * const head = await store.claim({ id, token, owner, now: Date.now(), step, leaseMs: 60_000 });
 */
export class DynamoDbExecutionStore implements ExecutionStore {
  readonly #ctx: TableContext;
  readonly #cache = new HeadCache();
  readonly #fenced: FencedWrites;

  constructor(options: DynamoDbExecutionStoreOptions) {
    const maxItemBytes = options.maxItemBytes ?? MAX_ITEM_BYTES;
    if (!Number.isSafeInteger(maxItemBytes) || maxItemBytes < 1 || maxItemBytes > MAX_ITEM_BYTES) {
      throw new ValidationError(`maxItemBytes must be a whole number from 1 to ${MAX_ITEM_BYTES}`, { maxItemBytes });
    }
    if (!options.tableName) throw new ValidationError('tableName is required');
    this.#ctx = { client: options.client, tableName: options.tableName, maxItemBytes };
    this.#fenced = new FencedWrites(this.#ctx, this.#cache);
  }

  /** Head + checkpoint 0 (+ idempotency record) in one transaction. */
  create(exec: NewExecution): Promise<{ head: ExecutionHead; created: boolean }> {
    return createExecution(this.#ctx, this.#cache, exec);
  }

  /** One conditional UpdateItem (ALL_NEW); undefined when the condition fails. */
  async claim(req: ClaimRequest): Promise<ExecutionHead | undefined> {
    return isSafeId(req.id) ? claimStep(this.#ctx, this.#cache, req) : undefined;
  }

  /** One conditional UpdateItem of the lease expiry. */
  async extendLease(req: Fence & { leaseMs: number }): Promise<{ lost: boolean; state?: ExecutionState }> {
    return isSafeId(req.id) ? extendLease(this.#ctx, this.#cache, req) : { lost: true };
  }

  /** One TransactWriteItems: put `CP#<stepRuns>`, fenced update of the head (decided again if the head moved). */
  commit(req: CommitRequest): Promise<ExecutionHead> {
    return this.#fenced.commit(req);
  }

  /**
   * One UpdateItem of the attributes that differ, conditional on the base's pinned
   * fields (ALL_OLD on failure); with an `eventId`, one TransactWriteItems that also
   * records it (`SEEN#<eventId>`, see writeOverBaseRecordingEvent).
   */
  async replaceHead(req: ReplaceRequest): Promise<ReplaceResult> {
    assertReplace(req);
    const result =
      req.eventId === undefined
        ? await writeOverBase(this.#ctx, req.base, req.next, HEAD_PINS)
        : await writeOverBaseRecordingEvent(
            this.#ctx,
            req.base,
            req.next,
            HEAD_PINS,
            assertSafeId(req.eventId, 'eventId'),
          );
    if (!result.ok) {
      this.#cache.delete(req.base.id);
      return result;
    }
    this.#cache.set(req.next);
    return { ok: true, head: req.next };
  }

  /** One fenced UpdateItem: version + 1, lease removed, error kept, sweepAt set. */
  releaseForRetry(
    req: Fence & { error: ErrorInfo; sweepAt: EpochMs; events: RecordedEvent[] },
  ): Promise<ExecutionHead> {
    return this.#fenced.releaseForRetry(req);
  }

  /** One fenced UpdateItem: failed, error and endTime set. */
  fail(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead> {
    return this.#fenced.fail(req);
  }

  /** One fenced UpdateItem: paused with an error. */
  park(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead> {
    return this.#fenced.park(req);
  }

  /** One UpdateItem conditional on state IN (`from`). */
  transition(req: TransitionRequest): Promise<ExecutionHead> {
    return transitionExecution(this.#ctx, this.#cache, req);
  }

  /** A strongly consistent GetItem of the head. */
  async get(id: string): Promise<ExecutionHead | undefined> {
    return isSafeId(id) ? readHead(this.#ctx, id) : undefined;
  }

  /** Two strongly consistent GetItems: the checkpoint, and the head to see it is committed. */
  getCheckpoint(id: string, seq: number): Promise<StoredCheckpoint | undefined> {
    return getCheckpoint(this.#ctx, id, seq);
  }

  /** One TransactWriteItems: the rewind's checkpoint and the head over the head as read. */
  rewind(req: RewindRequest): Promise<ExecutionHead> {
    return rewindExecution(this.#ctx, this.#cache, req);
  }

  /** A Query of the execution's partition, newest checkpoint first. */
  listCheckpoints(id: string, page: { limit: number; nextToken?: string }): Promise<Page<StoredCheckpoint>> {
    return listCheckpoints(this.#ctx, id, page);
  }

  /** Index queries and BatchGetItem of the heads, newest first. */
  list(query: ListQuery): Promise<Page<ExecutionHead>> {
    return listHeads(this.#ctx, query);
  }

  /** A COUNT Query of the KEYS_ONLY `byState` index per state (see countByState), never a head read. */
  countByState(options: { cap: number }): Promise<StateCounts> {
    return countByState(this.#ctx, options);
  }

  /** Queries of the sparse `active` index (all shards), never a Scan. */
  findStalled(req: { now: EpochMs; dueBefore: EpochMs; limit: number }): Promise<ExecutionHead[]> {
    return findStalled(this.#ctx, req);
  }

  /** Conditional delete of the head, then batch delete of its partition. */
  delete(id: string): Promise<void> {
    return deleteExecution(this.#ctx, this.#cache, id);
  }
}
