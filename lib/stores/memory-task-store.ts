import { NotFoundError, ValidationError } from '../core/errors.js';
import { promiseNow } from '../core/promise-now.js';
import type { TaskRecord, TaskStoreAdapter } from './task-store.js';

/**
 * A {@link TaskStoreAdapter} in memory, for tests. Records are copied in and out;
 * ids must be non-empty strings and progress a finite number from 0 to 100
 * (`VALIDATION_ERROR` otherwise). `updateProgress` and `updateStatus` change only
 * their column, not the `data` document.
 *
 * @example
 * const store = new PersistentCheckpointStore(new MemoryTaskStore());
 */
export class MemoryTaskStore implements TaskStoreAdapter {
  readonly #tasks = new Map<string, TaskRecord>();

  saveTask(task: TaskRecord): Promise<void> {
    return promiseNow(() => {
      assertId(task.id);
      assertProgress(task.progress);
      assertStatus(task.status);
      if (typeof task.data !== 'string') throw new ValidationError('task data must be a string', { id: task.id });
      this.#tasks.set(task.id, copy(task));
    });
  }

  getTask(id: string): Promise<TaskRecord | undefined> {
    return promiseNow(() => {
      const task = this.#tasks.get(id);
      return task === undefined ? undefined : copy(task);
    });
  }

  listTasks(): Promise<TaskRecord[]> {
    return promiseNow(() => [...this.#tasks.values()].map(copy));
  }

  deleteTask(id: string): Promise<void> {
    return promiseNow(() => {
      if (!this.#tasks.delete(id)) throw new NotFoundError('task', id);
    });
  }

  updateProgress(id: string, progress: number): Promise<void> {
    return promiseNow(() => {
      assertProgress(progress);
      this.#existing(id).progress = progress;
    });
  }

  updateStatus(id: string, status: string): Promise<void> {
    return promiseNow(() => {
      assertStatus(status);
      this.#existing(id).status = status;
    });
  }

  #existing(id: string): TaskRecord {
    const task = this.#tasks.get(id);
    if (task === undefined) throw new NotFoundError('task', id);
    return task;
  }
}

function copy(task: TaskRecord): TaskRecord {
  const { id, status, progress, data, metadata } = task;
  return metadata === undefined
    ? { id, status, progress, data }
    : { id, status, progress, data, metadata: { ...metadata } };
}

function assertId(id: unknown): void {
  if (typeof id !== 'string' || id === '') {
    throw new ValidationError(`task id must be a non-empty string, got ${JSON.stringify(id) ?? typeof id}`, { id });
  }
}

function assertProgress(progress: unknown): void {
  if (typeof progress !== 'number' || !Number.isFinite(progress) || progress < 0 || progress > 100) {
    throw new ValidationError(`task progress must be a finite number from 0 to 100, got ${String(progress)}`, {
      progress,
    });
  }
}

function assertStatus(status: unknown): void {
  if (typeof status !== 'string') {
    throw new ValidationError(`task status must be a string, got ${typeof status}`, { status });
  }
}
