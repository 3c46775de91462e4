import {
  decideAcquire,
  releaseLimitRecord,
  limitUseOf,
  updateLimitRecord,
  type AcquireRequest,
  type AcquireResult,
  type LimitRecord,
  type LimitUse,
} from '../runtime/limit-decision.js';
import type { EpochMs } from '../runtime/model.js';
import type { Limiter } from '../runtime/ports.js';

/** The {@link Limiter} in memory, with the same read-decide-conditional-write cycle as the DynamoDB one. */
export class InMemoryLimiter implements Limiter {
  readonly #records = new Map<string, LimitRecord>();
  /** Reads and writes made (a record read by key, a conditional write), for cost checks in tests. */
  reads = 0;
  writes = 0;

  readonly #io = {
    read: (key: string): Promise<LimitRecord | undefined> => {
      this.reads++;
      return Promise.resolve(structuredClone(this.#records.get(key)));
    },
    write: (next: LimitRecord, expected: number | undefined): Promise<boolean> => {
      if (this.#records.get(next.key)?.revision !== expected) return Promise.resolve(false);
      this.writes++;
      this.#records.set(next.key, structuredClone(next));
      return Promise.resolve(true);
    },
  };

  acquire(req: AcquireRequest): Promise<AcquireResult> {
    return updateLimitRecord(this.#io, req.key, (r) => decideAcquire(r, req));
  }

  release(req: { key: string; holderId: string }): Promise<void> {
    return releaseLimitRecord(this.#io, req.key, req.holderId);
  }

  list(now: EpochMs): Promise<LimitUse[]> {
    const keys = [...this.#records.keys()].sort();
    return Promise.resolve(keys.map((k) => limitUseOf(this.#records.get(k)!, now)));
  }
}
