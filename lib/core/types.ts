import type { DirectiveHelpers, StepResult } from './directives.js';
import type { ExecutionState } from './execution-state.js';
import type { OpenCallback } from './callback-tokens.js';
import type { InboxEvent, PendingWait, StepEvent } from './waits.js';
import type { Budget, Usage } from './usage.js';
import type { LimitSpec } from './limits.js';

/** What a step is given besides its input state. */
export interface StepContext extends DirectiveHelpers {
  /** Aborted when the execution is cancelled or the step runs out of time. */
  signal: AbortSignal;
  /** The execution this step belongs to. */
  executionId: string;
  /** 0-based index of the step in the execution's step list. */
  step: number;
  /** 0 on the first try of this step, 1 on the first retry, and so on. */
  attempt: number;
  /**
   * Marks the step as alive. Long steps call it to extend their lease (serverless)
   * or advance `lastUpdate` (in-process); it resolves once recorded.
   */
  heartbeat: () => Promise<void>;
  /**
   * How many step runs this execution committed before this one (0-based). Equals
   * `step` until a loop (`goto`) runs a step again.
   */
  stepRun: number;
  /**
   * In the step that runs after a wait: the event that ended it; null when the wait
   * timed out with `onTimeout: 'continue'`; undefined otherwise.
   */
  event: StepEvent | null | undefined;
  /**
   * An opaque, single-use token that delivers an event of `type` to this execution
   * (`completeCallback(token, payload)`, or `POST /callbacks/{token}`). It becomes
   * valid when this step's result commits, and dies once the execution finishes.
   */
  callbackToken(type: string): string;
  /**
   * Reports what this step run used (`{ tokens: 1200, costUsd: 0.02 }`, or units of
   * your own); calls add up. It is committed with the step's result, atomically, so
   * the usage of an attempt that fails and is retried is never counted. Throws
   * VALIDATION_ERROR for a negative or non-finite amount or a bad unit name.
   */
  reportUsage(usage: Usage): void;
}

/**
 * A step: takes the previous step's state and returns the next one, or a directive
 * made by its context (`ctx.sleep`, `ctx.waitForEvent`, `ctx.goto`...).
 */
export type StepFunc<S = unknown> = (state: S, ctx: StepContext) => StepResult<S> | Promise<StepResult<S>>;

/** A step with a stable name, so that it can be found again after a restart. */
export interface NamedStep<S = unknown> {
  name: string;
  fn: StepFunc<S>;
  /**
   * Flow control across executions: at most `concurrency` runs of steps holding
   * the same key at once, at most `perSecond`/`perMinute` starts of them. A run
   * that finds its key full waits without counting as an attempt. See
   * lib/core/limits.ts.
   */
  limits?: readonly LimitSpec<S>[];
}

/** A saved point an execution can resume from: the input state of step `step`. */
export interface Checkpoint {
  id: string;
  /** The index of the next step to run from this checkpoint. */
  step: number;
  /**
   * The step-run sequence: how many step runs the execution had committed when this
   * checkpoint was taken (0 at the start). Loops make it grow past `step`, so no
   * checkpoint of a loop overwrites another. Absent in checkpoints written before it existed.
   */
  seq?: number;
  /** The name of step `step` (the step this state is the input of); absent past the last step or without names. */
  stepName?: string;
  /** The state at this point: the input of step `step`. */
  state: unknown;
  timestamp: Date;
  metadata?: Record<string, unknown>;
  /**
   * Set on a checkpoint a rewind went back past: its step run was undone by a later
   * `rewind` (it stays readable, and its `seq` is never used again).
   */
  superseded?: true;
  /** Set on the checkpoint a `rewind` records: the `seq` of the checkpoint it went back to. */
  rewoundTo?: number;
  /**
   * On the checkpoint a step's event wait began: the event type the step after it
   * waits for. A fork or rewind to it is refused, since that step would run
   * without its event.
   */
  awaits?: string;
}

