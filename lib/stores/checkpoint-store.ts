import { assertSafeId } from '../core/ids.js';
import { ValidationError } from '../core/errors.js';
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

/**
 * Marks a store whose `saveCheckpoint` reads the whole execution before it returns
 * and keeps no reference to it (the stores of this package turn it into JSON text
 * at the call). The Executor hands such a store its own record, rather than a copy,
 * when no earlier save of that execution is under way.
 */
export const SNAPSHOTS_AT_CALL: unique symbol = Symbol('longrunning.snapshotsAtCall');

/** True for a store marked with {@link SNAPSHOTS_AT_CALL}. */
export function snapshotsAtCall(store: CheckpointStore): boolean {
  return (store as { [SNAPSHOTS_AT_CALL]?: unknown })[SNAPSHOTS_AT_CALL] === true;
}

/**
 * The id of the execution a store is asked to save, checked: the record must be an
 * object and its id a safe id (VALIDATION_ERROR naming what is wrong otherwise).
 */
export function savedExecutionId(exec: unknown): string {
  if (exec === null || typeof exec !== 'object' || Array.isArray(exec))
    throw new ValidationError(`saveCheckpoint takes an execution record, got ${exec === null ? 'null' : typeof exec}`);
  return assertSafeId((exec as { id?: unknown }).id);
}
