import { ErrorCode, IllegalTransitionError, LongRunningError, NotFoundError, ValidationError } from '../core/errors.js';
import type { ErrorInfo } from '../core/errors.js';
import { isTerminalState, type ExecutionState } from '../core/execution-state.js';
import { assertItemFits, MAX_ITEM_BYTES } from '../core/item-size.js';
import { promiseNow } from '../core/promise-now.js';
import { legalFrom } from '../core/transitions.js';
import * as change from '../runtime/head-changes.js';
import type { EpochMs, ExecutionHead, Page, RecordedEvent, StoredCheckpoint } from '../runtime/model.js';
import { readPage, validateLimit } from '../runtime/paging.js';
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
} from '../runtime/ports.js';
import { assertCountCap, cappedCounts, matchesListQuery, nameScope } from '../runtime/list-filter.js';
import { SEEN_EVENT_RETENTION_MS } from '../runtime/ports.js';
import {
  assertListQuery,
  assertNewExecution,
  canClaim,
  fenceRefusal,
  holdsLease,
  isOwnClaim,
  isOwnWrite,
  type FencedWrite,
  isStalled,
  assertReplace,
  assertTransitionAllowed,
  assertRewind,
  pinsMatch,
  stateJsonText,
} from '../runtime/store-rules.js';

/** Options of {@link InMemoryExecutionStore}. */
export interface InMemoryExecutionStoreOptions {
  /** Largest head or checkpoint item, measured as DynamoDB measures it; default (and at most) 400 KB. */
  maxItemBytes?: number;
}

interface StoredExecution {
  head: ExecutionHead;
  checkpoints: Map<number, StoredCheckpoint>;
  /** Event ids received (replaceHead's `eventId`) and when. */
  seen: Map<string, EpochMs>;
}

/**
 * An {@link ExecutionStore} in memory with the semantics of the DynamoDB one: each
 * method is one atomic conditional write (or a read) under the same rules
 * (lib/runtime/store-rules.ts), the item size limit is checked the same way before
 * anything is written, and values are copied through JSON in and out, so no caller
 * ever holds a reference into the store. For tests and local runs.
 *
 * @example
 * const store = new InMemoryExecutionStore({ maxItemBytes: 64 * 1024 });
 */
export class InMemoryExecutionStore implements ExecutionStore {
  /** The item size limit in force. */
  readonly maxItemBytes: number;
  readonly #executions = new Map<string, StoredExecution>();
  readonly #idempotency = new Map<string, string>();

  constructor(options: InMemoryExecutionStoreOptions = {}) {
    const max = options.maxItemBytes ?? MAX_ITEM_BYTES;
    if (!Number.isSafeInteger(max) || max < 1 || max > MAX_ITEM_BYTES) {
      throw new ValidationError(`maxItemBytes must be a whole number from 1 to ${MAX_ITEM_BYTES}, got ${max}`);
    }
    this.maxItemBytes = max;
  }

  create(exec: NewExecution): Promise<{ head: ExecutionHead; created: boolean }> {
    return promiseNow(() => {
      assertNewExecution(exec);
      // The input is checked in full (size too) before the key or the id is looked up, as DynamoDB does.
      const head = change.createdHead(exec);
      const checkpoint = change.checkpointOf(head, exec.now);
      this.#assertFits(head, checkpoint);
      const earlierId = exec.idempotencyKey === undefined ? undefined : this.#idempotency.get(exec.idempotencyKey);
      const earlier = earlierId === undefined ? undefined : this.#executions.get(earlierId);
      if (earlier) return { head: copy(earlier.head), created: false };
      if (this.#executions.has(exec.id)) {
        throw new LongRunningError(ErrorCode.Conflict, `execution ${exec.id} already exists`, {
          details: { id: exec.id },
        });
      }
      const stored: StoredExecution = { head, checkpoints: new Map(), seen: new Map() };
      this.#put(stored, head, checkpoint);
      this.#executions.set(exec.id, stored);
      if (exec.idempotencyKey !== undefined) this.#idempotency.set(exec.idempotencyKey, exec.id);
      return { head: copy(stored.head), created: true };
    });
  }

  claim(req: ClaimRequest): Promise<ExecutionHead | undefined> {
    return promiseNow(() => {
      const stored = this.#executions.get(req.id);
      if (!stored) return undefined;
      if (isOwnClaim(stored.head, req)) return copy(stored.head);
      if (!canClaim(stored.head, req)) return undefined;
      this.#write(stored, change.claimedHead(stored.head, req.owner, req.now + req.leaseMs, req.now));
      return copy(stored.head);
    });
  }

