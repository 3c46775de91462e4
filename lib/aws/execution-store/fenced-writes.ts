import { ErrorCode, LongRunningError } from '../../core/errors.js';
import { isSafeId } from '../../core/ids.js';
import { StaleTokenError } from '../../runtime/errors.js';
import { checkpointOf, committedHead, failedHead, parkedHead, releasedHead } from '../../runtime/head-changes.js';
import type { ExecutionHead, StoredCheckpoint } from '../../runtime/model.js';
import type { Fence } from '../../runtime/ports.js';
import { readHead, writeOverBase } from './pinned-write.js';
import { claimSeqOf, rememberClaimSeq } from './claim-seq.js';
import type { HeadCache } from './head-cache.js';
import { fenceRefusal, HEAD_PINS, isOwnWrite, type FencedWrite } from '../../runtime/store-rules.js';
import type { TableContext } from '../dynamodb/table-context.js';

/**
 * The head fields a fenced write is conditional on: anything another writer may
 * change, `inboxSeq` included, so that a commit decided from an inbox that has
 * grown since is decided again (the commit's decision reads the inbox).
 */
export const FENCE_PINS = HEAD_PINS;

const MAX_ATTEMPTS = 5;
type CommitRequest = Parameters<typeof committedHead>[1];
type OutcomeRequest = Parameters<typeof failedHead>[1] & Fence;

/**
 * The fenced writes of the step protocol. Each computes the new head with the
 * shared pure functions of `runtime/head-changes` from a base head (the one the
 * claim returned, cached, or else a consistent read), then writes it conditional
 * on the base's fields. The fence is checked on the base with the port's rule
 * (`fenceRefusal`, lib/runtime/store-rules.ts): STALE_TOKEN or LEASE_CONFLICT. If the head changed meanwhile, the
 * failed condition returns it and the write is worked out again from there. A head
 * that shows this very write landed (`isOwnWrite`: the SDK retried after a lost
 * response) is returned as the write's result.
 */
export class FencedWrites {
  readonly #ctx: TableContext;
  readonly #cache: HeadCache;

  constructor(ctx: TableContext, cache: HeadCache) {
    this.#ctx = ctx;
    this.#cache = cache;
  }

  /**
   * Checkpoint `CP#<stepRuns>` put, then the head moved on (see writeOverBase),
   * decided from the base head; the head alone, in one conditional update, when the
   * request keeps no checkpoint.
   */
  commit(req: CommitRequest): Promise<ExecutionHead> {
    return this.#write(req, 'commit', (base) => {
      const head = committedHead(base, req);
      return req.checkpoint === false ? { head } : { head, checkpoint: checkpointOf(head, req.now) };
    });
  }

  /** A failed attempt with retries left. */
  releaseForRetry(req: OutcomeRequest & { sweepAt: number }): Promise<ExecutionHead> {
    return this.#write(req, 'release', (base) => ({ head: releasedHead(base, req) }));
  }

  /** Retries exhausted. */
  fail(req: OutcomeRequest): Promise<ExecutionHead> {
    return this.#write(req, 'fail', (base) => ({ head: failedHead(base, req) }));
  }

  /** Parked as paused with an error. */
  park(req: OutcomeRequest): Promise<ExecutionHead> {
    return this.#write(req, 'park', (base) => ({ head: parkedHead(base, req) }));
  }

  async #write(
    req: Fence & { step?: number },
    write: FencedWrite,
    change: (base: ExecutionHead) => { head: ExecutionHead; checkpoint?: StoredCheckpoint },
  ): Promise<ExecutionHead> {
    if (!isSafeId(req.id)) throw new StaleTokenError(req.id, req.token);
    let base = this.#cache.get(req.id);
    let fresh = false;
    const lastPut = { text: '' };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (base === undefined && !fresh) {
        base = await readHead(this.#ctx, req.id);
        fresh = true;
      }
      const refusal = fenceRefusal(req, base);
      if (refusal) {
        // An SDK retry of a write whose first try landed finds the head moved on by it.
        if (fresh && isOwnWrite(base, req, write)) {
          this.#cache.set(base as ExecutionHead);
          return base as ExecutionHead;
        }
        if (fresh) throw refusal;
        base = undefined; // the cached head was stale: read the item and check again
        continue;
      }
      const outcome = change(base as ExecutionHead);
      if (outcome.checkpoint !== undefined && claimSeqOf(base as ExecutionHead) === undefined && !fresh) {
        // A head cached from a write made in code (not read from the table): read the item for its claim sequence.
        base = undefined;
        continue;
      }
      const result = await writeOverBase(
        this.#ctx,
        base as ExecutionHead,
        outcome.head,
        FENCE_PINS,
        outcome.checkpoint,
        lastPut,
      );
      if (result.ok) {
        // No fenced write changes the item's claim sequence: the head written keeps the base's,
        // so that a step claimed by this very commit (chainSteps) commits without a read.
        const seq = claimSeqOf(base as ExecutionHead);
        if (seq !== undefined) rememberClaimSeq(outcome.head, seq);
        this.#cache.set(outcome.head);
        return outcome.head;
      }
      base = result.current;
      fresh = true;
    }
    this.#cache.delete(req.id);
    throw new LongRunningError(
      ErrorCode.Conflict,
      `execution ${req.id}: the head kept changing during a fenced write`,
      {
        retryable: true,
        details: { id: req.id },
      },
    );
  }
}
