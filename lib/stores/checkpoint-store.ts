import type { Execution } from '../core/types.js';

/**
 * Where an in-process {@link Executor} keeps its executions between runs. A save
 * replaces the whole stored snapshot of that execution; adapters make each save
 * atomic so that a crash never leaves a torn record.
 */
export interface CheckpointStore {
  /** Stores the execution's current snapshot, replacing the previous one. */
  saveCheckpoint(exec: Execution): Promise<void>;
  /** Loads one execution; rejects with code `NOT_FOUND` when there is none. */
  loadCheckpoint(execId: string): Promise<Execution>;
  /** Loads every stored execution, skipping (and logging) malformed records. */
  listCheckpoints(): Promise<Execution[]>;
  /** Removes one execution; rejects with code `NOT_FOUND` when there is none. */
  deleteCheckpoint(execId: string): Promise<void>;
}