  extendLease(req: Fence & { leaseMs: number }): Promise<{ lost: boolean; state?: ExecutionState }> {
    return promiseNow(() => {
      const stored = this.#executions.get(req.id);
      if (!stored) return { lost: true };
      const h = stored.head;
      if (!holdsLease(h, req)) return { lost: true, state: h.state };
      stored.head = { ...h, leaseExpiresAt: req.now + req.leaseMs };
      return { lost: false, state: h.state };
    });
  }

  commit(req: CommitRequest): Promise<ExecutionHead> {
    return this.#fencedWrite(req, 'commit', (h) => {
      const head = change.committedHead(h, req);
      return req.checkpoint === false ? { head } : { head, checkpoint: change.checkpointOf(head, req.now) };
    });
  }

  replaceHead(req: ReplaceRequest): Promise<ReplaceResult> {
    return promiseNow(() => {
      assertReplace(req);
      const stored = this.#executions.get(req.base.id);
      if (!stored || !pinsMatch(stored.head, req.base)) return { ok: false, current: stored && copy(stored.head) };
      if (req.eventId !== undefined) {
        const at = stored.seen.get(req.eventId);
        if (at !== undefined && at + SEEN_EVENT_RETENTION_MS > req.next.lastUpdate) {
          return { ok: false, current: copy(stored.head), duplicate: true };
        }
      }
      this.#write(stored, req.next);
      if (req.eventId !== undefined) stored.seen.set(req.eventId, req.next.lastUpdate);
      return { ok: true, head: copy(stored.head) };
    });
  }

  releaseForRetry(
    req: Fence & { error: ErrorInfo; sweepAt: EpochMs; events: RecordedEvent[] },
  ): Promise<ExecutionHead> {
    return this.#fencedWrite(req, 'release', (h) => ({ head: change.releasedHead(h, req) }));
  }

  fail(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead> {
    return this.#fencedWrite(req, 'fail', (h) => ({ head: change.failedHead(h, req) }));
  }

  park(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead> {
    return this.#fencedWrite(req, 'park', (h) => ({ head: change.parkedHead(h, req) }));
  }

  transition(req: TransitionRequest): Promise<ExecutionHead> {
    return promiseNow(() => {
      const stored = this.#executions.get(req.id);
      assertTransitionAllowed(req, stored?.head);
      this.#write(stored, change.transitionedHead(stored.head, req));
      return copy(stored.head);
    });
  }

  get(id: string): Promise<ExecutionHead | undefined> {
    return promiseNow(() => {
      const stored = this.#executions.get(id);
      return stored ? copy(stored.head) : undefined;
    });
  }

  getCheckpoint(id: string, seq: number): Promise<StoredCheckpoint | undefined> {
    return promiseNow(() => {
      const stored = this.#executions.get(id);
      const cp = stored?.checkpoints.get(seq);
      return stored && cp && cp.seq <= stored.head.stepRuns ? copy(cp) : undefined;
    });
  }

  rewind(req: RewindRequest): Promise<ExecutionHead> {
    return promiseNow(() => {
      const stored = this.#executions.get(req.id);
      const cp = stored?.checkpoints.get(req.toCheckpoint);
      assertRewind(req, stored?.head, cp);
      if (!stored) throw new NotFoundError('execution', req.id);
      const head = change.rewoundHead(stored.head, cp, req.state === undefined ? cp.state : req.state, req);
      this.#write(stored, head, change.rewindCheckpointOf(head, cp.seq, req.now));
      return copy(stored.head);
    });
  }

  listCheckpoints(id: string, page: { limit: number; nextToken?: string }): Promise<Page<StoredCheckpoint>> {
    return promiseNow(() => {
      const newestFirst = [...(this.#executions.get(id)?.checkpoints.values() ?? [])].sort((a, b) => b.seq - a.seq);
      const result = readPage(newestFirst, page, `checkpoints:${id}`, {
        positionOf: (cp) => cp.seq,
        isAfter: (cp, position) => cp.seq < (position as number),
        isPosition: (p) => typeof p === 'number' && Number.isSafeInteger(p) && p >= 0,
      });
      return { ...result, items: result.items.map(copy) };
    });
  }

  list(query: ListQuery): Promise<Page<ExecutionHead>> {
    return promiseNow(() => {
      assertListQuery(query);
      const newestFirst = [...this.#executions.values()]
        .map((s) => s.head)
        .filter((h) => matchesListQuery(h, query))
        .sort((a, b) => b.startTime - a.startTime || compareDesc(a.id, b.id));
      const scope = `list:${query.state ?? '*'}:${query.workflow ?? '*'}${nameScope(query.name)}`;
      const result = readPage(newestFirst, query, scope, {
        positionOf: (h) => [h.startTime, h.id],
        isAfter: (h, position) => {
          const [time, id] = position as [number, string];
          return h.startTime < time || (h.startTime === time && h.id < id);
        },
        isPosition: (p) => Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && typeof p[1] === 'string',
      });
      return { ...result, items: result.items.map(copy) };
    });
  }

  countByState(options: { cap: number }): Promise<StateCounts> {
    return promiseNow(() => {
      assertCountCap(options.cap);
      const heads = [...this.#executions.values()].map((s) => s.head);
      return cappedCounts(options.cap, (state) => heads.filter((h) => h.state === state).length);
    });
  }

  findStalled(req: { now: EpochMs; dueBefore: EpochMs; limit: number }): Promise<ExecutionHead[]> {
    return promiseNow(() => {
      validateLimit(req.limit);
      return [...this.#executions.values()]
        .map((s) => s.head)
        .filter((h) => isStalled(h, req))
        .sort((a, b) => (a.sweepAt ?? 0) - (b.sweepAt ?? 0))
        .slice(0, req.limit)
        .map(copy);
    });
  }

  delete(id: string): Promise<void> {
    return promiseNow(() => {
      const stored = this.#executions.get(id);
      if (!stored) throw new NotFoundError('execution', id);
      const { state, idempotencyKey } = stored.head;
      if (!isTerminalState(state)) throw new IllegalTransitionError(id, state, 'delete', legalFrom('delete'));
      this.#executions.delete(id);
      if (idempotencyKey !== undefined && this.#idempotency.get(idempotencyKey) === id) {
        this.#idempotency.delete(idempotencyKey);
      }
    });
  }

  /**
   * Applies `next` when the fence holds (STALE_TOKEN or LEASE_CONFLICT otherwise). A
   * write that already landed (`isOwnWrite`: a retry after a lost response) returns
   * the head as it stands and writes nothing.
   */
  #fencedWrite(
    req: Fence & { step?: number },
    write: FencedWrite,
    next: (h: ExecutionHead) => { head: ExecutionHead; checkpoint?: StoredCheckpoint },
  ): Promise<ExecutionHead> {
    return promiseNow(() => {
      const stored = this.#executions.get(req.id);
      const current = stored && copy(stored.head);
      const refusal = fenceRefusal(req, current);
      if (refusal && isOwnWrite(current, req, write)) return current as ExecutionHead;
      if (refusal || !stored) throw refusal ?? new NotFoundError('execution', req.id);
      const { head, checkpoint } = next(stored.head);
      this.#write(stored, head, checkpoint);
      return copy(stored.head);
    });
  }

  /** Checks both items first (see {@link #assertFits}), then stores them: all or nothing. */
  #write(stored: StoredExecution, head: ExecutionHead, checkpoint?: StoredCheckpoint): void {
    this.#assertFits(head, checkpoint);
    this.#put(stored, head, checkpoint);
  }

  /** Stores JSON copies of items already checked. */
  #put(stored: StoredExecution, head: ExecutionHead, checkpoint?: StoredCheckpoint): void {
    stored.head = copy(head);
    if (checkpoint) stored.checkpoints.set(checkpoint.seq, copy(checkpoint));
  }

  /**
   * VALIDATION_ERROR for a state without JSON text, STATE_TOO_LARGE for an item over
   * the limit (measured as DynamoDB measures it, the state held as JSON text).
   */
  #assertFits(head: ExecutionHead, checkpoint?: StoredCheckpoint): void {
    assertItemFits({ ...head, data: stateJsonText(head.data, head.id) }, this.maxItemBytes, 'execution head');
    if (checkpoint) {
      const state = stateJsonText(checkpoint.state, checkpoint.executionId);
      assertItemFits({ ...checkpoint, state }, this.maxItemBytes, 'checkpoint');
    }
  }
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
