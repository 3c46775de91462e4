/**
 * A generic persisted task, the unit a {@link TaskStoreAdapter} stores. Mirrors the
 * Go package's `TaskRecord`, with `data` as text rather than bytes.
 */
export interface TaskRecord {
  id: string;
  /** For executions: the execution state (`running`, `completed`...). */
  status: string;
  /** 0 to 100. */
  progress: number;
  /** For executions: the execution's JSON document in the Go package's format. */
  data: string;
  /** For executions: `{ name }`. */
  metadata?: Record<string, string>;
}

/**
 * The port to an existing task table (a database, a job system) that
 * `PersistentCheckpointStore` keeps executions in. Implementations copy records in
 * and out, so callers never share objects with the store.
 */
export interface TaskStoreAdapter {
  /** Creates or replaces the task with `task.id`. */
  saveTask(task: TaskRecord): Promise<void>;
  /** The task, or `undefined` when there is none (a missing task is not an error here). */
  getTask(id: string): Promise<TaskRecord | undefined>;
  /** Every stored task. */
  listTasks(): Promise<TaskRecord[]>;
  /** Removes the task; rejects with code `NOT_FOUND` when there is none. */
  deleteTask(id: string): Promise<void>;
  /** Sets the progress column only (0 to 100); `NOT_FOUND` when there is no such task. */
  updateProgress(id: string, progress: number): Promise<void>;
  /** Sets the status column only; `NOT_FOUND` when there is no such task. */
  updateStatus(id: string, status: string): Promise<void>;
}
