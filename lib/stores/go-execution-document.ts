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
  /** Not written by Go (which ignores it): the step-run sequence of the checkpoint. */
  seq?: number;
  /** Not written by Go (which ignores it): the name of step `step`. */
  step_name?: string;
  /** Not written by Go (which ignores it): `true` once a rewind went back past this checkpoint. */
  superseded?: true;
  /** Not written by Go (which ignores it): on a rewind's checkpoint, the `seq` it went back to. */
  rewound_to?: number;
  /** Not written by Go (which ignores it): the event type the step after an event wait's checkpoint waits for. */
  awaits?: string;
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
  // The fields below are not written by the Go package, which ignores them when it
  // reads a document: a Go build can load, run and save an execution without waits.
  /** The failure's error code (for example `WAIT_TIMEOUT`). */
  error_code?: string;
  /** Step runs committed so far. */
  step_runs?: number;
  /** The most step runs the execution may commit; 0 for no limit. */
  max_step_runs?: number;
  /** What a waiting (or paused-while-waiting) execution waits for. */
  wait?: GoWaitDocument;
  /** Events not yet taken by a wait, oldest first; omitted when empty. */
  inbox?: GoInboxEventDocument[];
  /** Recent event ids, to drop a repeated one; omitted when empty. */
  seen_event_ids?: string[];
  /** Callbacks opened and not used yet; omitted when empty. */
  open_callbacks?: { nonce: string; type: string }[];
  /** What ended the last wait, for the next step: an event, or a timeout with `on_timeout: continue`. */
  delivered?: { event: GoInboxEventDocument } | { timed_out: true };
  /** Where a fork came from: the execution and its checkpoint's `seq`. */
  forked_from?: { execution_id: string; checkpoint: number };
  /** Checkpoint sequence numbers undone by rewinds, as inclusive `[first, last]` ranges; omitted when empty. */
  superseded?: [number, number][];
  /** What the committed step runs reported using, by unit; omitted when empty. */
  usage?: Record<string, number>;
  /** The execution's upper bounds by unit; omitted when it has none. */
  budget?: Record<string, number>;
}

/** A pending wait: `until` is an RFC 3339 timestamp. */
export interface GoWaitDocument {
  kind: 'sleep' | 'event';
  until?: string;
  event_type?: string;
  on_timeout?: 'fail' | 'continue';
  timeout_ms?: number;
}

/** An event kept on the execution: `received_at` is an RFC 3339 timestamp. */
export interface GoInboxEventDocument {
  id: string;
  type: string;
  payload: unknown;
  received_at: string;
}
