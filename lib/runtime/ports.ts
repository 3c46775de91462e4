import type { OpenCallback } from '../core/callback-tokens.js';
import type { ErrorInfo } from '../core/errors.js';
import type { ExecutionState } from '../core/execution-state.js';
import type { EpochMs, ExecutionHead, Page, RecordedEvent, StepMessage, StoredCheckpoint } from './model.js';
import type { ForkOrigin } from '../core/types.js';
import type { JobMessage } from './bulk-model.js';
import type { WaitTiming } from './wait-timing.js';
import type { Budget, Usage } from '../core/usage.js';
import type { AcquireRequest, AcquireResult, LimitUse } from './limit-decision.js';

/**
 * What a new execution is created with. The store adds state running, currentStep 0,
 * version 0, claims 0 and the checkpoint of step 0.
 */
export interface NewExecution {
  id: string;
  name: string;
  workflow: string;
  stepNames: string[];
  input: unknown;
  now: EpochMs;
  metadata: Record<string, string>;
  idempotencyKey?: string;
  /**
   * When the sweeper should look if no step has run by then. Needed from the start:
   * a crash between create and the first send must still be found by a sweep.
   */
  sweepAt: EpochMs;
  events: RecordedEvent[];
  /** Step runs allowed (0: no limit); DEFAULT_MAX_STEP_RUNS when absent. */
  maxStepRuns?: number;
  /** The step to start at (a fork starts where its checkpoint was); 0 when absent. */
  startStep?: number;
  /** Set for a fork: where it came from. */
  forkedFrom?: ForkOrigin;
  /** Upper bounds of the execution's usage (already validated); none when absent. */
  budget?: Budget;
  /** The workflow's `version` now (1 to 64 characters); absent when it has none. */
  workflowVersion?: string;
}

/**
 * A rewind: execution `id` goes back to its committed checkpoint `toCheckpoint` and
 * runs on from there, with that checkpoint's state or `state`. The head becomes
 * running at the checkpoint's step, version + 1 (nothing in flight commits), claims
 * 0, error, end, wait, delivered event and callbacks cleared (the steps that made
 * them are undone), inbox kept. A new checkpoint `CP#<stepRuns + 1>` holds the state
 * run on from (`rewoundTo` set), so sequence numbers never repeat, and the range
 * after `toCheckpoint` up to the old `stepRuns` is recorded as superseded.
 */
export interface RewindRequest {
  id: string;
  toCheckpoint: number;
  /** The state to run on with (already validated); the checkpoint's own state when undefined. */
  state?: unknown;
  /** Legal current states; any other is ILLEGAL_TRANSITION. */
  from: readonly ExecutionState[];
  /** Only while the head is at this version (CONFLICT otherwise): a bulk redrive's condition. */
  expectVersion?: number;
  now: EpochMs;
  /** When the sweeper should look if the first step message is lost. */
  sweepAt: EpochMs;
  /** The `rewound` event; the store records it with the checkpoint's step. */
  event: RecordedEvent;
}

/**
 * Fencing facts every worker-side write carries. The writes that take a fence
 * (commit, releaseForRetry, fail, park) succeed only while version = token,
 * leaseOwner = owner and the state is running or paused (paused: a pause arrived
 * while the step ran). Otherwise they throw STALE_TOKEN (no head, other version,
 * other state) or LEASE_CONFLICT (another owner), carrying the current head. An
 * expired lease that nobody else has claimed still fences: the token is what counts.
 * Their `events` are appended to the head's, keeping the last MAX_RECORDED_EVENTS.
 */
export interface Fence {
  id: string;
  /** The version the message carried and the claim matched. */
  token: number;
  /** This worker's lease owner id. */
  owner: string;
  now: EpochMs;
}

/** What a claim asks for: step `step` under token `token`, leased to `owner` from `now` for `leaseMs`. */
export type ClaimRequest = Fence & { step: number; leaseMs: number };

