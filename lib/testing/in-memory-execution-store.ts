import type { ErrorInfo } from '../core/errors.js';
import {
  ErrorCode,
  IllegalTransitionError,
  LongRunningError,
  NotFoundError,
  StateTooLargeError,
  ValidationError,
  toError,
} from '../core/errors.js';
import { ExecutionState, isTerminalState } from '../core/execution-state.js';
import { legalFrom } from '../core/transitions.js';
import { LeaseConflictError, StaleTokenError } from '../runtime/errors.js';
import * as change from '../runtime/head-changes.js';
import type { EpochMs, ExecutionHead, Page, RecordedEvent, StoredCheckpoint } from '../runtime/model.js';
import { readPage, validateLimit } from '../runtime/page-reader.js';
import { PageTokenCodec } from '../runtime/page-token.js';
import type { ExecutionStore, Fence, ListQuery, NewExecution, TransitionRequest } from '../runtime/ports.js';

/** DynamoDB's item size limit, which the in-memory store enforces too. */
export const DEFAULT_MAX_ITEM_BYTES = 400 * 1024;

/** Options of {@link InMemoryExecutionStore}. */
export interface InMemoryExecutionStoreOptions {
  /** Largest head or checkpoint, in bytes of JSON; default {@link DEFAULT_MAX_ITEM_BYTES}. */
  maxItemBytes?: number;
}

interface StoredExecution {
  head: ExecutionHead;
  checkpoints: Map<number, StoredCheckpoint>;
}

const FENCED_STATES: ReadonlySet<ExecutionState> = new Set([ExecutionState.Running, ExecutionState.Paused]);

/**
 * An {@link ExecutionStore} in memory with the semantics of the DynamoDB one: each
 * method is one atomic conditional write (or a read), the item size limit is checked
 * before anything is written, and values are copied through JSON in and out, so no
 * caller ever holds a reference into the store. For tests and local runs.
 *
 * @example
 * const store = new InMemoryExecutionStore({ maxItemBytes: 64 * 1024 });
 */
export class InMemoryExecutionStore implements ExecutionStore {
  /** The item size limit in force. */
  readonly maxItemBytes: number;
  readonly #executions = new Map<string, StoredExecution>();
  readonly #idempotency = new Map<string, string>();
  readonly #tokens = new PageTokenCodec();

  constructor(options: InMemoryExecutionStoreOptions = {}) {
    const max = options.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new ValidationError(`maxItemBytes must be a positive whole number, got ${max}`);
    this.maxItemBytes = max;
  }

