import type { ForkOrigin, SeqRange } from '../core/types.js';
import type { ErrorInfo } from '../core/errors.js';
import type { EventType } from '../core/events.js';
import type { ExecutionState } from '../core/execution-state.js';
import type { OpenCallback } from '../core/callback-tokens.js';
import type { DeliveredEvent, InboxEvent, PendingWait } from '../core/waits.js';
import type { Budget, Usage } from '../core/usage.js';

/** Times in the runtime are epoch milliseconds: comparable, and cheap to store. */
export type EpochMs = number;

/**
 * How many recorded events a head keeps: stores append and drop the oldest beyond
 * this. Five keeps a small head under the 1 KB of one write unit (each event is
 * about 42 bytes, and every write of the head pays for all of them); the full
 * stream goes to `onEvent` and the logs.
 */
export const MAX_RECORDED_EVENTS = 5;

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
  /**
   * The `version` of the workflow when the execution was started (or, for a fork,
   * forked). Absent when the workflow had none (and on heads written before it was
   * recorded): such a head pays no bytes for it.
   */
  workflowVersion?: string;
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
  /**
   * Step runs committed so far: the sequence number of the next checkpoint. Equals
   * `currentStep` until a `goto` runs a step again. Read as `currentStep` from items
   * written before it existed.
   */
  stepRuns: number;
  /** Step runs allowed before the execution fails with STEP_LIMIT_EXCEEDED; 0 means no limit. */
  maxStepRuns: number;
  /** What a waiting execution waits for (kept while it is paused in a wait, and by a WAIT_TIMEOUT failure for retry). */
  wait?: PendingWait;
  /** Events received and not yet taken by a wait, oldest first (bounded, see lib/core/waits.ts). */
  inbox: InboxEvent[];
  /** The last event ids accepted, to drop a repeated `eventId`. */
  seenEventIds: string[];
  /** Callback tokens opened by committed steps and not yet used. */
  callbacks: OpenCallback[];
  /**
   * The event that ended the last wait, handed to the next step run as `ctx.event`
   * (null: the wait timed out with `onTimeout: 'continue'`). Cleared by the next commit.
   */
  delivered?: DeliveredEvent;
  /**
   * Bumped by every accepted event. A write decided from the inbox (a commit that took
   * an event or entered an event wait) is conditional on it, so an event that arrives
   * meanwhile is never lost: the write is decided again from the head with it.
   */
  inboxSeq: number;
  /** Where a fork came from: the execution and the checkpoint it was forked from. */
  forkedFrom?: ForkOrigin;
  /**
   * Checkpoint sequence ranges (inclusive, ascending, disjoint) that rewinds left
   * behind: still readable, listed as `superseded`. Absent until the first rewind.
   */
  superseded?: SeqRange[];
  /**
   * What the committed step runs reported using (`ctx.reportUsage`), summed by unit:
   * added by the commit write itself, so a retried or lost attempt never counts.
   * Absent until a step reports something (a head without usage pays no bytes for it).
   */
  usage?: Usage;
  /**
   * Upper bounds of `usage` by unit (the start request's, else the workflow's): a
   * commit that leaves the usage past one pauses the execution with BUDGET_EXCEEDED
   * before its next step. Absent: no limit.
   */
  budget?: Budget;
  /**
   * Set when a limit refused the current step (its message comes back later):
   * cleared by the next claim. Absent otherwise (no bytes for unlimited steps).
   */
  throttled?: ThrottledInfo;
}

/** How many superseded ranges a head keeps: a rewind that would need more is refused (fork instead). */
export const MAX_SUPERSEDED_RANGES = 20;

/**
 * A committed checkpoint: the state after `seq` step runs, which is the input of step
 * `step` (named `stepName`; absent once past the last step). Checkpoints are keyed by
 * `seq`, so a loop never overwrites an earlier one; for a list run straight through,
 * `seq` equals `step`.
 */
export interface StoredCheckpoint {
  /** `<executionId>/<seq>`. */
  id: string;
  executionId: string;
  /** The step-run sequence number: 0 for the input, n after n committed step runs. */
  seq: number;
  /** The index of the step this state is the input of (`totalSteps` once completed). */
  step: number;
  /** The name of step `step`, absent once past the last step. */
  stepName?: string;
  state: unknown;
  timestamp: EpochMs;
  /** Written by a rewind: the sequence number of the checkpoint it went back to. */
  rewoundTo?: number;
  /**
   * Written by a commit that began an event wait: the event type step `step` waits
   * for (its input is handed over with that event). A fork or rewind to such a
   * checkpoint is refused: the step would run without its event.
   */
  awaits?: string;
  /** Set on reads: a rewind went back past this checkpoint, so nothing runs on from it. */
  superseded?: true;
}

/** A page of results and the opaque cursor of the next page, if any. */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * The body of one step message (docs/architecture.md, "The step protocol"). With
 * `wake: true` it is a timer message: it ends the wait of a head waiting at version
 * `token` once the wait is due, and then sends the step message itself.
 */
export interface StepMessage {
  v: 1;
  executionId: string;
  step: number;
  token: number;
  wake?: true;
  /**
   * Set on a step message re-sent because a limit refused it: how many times in a
   * row (the next delay grows with it) and since when (the head's `throttled.since`).
   */
  throttle?: { count: number; since: EpochMs };
}

/** Why a step waits for a limit (lib/core/limits.ts): the key that refused it, its use then, and since when. */
export interface ThrottledInfo {
  key: string;
  /** Slots of the key held when it refused. */
  inUse: number;
  /** The key's concurrency, when it has one (a rate-only key has none). */
  limit?: number;
  since: EpochMs;
}