/** What a commit writes: the claimed step's result, under the claim's fence. */
export interface CommitRequest extends Fence {
  /** The step that ran (the head's currentStep at the claim). */
  step: number;
  /** The step's result: its next state, or a directive made by its context (`ctx.sleep`, `ctx.goto`...). */
  output: unknown;
  /** Callback tokens the step opened: they become usable with this commit. */
  opened?: OpenCallback[];
  /**
   * What the step run reported using (already validated): added to the head's
   * `usage` by this very write. Past the head's budget, the commit pauses the
   * execution with BUDGET_EXCEEDED (and a `paused` event) unless it just ended.
   */
  usage?: Usage;
  /** When the sweeper should look if the head runs on (the next step message is due now). */
  sweepAt: EpochMs;
  /** How a wait's `sweepAt` is set; by default `sweepAt - now` and SQS's 900 s. */
  timing?: WaitTiming;
  events: RecordedEvent[];
  /** false: write no checkpoint item, only the head (a workflow with `checkpointHistory: 'none'`); true by default. */
  checkpoint?: boolean;
  /**
   * When the commit leaves the execution running at its next step, the same write
   * claims that step for `owner`, leased until `now + leaseMs` (claims 1), so that
   * the worker runs it next without a claim of its own (a workflow with
   * `chainSteps`). A head that waits, pauses or ends is left unleased as always.
   * `owner` must differ from the committing one: each step attempt has its own
   * owner, which is how a write recognises its own landed write (`isOwnWrite`).
   */
  claimNext?: { owner: string; leaseMs: number };
}

/**
 * A compare-and-set of the head: `next` replaces the stored head only while it still
 * has `base`'s values of {@link HEAD_PINS} (version, state, step, claims, lease
 * owner, lastUpdate, inboxSeq). The runtime decides `next` from `base` with the pure
 * rules (events, wakes, waits resumed, sweeps) and decides again from `current` when
 * the head moved on meanwhile.
 */
export interface ReplaceRequest {
  base: ExecutionHead;
  next: ExecutionHead;
  /**
   * An event id to record as received in the same atomic write (an event's
   * delivery): when it was recorded before, for this execution, within
   * {@link SEEN_EVENT_RETENTION_MS}, nothing is written and the result says
   * `duplicate`. The head itself keeps no list of seen ids, so it stays the same
   * size however many events an execution receives.
   */
  eventId?: string;
}

/** How long a received event id is remembered to drop a repeat of it: 30 days. */
export const SEEN_EVENT_RETENTION_MS = 30 * 86_400_000;

/**
 * What {@link ExecutionStore.replaceHead} did: written, or the head as it is now
 * (undefined: gone), or nothing because the request's `eventId` was already received.
 */
export type ReplaceResult =
  { ok: true; head: ExecutionHead } | { ok: false; current: ExecutionHead | undefined; duplicate?: true };

/** A state change asked for by a control action (pause, resume, cancel, retry). */
export interface TransitionRequest {
  id: string;
  /** Legal current states; any other state fails with ILLEGAL_TRANSITION. */
  from: readonly ExecutionState[];
  to: ExecutionState;
  now: EpochMs;
  /** Bump the version (making every message in flight stale). */
  bumpVersion: boolean;
  /** Reset claims and clear error and endTime (retry). */
  resetAttempts?: boolean;
  /** Set endTime (cancel). A terminal `to` also removes the lease and sweepAt. */
  end?: boolean;
  /** When the sweeper should next look, if the new state is running. */
  sweepAt?: EpochMs;
  event: RecordedEvent;
  /** Which action, for the error message. */
  action: string;
}

/** Filters of {@link ExecutionStore.list}. */
export interface ListQuery {
  state?: ExecutionState;
  workflow?: string;
  /** Only executions whose name contains this, compared lower-cased (1 to 128 characters). */
  name?: string;
  limit: number;
  nextToken?: string;
}

/** How many executions are in each state: `capped` means at least `count` (the count stopped at the cap). */
export type StateCounts = Record<ExecutionState, { count: number; capped: boolean }>;

/**
 * The persistence port of the serverless runtime. Every method is one atomic
 * write (or a read); adapters translate their conflicts into domain errors.
 */
