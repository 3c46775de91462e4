import { setTimeout as delay } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { ErrorCode, LongRunningError, StateTooLargeError, ValidationError } from '../../core/errors.js';
import { isStepDirective, StepDirective } from '../../core/directives.js';
import { isSafeId } from '../../core/ids.js';
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
import { isAmbiguous } from '../../runtime/ambiguous-outcomes.js';
import { isOwnClaim, stateJsonText } from '../../runtime/store-rules.js';
import { LeaseConflictError, StaleTokenError } from '../../runtime/errors.js';
import { recordedEvent } from '../../runtime/lifecycle-events.js';
import { EventType } from '../../core/events.js';
import { isStateMarker, stateRefOf, StoredStateRef } from './state-ref.js';
import type { StateObjects } from './state-objects.js';

/** States whose JSON text is larger than this go to S3 by default: 32 KiB. */
export const DEFAULT_LARGE_STATE_THRESHOLD = 32 * 1024;
/** The largest state accepted by default: 50 MiB of JSON text. */
export const DEFAULT_MAX_STATE_BYTES = 50 * 1024 * 1024;
/** The default key prefix of the state objects; each execution's are under `<prefix><id>/`. */
export const DEFAULT_STATE_PREFIX = 'executions/';
/**
 * The key prefix of start inputs uploaded through the HTTP API (`POST /executions/uploads`):
 * each is `<prefix><uploadId>.json`, read and deleted when its execution starts, and
 * expired by the bucket's lifecycle rule when it is not.
 */
export const INPUT_UPLOAD_PREFIX = 'uploads/';

/** Settings of {@link LargeStateExecutionStore}. */
export interface LargeStateOptions {
  /** Where the objects go (S3StateObjects in production). */
  objects: StateObjects;
  /** States whose JSON text is larger than this many bytes are kept as objects; 32 KiB by default. */
  thresholdBytes?: number;
  /** The largest state accepted, in bytes of JSON text; 50 MiB by default. Larger ones are STATE_TOO_LARGE. */
  maxStateBytes?: number;
  /** Key prefix of the objects; `executions/` by default. */
  prefix?: string;
  /** How many bytes of recently read or written state text this instance keeps to skip a read; 64 MiB by default. */
  cacheBytes?: number;
}

/**
 * An {@link ExecutionStore} that keeps large states out of the table. A state whose
 * JSON text is over `thresholdBytes` is written once as an object under
 * `<prefix><executionId>/<sha256>.json` (content-addressed: writing it again is
 * harmless, and an object whose head write failed is never referred to), and the
 * head and checkpoint hold a {@link StoredStateRef} of about 150 bytes instead.
 * So the table's writes cost the same whatever the state's size.
 *
 * The object is always written before the table write that refers to it, so a
 * reference never points at nothing. A claim returns the state itself (the worker
 * reads the object once per step, or not at all when this instance wrote or read
 * it last); every other read returns the reference, which views show as it is.
 * Deleting an execution deletes its objects.
 */
export class LargeStateExecutionStore implements ExecutionStore {
  readonly #inner: ExecutionStore;
  readonly #objects: StateObjects;
  readonly #threshold: number;
  readonly #max: number;
  readonly #prefix: string;
  readonly #cache: TextCache;

  constructor(inner: ExecutionStore, options: LargeStateOptions) {
    this.#inner = inner;
    this.#objects = options.objects;
    this.#threshold = wholeOption('thresholdBytes', options.thresholdBytes, DEFAULT_LARGE_STATE_THRESHOLD, 0);
    this.#max = wholeOption('maxStateBytes', options.maxStateBytes, DEFAULT_MAX_STATE_BYTES, 1);
    if (this.#max < this.#threshold) {
      throw new ValidationError('largeState.maxStateBytes must not be below thresholdBytes', {
        maxStateBytes: this.#max,
        thresholdBytes: this.#threshold,
      });
    }
    this.#prefix = options.prefix ?? DEFAULT_STATE_PREFIX;
    if (typeof this.#prefix !== 'string' || !/^[A-Za-z0-9!_.*'()/-]*$/.test(this.#prefix)) {
      throw new ValidationError("largeState.prefix must be letters, digits and !_.*'()/- only", {
        prefix: options.prefix,
      });
    }
    this.#cache = new TextCache(wholeOption('cacheBytes', options.cacheBytes, 64 * 1024 * 1024, 0));
  }

