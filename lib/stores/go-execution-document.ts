import type { ExecutionState } from '../core/execution-state.js';

/**
 * A checkpoint as the Go package `longrunning` v1.3.0 writes it (`ExecutionCheckpoint`).
 * `state` is always present (`null` when there is none); `metadata` is omitted when empty.
 */
export interface GoCheckpointDocument {
  id: string;
  step: number;
  state: unknown;
  /** RFC 3339 timestamp. */
  timestamp: string;
  metadata?: Record<string, unknown>;
}

/**
 * An execution as the Go package `longrunning` v1.3.0 writes it to JSON, with its
 * field names and `omitempty` rules: `step_names`, `end_time`, `metadata` and `error`
 * are left out when empty; `checkpoints` is always written.
 */
export interface GoExecutionDocument {
  id: string;
  name: string;
  state: ExecutionState;
  progress: number;
  current_step: number;
  total_steps: number;
  step_names?: string[];
  /** RFC 3339 timestamp. */
  start_time: string;
  /** RFC 3339 timestamp. */
  last_update: string;
  /** RFC 3339 timestamp; present once the execution has ended. */
  end_time?: string;
  checkpoints: GoCheckpointDocument[];
  metadata?: Record<string, unknown>;
  error?: string;
}
