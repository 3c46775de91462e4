import type { ErrorInfo } from '../core/errors.js';
import type { EventType } from '../core/events.js';
import type { ExecutionState } from '../core/execution-state.js';

/** Times in the runtime are epoch milliseconds: comparable, and cheap to store. */
export type EpochMs = number;

/** How many recorded events a head keeps: stores append and drop the oldest beyond this. */
export const MAX_RECORDED_EVENTS = 10;

/** One entry of the bounded per-execution event history kept on the head. */
export interface RecordedEvent {
  type: EventType;
  step: number;
  at: EpochMs;
  attempt?: number;
  error?: ErrorInfo;
}

/**
 * The execution head: the one record the step protocol reads and fences on
 * (docs/architecture.md, "Data model (one DynamoDB table)"). `data` is the latest committed state: the input
 * of `currentStep`, or the final output once completed.
 */
export interface ExecutionHead {
  id: string;
  name: string;
  workflow: string;
  state: ExecutionState;
  stepNames: string[];
  currentStep: number;
  totalSteps: number;
  /** 0 to 100. */
  progress: number;
  data: unknown;
  /**
   * Fencing token: bumped by every commit, release for retry and fail, and by the
   * cancel and retry control actions. Pause, park and resume keep it, so that a step
   * in flight across a pause/resume can still commit.
   */
  version: number;
  /** Claims of the current step so far; the running attempt is `claims - 1`. Reset by commit. */
  claims: number;
  leaseOwner?: string;
  leaseExpiresAt?: EpochMs;
  /**
   * The lease owner whose fenced write (commit, release for retry, fail, park) landed
   * last. A worker that lost the response of such a write reads the head and finds
   * here whether its write landed (see `isOwnWrite` in store-rules.ts).
   */
  lastWriter?: string;
  startTime: EpochMs;
  lastUpdate: EpochMs;
  /**
   * When the sweeper should look for this execution if nothing has touched it by
   * then: every write that leaves the head running sets it to when the next message
   * is due plus the runtime's stallAfterMs. The sweeper takes running heads with
   * sweepAt <= now and no live lease.
   */
  sweepAt?: EpochMs;
  endTime?: EpochMs;
  error?: ErrorInfo;
  metadata: Record<string, string>;
  idempotencyKey?: string;
  /** The most recent lifecycle events, oldest first, bounded. */
  events: RecordedEvent[];
}

/** A committed checkpoint: the state after `step` steps (the input of step `step`). */
export interface StoredCheckpoint {
  id: string;
  executionId: string;
  step: number;
  state: unknown;
  timestamp: EpochMs;
}

/** A page of results and the opaque cursor of the next page, if any. */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** The body of one step message (docs/architecture.md, "The step protocol"). */
export interface StepMessage {
  v: 1;
  executionId: string;
  step: number;
  token: number;
}