/** Where a forked execution came from: the execution and the `seq` of its checkpoint. */
export interface ForkOrigin {
  /** The id of the execution it was forked from. */
  executionId: string;
  /** The `seq` of that execution's checkpoint it started at. */
  checkpoint: number;
}

/** An inclusive range `[first, last]` of checkpoint sequence numbers. */
export type SeqRange = [number, number];

/** One long-running execution: an ordered list of steps and where it is in them. */
export interface Execution {
  id: string;
  name: string;
  state: ExecutionState;
  /** Completed steps as a percentage of all steps, 0 to 100. */
  progress: number;
  /** Index of the next step to run (equals `totalSteps` once all are done). */
  currentStep: number;
  totalSteps: number;
  /** Step names, present when the execution can be resumed by name. */
  stepNames?: string[];
  startTime: Date;
  lastUpdate: Date;
  endTime?: Date;
  /** The most recent checkpoints, oldest first (a bounded number of them). */
  checkpoints: Checkpoint[];
  metadata: Record<string, unknown>;
  /** The last error's message, once failed. */
  error?: string;
  /** The last error's code, once failed (for example `WAIT_TIMEOUT`). */
  errorCode?: string;
  /** Step runs committed so far (loops run a step more than once). */
  stepRuns?: number;
  /** The most step runs this execution may commit (`Infinity`: no limit); fixed when it starts. */
  maxStepRuns?: number;
  /** What a waiting execution waits for (kept while it is paused in a wait). */
  wait?: ExecutionWait;
  /** Events received and not yet taken by a wait, oldest first. */
  inbox?: InboxEvent[];
  /** The most recent event ids received, so that a repeated `eventId` is delivered once. */
  seenEventIds?: string[];
  /** Callbacks opened by committed steps and not used yet (their nonces: treat as secrets). */
  openCallbacks?: OpenCallback[];
  /**
   * The event that ended the last wait, handed to the next step as `ctx.event` (null:
   * the wait timed out with `onTimeout: 'continue'`); cleared once that step commits.
   */
  delivered?: InboxEvent | null;
  /** Set on an execution made by `fork`: the execution and checkpoint it started from. */
  forkedFrom?: ForkOrigin;
  /**
   * The checkpoint sequence numbers undone by rewinds, as inclusive `[first, last]`
   * ranges in order (merged where they overlap or touch). The kept checkpoints in
   * them are marked `superseded`.
   */
  superseded?: SeqRange[];
  /**
   * What the committed step runs reported using (`ctx.reportUsage`), summed by unit;
   * absent until a committed step reports some. A failed attempt's usage is never in it.
   */
  usage?: Usage;
  /**
   * The execution's upper bounds by unit: once a committed step takes `usage` past one,
   * the execution pauses with `BUDGET_EXCEEDED` before its next step runs.
   */
  budget?: Budget;
}

/** {@link PendingWait} with `until` as a Date, as the Executor shows it. */
export type ExecutionWait = Omit<PendingWait, 'until'> & { until?: Date };

/** What a fork takes (`executor.fork`; the control plane's adds an idempotency key). */
export interface ForkOptions {
  /** The `seq` of a (kept, for the Executor) committed checkpoint of the source execution: the fork starts there. */
  fromCheckpoint: number;
  /** The fork's starting state instead of the checkpoint's (JSON only); `undefined`: the checkpoint's. */
  state?: unknown;
  /** The fork's name; the source's by default. */
  name?: string;
  /**
   * Registered step names to run instead of the source's, from their first step.
   * Without it the fork runs the source's steps from the checkpoint's step.
   */
  steps?: readonly string[];
}

/** What a rewind takes (`executor.rewind`, `control.rewind`). */
export interface RewindOptions {
  /** The `seq` of a kept checkpoint of the execution: it goes back there. */
  toCheckpoint: number;
  /** The state to run on with instead of the checkpoint's (JSON only); `undefined`: the checkpoint's. */
  state?: unknown;
}
