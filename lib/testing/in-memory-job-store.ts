import { promiseNow } from '../core/promise-now.js';
import type { BulkJob, JobStore } from '../runtime/bulk-model.js';

/**
 * A {@link JobStore} in memory with the DynamoDB one's rules: create only when
 * new, replace only while `rev` is unchanged, JSON copies in and out.
 */
export class InMemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, BulkJob>();

  createJob(job: BulkJob): Promise<{ job: BulkJob; created: boolean }> {
    return promiseNow(() => {
      const existing = this.#jobs.get(job.id);
      if (existing) return { job: copy(existing), created: false };
      this.#jobs.set(job.id, copy(job));
      return { job: copy(job), created: true };
    });
  }

  getJob(id: string): Promise<BulkJob | undefined> {
    return promiseNow(() => {
      const job = this.#jobs.get(id);
      return job && copy(job);
    });
  }

  replaceJob(base: BulkJob, next: BulkJob): Promise<boolean> {
    return promiseNow(() => {
      const stored = this.#jobs.get(base.id);
      if (!stored || stored.rev !== base.rev || next.id !== base.id) return false;
      this.#jobs.set(base.id, copy(next));
      return true;
    });
  }
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