  /** The input is kept as an object first when it is large. */
  async create(exec: NewExecution): Promise<{ head: ExecutionHead; created: boolean }> {
    const input = isSafeId(exec.id) ? await this.#stash(exec.id, exec.input) : exec.input;
    const out = await this.#inner.create({ ...exec, input });
    if (!out.created && out.head.id !== exec.id && input instanceof StoredStateRef) {
      // The idempotency key named an earlier execution: the object written under this
      // unused id is referred to by nothing, and no other execution has that prefix.
      await this.#objects.deletePrefix(this.#executionPrefix(exec.id)).catch(() => 0);
    }
    return { head: withRef(out.head), created: out.created };
  }

  /**
   * The claimed head with its state read back (from this instance's cache, or the
   * object). A state that cannot be read as stored (the object is missing or does not
   * match its reference, or the reference is outside the execution's prefix) would
   * fail every attempt the same way: the claim fails the execution with
   * CORRUPT_RECORD and returns undefined, so the message is dropped rather than
   * redelivered until the dead-letter queue. A transient S3 error is tried again
   * twice; if it persists, the claim throws a non-retryable STORE_UNAVAILABLE: the
   * claim did land, so the caller must not read the head and run the step on the
   * reference; the message comes back after its visibility timeout, when the lease
   * has run out, and the next attempt reads the state again.
   */
  async claim(req: ClaimRequest): Promise<ExecutionHead | undefined> {
    const head = await this.#claimInner(req);
    if (head === undefined) return undefined;
    const ref = stateRefOf(head.data);
    if (ref === undefined && !isStateMarker(head.data)) return head;
    try {
      if (ref === undefined || !ref.key.startsWith(this.#executionPrefix(head.id))) throw corruptRef(head.data);
      return { ...head, data: await this.#readAfterClaim(ref, head.id) };
    } catch (thrown) {
      if (!(thrown instanceof LongRunningError) || thrown.code !== ErrorCode.CorruptRecord) throw thrown;
      const error = { code: thrown.code, message: thrown.message };
      await this.#inner.fail({
        id: req.id,
        token: req.token,
        owner: req.owner,
        now: req.now,
        error,
        events: [
          recordedEvent(EventType.StepFailed, req.step, req.now, { attempt: head.claims - 1, error }),
          recordedEvent(EventType.ExecutionFailed, req.step, req.now, { error }),
        ],
      });
      return undefined;
    }
  }

  /**
   * The inner store's claim. After an error that leaves it unknown whether the claim
   * landed (a lost response), the head as stored when it did, so that its state is
   * read from S3 as after any claim: the caller's own check of the head (`get`)
   * would find the claim its own and run the step on the reference. Otherwise the
   * error, for the caller to decide.
   */
  async #claimInner(req: ClaimRequest): Promise<ExecutionHead | undefined> {
    try {
      return await this.#inner.claim(req);
    } catch (err) {
      if (!isAmbiguous(err)) throw err;
      const head = await this.#inner.get(req.id).catch(() => undefined);
      if (head !== undefined && isOwnClaim(head, req)) return head;
      throw err;
    }
  }

