import type { ErrorInfo } from '../core/errors.js';
import type { ExecutionHead } from './model.js';
import type { JobPageResult } from './bulk-jobs.js';

/** Why a message was dropped without an outcome of its own. */
export type DropReason =
  /** The claim's condition failed: duplicate, stale token, paused, cancelled, or leased to another worker. */
  | 'not-claimable'
  /** Another writer moved the execution on while the step ran (stale token or lease conflict). */
  | 'superseded';

/**
 * What {@link processStepMessage} did with one message. Every status means the
 * message is done with (delete it); only a thrown error asks for redelivery. With
 * `chainSteps`, one message may run several steps: `chained` counts the steps run
 * after the message's own (each committed, and claimed by the commit before it),
 * and the rest of the outcome is the last step's.
 */
export type StepOutcome = StepOutcomeOfLastStep & { chained?: number };

/** What happened to the last (or only) step a message ran. */
export type StepOutcomeOfLastStep =
  | { status: 'invalid'; reason: string }
  | { status: 'dropped'; executionId: string; step: number; reason: DropReason }
  /** The step's result is committed; `enqueued` tells whether the next step was sent (false while paused). */
  | { status: 'committed'; executionId: string; step: number; head: ExecutionHead; enqueued: boolean }
  /**
   * The step's result is committed and the execution waits (a sleep or an event
   * wait); `wakeDelaySeconds` is the delay of the wake message sent, when its
   * deadline was within one message's delay.
   */
  | { status: 'waiting'; executionId: string; step: number; head: ExecutionHead; wakeDelaySeconds?: number }
  /** A wake message that came before the deadline re-sent itself, `delaySeconds` later. */
  | { status: 'rescheduled'; executionId: string; step: number; delaySeconds: number; head: ExecutionHead }
  /**
   * A chained step (chainSteps) ran into the invocation's deadline: its claim was
   * given back without counting an attempt and its message sent, so that it starts
   * again at the start of an invocation of its own.
   */
  | { status: 'requeued'; executionId: string; step: number; head: ExecutionHead }
  /** A wake message ended the wait: the head runs on and its step message is sent. */
  | { status: 'woken'; executionId: string; step: number; head: ExecutionHead }
  /** The last step's result is committed and the execution completed. */
  | { status: 'completed'; executionId: string; step: number; head: ExecutionHead }
  /** The attempt failed; the same step is sent again after `delaySeconds`. */
  | {
      status: 'retrying';
      executionId: string;
      step: number;
      attempt: number;
      delaySeconds: number;
      error: ErrorInfo;
      head: ExecutionHead;
    }
  /** Retries ran out (or the worker kept dying, or its loop ran maxStepRuns steps, or its wait timed out): the execution failed. */
  | { status: 'failed'; executionId: string; step: number; error: ErrorInfo; head: ExecutionHead }
  /** The step is not registered here, or a wake found the usage past the budget: the execution is paused with that error. */
  | { status: 'parked'; executionId: string; step: number; error: ErrorInfo; head: ExecutionHead }
  /**
   * A limit refused the step (key `key`): the claim was given back without counting
   * an attempt and the same step message comes back `delaySeconds` later.
   */
  | { status: 'throttled'; executionId: string; step: number; key: string; delaySeconds: number; head: ExecutionHead }
  /** The execution was cancelled while the step ran: nothing was committed. */
  | { status: 'cancelled'; executionId: string; step: number }
  /** A bulk job's message: a page ran (`more`, `completed`), or it was for a page done already (`stale`). */
  | { status: 'job'; jobId: string; page: number; result: JobPageResult };
