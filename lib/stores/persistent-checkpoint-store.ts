import { ErrorCode, LongRunningError, NotFoundError, toError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { noopLogger } from '../core/logger.js';
import type { Execution } from '../core/types.js';
import { assertSafeId } from '../core/ids.js';
import { type CheckpointStore, savedExecutionId, SNAPSHOTS_AT_CALL } from './checkpoint-store.js';
import { serializeExecution } from './execution-codec.js';
import { parseStoredExecution } from './parse-stored-execution.js';
import type { TaskRecord, TaskStoreAdapter } from './task-store.js';

/**
 * A {@link CheckpointStore} on top of an existing task table, through a
 * {@link TaskStoreAdapter}. Each execution is one task: `status` is the execution
 * state, `progress` its progress, `data` its Go-format JSON document and
 * `metadata` `{ name }`, as the Go package's `PersistentCheckpointStore` writes them.
 * Ids must be safe ids, as in every checkpoint store (`VALIDATION_ERROR` otherwise).
 *
 * @example
 * const store = new PersistentCheckpointStore(new MemoryTaskStore(), logger);
 * await store.saveCheckpoint(exec);
 */
export class PersistentCheckpointStore implements CheckpointStore {
  /** Serialises each execution at the call, so it may be handed the Executor's own record. */
  readonly [SNAPSHOTS_AT_CALL] = true;
  readonly #adapter: TaskStoreAdapter;
  readonly #logger: Logger;

  constructor(adapter: TaskStoreAdapter, logger: Logger = noopLogger) {
    this.#adapter = adapter;
    this.#logger = logger;
  }

  /** Saves the execution's snapshot (taken at the call) as one task record. */
  async saveCheckpoint(exec: Execution): Promise<void> {
    const id = savedExecutionId(exec);
    const record: TaskRecord = {
      id,
      status: exec.state,
      progress: exec.progress,
      data: serializeExecution(exec),
      metadata: { name: exec.name },
    };
    await this.#adapter.saveTask(record);
  }

  /** Decodes the task's `data`; `NOT_FOUND` when there is no task, `CORRUPT_RECORD` when malformed. */
  async loadCheckpoint(execId: string): Promise<Execution> {
    const id = assertSafeId(execId);
    const task = await this.#adapter.getTask(id);
    if (task === undefined) throw new NotFoundError('checkpoint', id);
    return decodeTask(task, id);
  }

  /** Decodes every task, skipping (with a warning, `{ id, error }`) those that are not valid executions. */
  async listCheckpoints(): Promise<Execution[]> {
    const executions: Execution[] = [];
    for (const task of await this.#adapter.listTasks()) {
      try {
        executions.push(decodeTask(task, task.id));
      } catch (thrown) {
        if (!(thrown instanceof LongRunningError && thrown.code === ErrorCode.CorruptRecord)) throw thrown;
        this.#logger.warn('skipping malformed task record', { id: task.id, error: toError(thrown).message });
      }
    }
    return executions;
  }

  /** Removes the task; `NOT_FOUND` when there is none. */
  async deleteCheckpoint(execId: string): Promise<void> {
    const id = assertSafeId(execId);
    if ((await this.#adapter.getTask(id)) === undefined) throw new NotFoundError('checkpoint', id);
    await this.#adapter.deleteTask(id);
  }
}

function decodeTask(task: TaskRecord, id: string): Execution {
  const source = `task ${JSON.stringify(id)}`;
  if (typeof task.data !== 'string') {
    throw new LongRunningError(ErrorCode.CorruptRecord, `corrupt execution record in ${source}: data is not a string`, {
      details: { source, field: 'data' },
    });
  }
  return parseStoredExecution(task.data, id, source);
}