export interface ExecutionStore {
  /**
   * Creates the head and the checkpoint of step 0 in one atomic write. With an
   * idempotency key already used, returns the existing head and `created: false`.
   */
  create(exec: NewExecution): Promise<{ head: ExecutionHead; created: boolean }>;
  /**
   * Claims step `step` with token `token` for `owner` until `now + leaseMs`:
   * only if running, version = token, currentStep = step, and no live lease.
   * Increments claims. Returns undefined when the condition fails (duplicate,
   * stale, paused, cancelled), never throws for that.
   */
  claim(req: ClaimRequest): Promise<ExecutionHead | undefined>;
  /**
   * Extends this owner's lease. Returns the head's current state when the lease is
   * no longer this owner's or the execution was cancelled (`lost: true`).
   */
  extendLease(req: Fence & { leaseMs: number }): Promise<{ lost: boolean; state?: ExecutionState }>;
  /**
   * Commits step `step`: decides from the head as it stands what its result means
   * (`committedHead`, lib/runtime/head-changes.ts: next step or goto target,
   * waiting, completed, or failed with STEP_LIMIT_EXCEEDED), writes checkpoint
   * `CP#<stepRuns>` with the state and moves the head on (version + 1, claims 0,
   * lease removed; a paused head stays paused, except when it completes or fails:
   * there is no step boundary left to pause at), clears the error and `delivered`.
   * Condition: see {@link Fence}; an event accepted while the step ran is taken into
   * the decision, never lost. Throws STALE_TOKEN / LEASE_CONFLICT when it fails, and
   * STATE_TOO_LARGE before writing anything when the head or checkpoint would not fit.
   */
  commit(req: CommitRequest): Promise<ExecutionHead>;
  /** Failed attempt with retries left: version + 1, lease removed, error kept, sweepAt set; state unchanged. */
  releaseForRetry(req: Fence & { error: ErrorInfo; sweepAt: EpochMs; events: RecordedEvent[] }): Promise<ExecutionHead>;
  /** Retries exhausted (also from paused): state failed, error and endTime set, lease removed, version + 1. */
  fail(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead>;
  /** Parks a running execution as paused with an error (step not registered), lease removed, version kept. */
  park(req: Fence & { error: ErrorInfo; events: RecordedEvent[] }): Promise<ExecutionHead>;
  /** One compare-and-set of the head (see {@link ReplaceRequest}); never throws for a failed condition. */
  replaceHead(req: ReplaceRequest): Promise<ReplaceResult>;
  /** Applies a control action; throws ILLEGAL_TRANSITION (with the current state) or NOT_FOUND. */
  transition(req: TransitionRequest): Promise<ExecutionHead>;
  /** The head, or undefined. */
  get(id: string): Promise<ExecutionHead | undefined>;
  /**
   * Checkpoint `seq` of execution `id`, or undefined when there is none or it is not
   * committed (beyond the head's `stepRuns`). Its state is the state itself, even
   * where other reads return a reference to it (a fork starts from it).
   */
  getCheckpoint(id: string, seq: number): Promise<StoredCheckpoint | undefined>;
  /**
   * Applies a rewind (see {@link RewindRequest}) in one atomic write of the head and
   * the new checkpoint. NOT_FOUND for an unknown execution or checkpoint,
   * ILLEGAL_TRANSITION from a state not in `from`, VALIDATION_ERROR for a
   * checkpoint past the last step or a head with MAX_SUPERSEDED_RANGES already,
   * STATE_TOO_LARGE before anything is written.
   */
  rewind(req: RewindRequest): Promise<ExecutionHead>;
  /** Checkpoints newest first. */
  listCheckpoints(id: string, page: { limit: number; nextToken?: string }): Promise<Page<StoredCheckpoint>>;
  /**
   * Heads, newest first, filtered by state, workflow and/or name. A page may hold
   * fewer than `limit` heads and still give a token (the work per page is bounded).
   */
  list(query: ListQuery): Promise<Page<ExecutionHead>>;
  /**
   * The executions in each state, every state of ExecutionState counted up to `cap`
   * (1 to MAX_COUNT_CAP): past it the count is `cap` and `capped` is true.
   */
  countByState(options: { cap: number }): Promise<StateCounts>;
  /**
   * Heads due for the sweeper, from the active index: running ones with sweepAt <=
   * `dueBefore` and no live lease at `now`, and waiting ones with sweepAt <= `dueBefore`.
   */
  findStalled(req: { now: EpochMs; dueBefore: EpochMs; limit: number }): Promise<ExecutionHead[]>;
  /** Removes a terminal execution's head and all its checkpoints; ILLEGAL_TRANSITION otherwise. */
  delete(id: string): Promise<void>;
}

/** The queue port: one message is one step attempt (or one page of a bulk job). */
export interface StepQueue {
  /** Sends a step (or job) message, visible after `delaySeconds` (0 to 900). */
  send(message: StepMessage | JobMessage, delaySeconds?: number): Promise<void>;
}

/**
 * The flow control port (lib/runtime/limit-decision.ts): one record per limit key.
 * Each method reads the key's record and writes it back conditional on its
 * revision (retried a few times on conflict); only limited steps call it.
 */
export interface Limiter {
  /** Takes a slot and/or a token of `req.key` for `req.holderId`, or records the execution as waiting. */
  acquire(req: AcquireRequest): Promise<AcquireResult>;
  /** Gives `holderId`'s slot of `key` back; nothing is written when it holds none. */
  release(req: { key: string; holderId: string }): Promise<void>;
  /** Every key with its use at `now`, sorted by key. */
  list(now: EpochMs): Promise<LimitUse[]>;
}