  create(exec: NewExecution): Promise<{ head: ExecutionHead; created: boolean }> {
    return settle(() => {
      const earlierId = exec.idempotencyKey === undefined ? undefined : this.#idempotency.get(exec.idempotencyKey);
      const earlier = earlierId === undefined ? undefined : this.#executions.get(earlierId);
      if (earlier) return { head: copy(earlier.head), created: false };
      if (this.#executions.has(exec.id))
        throw new LongRunningError(ErrorCode.Conflict, `execution ${exec.id} already exists`);
      const stored: StoredExecution = { head: change.createdHead(exec), checkpoints: new Map() };
      this.#write(stored, stored.head, change.checkpointOf(exec.id, 0, exec.input, exec.now));
      this.#executions.set(exec.id, stored);
      if (exec.idempotencyKey !== undefined) this.#idempotency.set(exec.idempotencyKey, exec.id);
      return { head: copy(stored.head), created: true };
    });
  }

  claim(req: Fence & { step: number; leaseMs: number }): Promise<ExecutionHead | undefined> {
    return settle(() => {
      const stored = this.#executions.get(req.id);
      if (!stored) return undefined;
      const h = stored.head;
      const leased = h.leaseExpiresAt !== undefined && h.leaseExpiresAt > req.now;
      if (h.state !== ExecutionState.Running || h.version !== req.token || h.currentStep !== req.step || leased)
        return undefined;
      this.#write(stored, change.claimedHead(h, req.owner, req.now + req.leaseMs, req.now));
      return copy(stored.head);
    });
  }

  extendLease(req: Fence & { leaseMs: number }): Promise<{ lost: boolean; state?: ExecutionState }> {
    return settle(() => {
      const stored = this.#executions.get(req.id);
      if (!stored) return { lost: true };
      const h = stored.head;
      if (h.version !== req.token || h.leaseOwner !== req.owner || !FENCED_STATES.has(h.state))
        return { lost: true, state: h.state };
      stored.head = { ...h, leaseExpiresAt: req.now + req.leaseMs };
      return { lost: false, state: h.state };
    });
  }

  commit(
    req: Fence & { step: number; output: unknown; sweepAt: EpochMs; events: RecordedEvent[] },
  ): Promise<ExecutionHead> {
    return settle(() => {
      const stored = this.#fenced(req);
      if (stored.head.currentStep !== req.step) throw new StaleTokenError(req.id, req.token, copy(stored.head));
      const head = change.committedHead(stored.head, req);
      this.#write(stored, head, change.checkpointOf(req.id, head.currentStep, req.output, req.now));
      return copy(stored.head);
    });
  }

  releaseForRetry(
    req: Fence & { error: ErrorInfo; sweepAt: EpochMs; events: RecordedEvent[] },
  ): Promise<ExecutionHead> {
    return this.#fencedWrite(req, (h) => change.releasedHead(h, req));
  }

  fail(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead> {
    return this.#fencedWrite(req, (h) => change.failedHead(h, req));
  }

  park(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead> {
    return this.#fencedWrite(req, (h) => change.parkedHead(h, req));
  }

  transition(req: TransitionRequest): Promise<ExecutionHead> {
    return settle(() => {
      const stored = this.#executions.get(req.id);
      if (!stored) throw new NotFoundError('execution', req.id);
      const { state } = stored.head;
      if (!req.from.includes(state)) throw new IllegalTransitionError(req.id, state, req.action, req.from);
      this.#write(stored, change.transitionedHead(stored.head, req));
      return copy(stored.head);
    });
  }

  get(id: string): Promise<ExecutionHead | undefined> {
    return settle(() => {
      const stored = this.#executions.get(id);
      return stored ? copy(stored.head) : undefined;
    });
  }

  listCheckpoints(id: string, page: { limit: number; nextToken?: string }): Promise<Page<StoredCheckpoint>> {
    return settle(() => {
      const newestFirst = [...(this.#executions.get(id)?.checkpoints.values() ?? [])].sort((a, b) => b.step - a.step);
      const result = readPage(newestFirst, page, this.#tokens, `checkpoints:${id}`, {
        positionOf: (cp) => cp.step,
        isAfter: (cp, position) => cp.step < (position as number),
        isPosition: (p) => typeof p === 'number' && Number.isSafeInteger(p) && p >= 0,
      });
      return { ...result, items: result.items.map(copy) };
    });
  }

  list(query: ListQuery): Promise<Page<ExecutionHead>> {
    return settle(() => {
      const newestFirst = [...this.#executions.values()]
        .map((s) => s.head)
        .filter((h) => query.state === undefined || h.state === query.state)
        .filter((h) => query.workflow === undefined || h.workflow === query.workflow)
        .sort((a, b) => b.startTime - a.startTime || compareDesc(a.id, b.id));
      const result = readPage(newestFirst, query, this.#tokens, `list:${query.state ?? '*'}:${query.workflow ?? '*'}`, {
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

  findStalled(req: { now: EpochMs; dueBefore: EpochMs; limit: number }): Promise<ExecutionHead[]> {
    return settle(() => {
      validateLimit(req.limit);
      return [...this.#executions.values()]
        .map((s) => s.head)
        .filter((h) => h.state === ExecutionState.Running && h.sweepAt !== undefined && h.sweepAt <= req.dueBefore)
        .filter((h) => h.leaseExpiresAt === undefined || h.leaseExpiresAt <= req.now)
        .sort((a, b) => (a.sweepAt ?? 0) - (b.sweepAt ?? 0))
        .slice(0, req.limit)
        .map(copy);
    });
  }

  delete(id: string): Promise<void> {
    return settle(() => {
      const stored = this.#executions.get(id);
      if (!stored) throw new NotFoundError('execution', id);
      const { state, idempotencyKey } = stored.head;
      if (!isTerminalState(state)) throw new IllegalTransitionError(id, state, 'delete', legalFrom('delete'));
      this.#executions.delete(id);
      if (idempotencyKey !== undefined && this.#idempotency.get(idempotencyKey) === id)
        this.#idempotency.delete(idempotencyKey);
    });
  }

  /** The execution when the fence holds; STALE_TOKEN or LEASE_CONFLICT otherwise. */
  #fenced(req: Fence): StoredExecution {
    const stored = this.#executions.get(req.id);
    if (!stored) throw new StaleTokenError(req.id, req.token);
    const h = stored.head;
    if (h.version !== req.token || !FENCED_STATES.has(h.state)) throw new StaleTokenError(req.id, req.token, copy(h));
    if (h.leaseOwner !== req.owner) throw new LeaseConflictError(req.id, req.owner, copy(h));
    return stored;
  }

  #fencedWrite(req: Fence, next: (h: ExecutionHead) => ExecutionHead): Promise<ExecutionHead> {
    return settle(() => {
      const stored = this.#fenced(req);
      this.#write(stored, next(stored.head));
      return copy(stored.head);
    });
  }

  /** Checks both sizes first, then stores JSON copies of `head` and `checkpoint`: all or nothing. */
  #write(stored: StoredExecution, head: ExecutionHead, checkpoint?: StoredCheckpoint): void {
    const headJson = this.#fit(head, 'execution head');
    const checkpointJson = checkpoint === undefined ? undefined : this.#fit(checkpoint, 'checkpoint');
    stored.head = JSON.parse(headJson) as ExecutionHead;
    if (checkpoint !== undefined && checkpointJson !== undefined) {
      stored.checkpoints.set(checkpoint.step, JSON.parse(checkpointJson) as StoredCheckpoint);
    }
  }

  #fit(item: object, what: string): string {
    const json = JSON.stringify(item);
    const size = Buffer.byteLength(json, 'utf8');
    if (size > this.maxItemBytes) throw new StateTooLargeError(size, this.maxItemBytes, what);
    return json;
  }
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Runs `fn` now and returns its result, or what it threw, as a promise (never a synchronous throw). */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (thrown) {
    return Promise.reject(toError(thrown));
  }
}