  /** The claimed state, tried three times; a transient failure after that is not retryable (see claim). */
  async #readAfterClaim(ref: StoredStateRef, id: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.readState(ref);
      } catch (thrown) {
        if (thrown instanceof LongRunningError && thrown.code === ErrorCode.CorruptRecord) throw thrown;
        if (attempt >= 2) {
          throw new LongRunningError(
            ErrorCode.StoreUnavailable,
            `execution ${id}: its state could not be read after the claim (${thrown instanceof Error ? thrown.message : String(thrown)}); the step runs again once the lease runs out`,
            { cause: thrown, retryable: false, details: { id, key: ref.key } },
          );
        }
        await delay(RETRY_DELAYS_MS[attempt] ?? 0);
      }
    }
  }

  extendLease(req: Fence & { leaseMs: number }): Promise<{ lost: boolean; state?: ExecutionState }> {
    return this.#inner.extendLease(req);
  }

  /** The step's result is kept as an object first when it is large; the head then refers to it. */
  async commit(req: CommitRequest): Promise<ExecutionHead> {
    // An id that cannot name an execution is refused by the table (STALE_TOKEN) before any object is written.
    if (!isSafeId(req.id)) return fenced(req, () => this.#inner.commit(req));
    const output = isStepDirective(req.output)
      ? new StepDirective(await this.#stash(req.id, req.output.state), req.output.spec)
      : await this.#stash(req.id, req.output);
    return fenced(req, () => this.#inner.commit({ ...req, output }));
  }

  releaseForRetry(
    req: Fence & { error: ErrorInfo; sweepAt: EpochMs; events: RecordedEvent[] },
  ): Promise<ExecutionHead> {
    return fenced(req, () => this.#inner.releaseForRetry(req));
  }

  fail(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead> {
    return fenced(req, () => this.#inner.fail(req));
  }

  park(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead> {
    return fenced(req, () => this.#inner.park(req));
  }

  /**
   * The base and next heads go to the table with their states as stored: a state
   * given as a value (not as the reference a read returned) is offloaded as on
   * commit, so the write never puts a large state into the head.
   */
  async replaceHead(req: ReplaceRequest): Promise<ReplaceResult> {
    const baseData = await this.#stash(req.base.id, req.base.data, false);
    const nextData =
      req.next.data === req.base.data ? baseData : await this.#stash(req.next.id, req.next.data, true, baseData);
    const out = await this.#inner.replaceHead({
      ...req,
      base: { ...req.base, data: baseData },
      next: { ...req.next, data: nextData },
    });
    return out.ok ? { ok: true, head: withRef(out.head) } : { ...out, current: out.current && withRef(out.current) };
  }

  async transition(req: TransitionRequest): Promise<ExecutionHead> {
    return withRef(await this.#inner.transition(req));
  }

  async get(id: string): Promise<ExecutionHead | undefined> {
    const head = await this.#inner.get(id);
    return head && withRef(head);
  }

  /** The checkpoint with its state itself: an offloaded one is read from its object (and checked). */
  async getCheckpoint(id: string, seq: number): Promise<StoredCheckpoint | undefined> {
    const cp = await this.#inner.getCheckpoint(id, seq);
    if (cp === undefined) return undefined;
    const ref = stateRefOf(cp.state);
    if (ref === undefined && !isStateMarker(cp.state)) return cp;
    if (ref === undefined || !ref.key.startsWith(this.#executionPrefix(id))) throw corruptRef(cp.state);
    return { ...cp, state: await this.readState(ref) };
  }

  /** An edited state is kept as an object first when it is large; the checkpoint's own stays where it is. */
  async rewind(req: RewindRequest): Promise<ExecutionHead> {
    if (req.state === undefined || !isSafeId(req.id)) return withRef(await this.#inner.rewind(req));
    return withRef(await this.#inner.rewind({ ...req, state: await this.#stash(req.id, req.state) }));
  }

  /** Checkpoints newest first; an offloaded state shows as its reference (read it with {@link readState}). */
  async listCheckpoints(id: string, page: { limit: number; nextToken?: string }): Promise<Page<StoredCheckpoint>> {
    const out = await this.#inner.listCheckpoints(id, page);
    return { ...out, items: out.items.map((cp) => ({ ...cp, state: stateRefOf(cp.state) ?? cp.state })) };
  }

  async list(query: ListQuery): Promise<Page<ExecutionHead>> {
    const out = await this.#inner.list(query);
    return { ...out, items: out.items.map(withRef) };
  }

  /** The inner store's counts: they read no state. */
  countByState(options: { cap: number }): Promise<StateCounts> {
    return this.#inner.countByState(options);
  }

  async findStalled(req: { now: EpochMs; dueBefore: EpochMs; limit: number }): Promise<ExecutionHead[]> {
    return (await this.#inner.findStalled(req)).map(withRef);
  }

  /**
   * Deletes the execution, then its objects. A delete that fails between the two
   * is finished by the next call, which removes the objects before reporting
   * NOT_FOUND.
   */
  async delete(id: string): Promise<void> {
    try {
      await this.#inner.delete(id);
    } catch (thrown) {
      if (thrown instanceof LongRunningError && thrown.code === ErrorCode.NotFound && isSafeId(id)) {
        await this.#objects.deletePrefix(this.#executionPrefix(id));
      }
      throw thrown;
    }
    await this.#objects.deletePrefix(this.#executionPrefix(id));
  }

  /**
   * The state a value stands for: an offloaded state (a {@link StoredStateRef} or its
   * marker) is read from its object and checked against its SHA-256; anything else is
   * returned as it is. Each call returns a new copy.
   */
  async readState(value: unknown): Promise<unknown> {
    const ref = stateRefOf(value);
    if (ref === undefined) {
      if (isStateMarker(value)) throw corruptRef(value);
      return value;
    }
    let text = this.#cache.get(ref.sha256);
    if (text === undefined) {
      text = await this.#objects.get(ref.key);
      if (sha256(text) !== ref.sha256) {
        throw new LongRunningError(
          ErrorCode.CorruptRecord,
          `the state object ${ref.key} does not match its reference (SHA-256 differs)`,
          { details: { key: ref.key } },
        );
      }
      this.#cache.set(ref.sha256, text);
    }
    return JSON.parse(text) as unknown;
  }

  /**
   * A state as the table should hold it: itself when small, or a reference after its
   * object is written (`upload`; without it, only the reference, for a state already
   * stored; `known`: a reference already stored, not written again). A state shaped
   * like a stored marker is always offloaded, so that a marker read back is never a
   * user's value.
   */
  async #stash(id: string, state: unknown, upload = true, known?: unknown): Promise<unknown> {
    // Only a reference this store made counts as one: a user's value shaped like a
    // marker is content, offloaded below, so it can never name another object.
    if (state instanceof StoredStateRef) return state;
    const text = stateJsonText(state, id);
    if (text === undefined) return state;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > this.#max) throw new StateTooLargeError(bytes, this.#max, `the state of execution ${id}`);
    if (bytes <= this.#threshold && !isStateMarker(state)) return state;
    const hash = sha256(text);
    const ref = new StoredStateRef({ key: `${this.#executionPrefix(id)}${hash}.json`, bytes, sha256: hash });
    if (upload && !(known instanceof StoredStateRef && known.key === ref.key)) {
      await this.#objects.put(ref.key, text);
      this.#cache.set(hash, text);
    }
    return ref;
  }

  #executionPrefix(id: string): string {
    return `${this.#prefix}${id}/`;
  }
}

/**
 * A fenced write's result, and the head its STALE_TOKEN or LEASE_CONFLICT error
 * carries, with offloaded states as references.
 */
async function fenced(req: Fence, write: () => Promise<ExecutionHead>): Promise<ExecutionHead> {
  try {
    return withRef(await write());
  } catch (thrown) {
    if (thrown instanceof StaleTokenError && thrown.current) {
      throw new StaleTokenError(req.id, req.token, withRef(thrown.current));
    }
    if (thrown instanceof LeaseConflictError && thrown.current) {
      throw new LeaseConflictError(req.id, req.owner, withRef(thrown.current));
    }
    throw thrown;
  }
}

/** The head with an offloaded state as a {@link StoredStateRef} (the inner store returns its marker). */
function withRef(head: ExecutionHead): ExecutionHead {
  const ref = stateRefOf(head.data);
  return ref === undefined || ref === head.data ? head : { ...head, data: ref };
}

/** Pauses before reading a claimed state again after a transient error. */
const RETRY_DELAYS_MS = [50, 200];

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function corruptRef(value: unknown): LongRunningError {
  return new LongRunningError(
    ErrorCode.CorruptRecord,
    `a stored state reference is malformed: ${JSON.stringify(value).slice(0, 200)}`,
  );
}

function wholeOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(`largeState.${name} must be a whole number of at least ${min}`, { [name]: value });
  }
  return value;
}

/** Recently used state texts by SHA-256, bounded by their total length. */
class TextCache {
  readonly #texts = new Map<string, string>();
  readonly #capacity: number;
  #size = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(hash: string): string | undefined {
    const text = this.#texts.get(hash);
    if (text !== undefined) {
      this.#texts.delete(hash);
      this.#texts.set(hash, text);
    }
    return text;
  }

  set(hash: string, text: string): void {
    if (text.length > this.#capacity) return;
    const old = this.#texts.get(hash);
    if (old !== undefined) {
      this.#texts.delete(hash);
      this.#size -= old.length;
    }
    this.#texts.set(hash, text);
    this.#size += text.length;
    for (const [oldest, oldText] of this.#texts) {
      if (this.#size <= this.#capacity) break;
      this.#texts.delete(oldest);
      this.#size -= oldText.length;
    }
  }
}
