import { NotFoundError, toError } from '../core/errors.js';
import type { Execution } from '../core/types.js';
import { assertSafeId } from '../core/ids.js';
import { type CheckpointStore, savedExecutionId, SNAPSHOTS_AT_CALL } from './checkpoint-store.js';
import { parseExecution, serializeExecution } from './execution-codec.js';
import { promiseNow } from '../core/promise-now.js';

/**
 * A {@link CheckpointStore} in memory, for tests and short-lived processes. It keeps
 * each execution as its Go-format JSON text, so it stores exactly what
 * `FileCheckpointStore` would: a snapshot taken at the save (later changes to the
 * caller's object do not reach it), fresh objects on every load, and the same
 * validation (`VALIDATION_ERROR` for unsafe ids or unstorable executions).
 *
 * @example
 * const store = new MemoryCheckpointStore();
 * const executor = new Executor({}, { checkpointStore: store });
 */
export class MemoryCheckpointStore implements CheckpointStore {
  /** Serialises each execution at the call, so it may be handed the Executor's own record. */
  readonly [SNAPSHOTS_AT_CALL] = true;
  readonly #records = new Map<string, string>();

  /** Stores a snapshot of the execution, replacing any earlier one. */
  saveCheckpoint(exec: Execution): Promise<void> {
    // What promiseNow does, without a closure: a save is made at every step.
    try {
      const id = savedExecutionId(exec);
      this.#records.set(id, serializeExecution(exec));
    } catch (thrown) {
      return Promise.reject(toError(thrown));
    }
    return Promise.resolve();
  }

  /** A fresh copy of the stored execution; `NOT_FOUND` when there is none. */
  loadCheckpoint(execId: string): Promise<Execution> {
    return promiseNow(() => {
      const id = assertSafeId(execId);
      const text = this.#records.get(id);
      if (text === undefined) throw new NotFoundError('checkpoint', id);
      return parseExecution(text, `memory:${id}`);
    });
  }

  /** Fresh copies of every stored execution, in id order. */
  listCheckpoints(): Promise<Execution[]> {
    return promiseNow(() =>
      [...this.#records.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, text]) => parseExecution(text, `memory:${id}`)),
    );
  }

  /** Removes the execution; `NOT_FOUND` when there is none. */
  deleteCheckpoint(execId: string): Promise<void> {
    return promiseNow(() => {
      const id = assertSafeId(execId);
      if (!this.#records.delete(id)) throw new NotFoundError('checkpoint', id);
    });
  }
}
