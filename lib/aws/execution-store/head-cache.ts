import type { ExecutionHead } from '../../runtime/model.js';
import { claimSeqOf, rememberClaimSeq } from './claim-seq.js';

/**
 * The heads this store instance last read or wrote, most recent last, at most
 * `capacity` of them. A fenced write (commit, release, fail, park) starts from the
 * cached head, which its claim returned in the same invocation, instead of reading
 * the item again; every write is conditional on the cached fields, so a stale entry
 * costs a retry, never a wrong write.
 */
export class HeadCache {
  readonly #heads = new Map<string, ExecutionHead>();
  readonly #capacity: number;

  constructor(capacity = 32) {
    this.#capacity = capacity;
  }

  /** The cached head of `id`, if any. */
  get(id: string): ExecutionHead | undefined {
    return this.#heads.get(id);
  }

  /** Caches a copy of `head` (so callers may change theirs) as the latest known state of its execution. */
  set(head: ExecutionHead): void {
    this.#heads.delete(head.id);
    const copy = JSON.parse(JSON.stringify(head)) as ExecutionHead;
    const seq = claimSeqOf(head);
    if (seq !== undefined) rememberClaimSeq(copy, seq);
    this.#heads.set(head.id, copy);
    if (this.#heads.size > this.#capacity) {
      const oldest = this.#heads.keys().next();
      if (!oldest.done) this.#heads.delete(oldest.value);
    }
  }

  /** Forgets `id`. */
  delete(id: string): void {
    this.#heads.delete(id);
  }
}
