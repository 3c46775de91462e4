import { IllegalTransitionError, ValidationError, NotFoundError } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { ExecutionState, isExecutionState } from '../core/execution-state.js';
import { assertSafeId, newExecutionId } from '../core/ids.js';
import { legalFrom, type TransitionAction } from '../core/transitions.js';
import { emitEvents, recordedEvent } from './lifecycle-events.js';
import type { ExecutionHead, Page, StoredCheckpoint } from './model.js';
import type { StateCounts } from './ports.js';
import { resolveRuntime, type ResolvedRuntime, type RuntimeDeps } from './runtime-config.js';
import type { LimitUse } from './limit-decision.js';
import { stepMessage } from './step-message.js';
import { validateStartRequest, type StartRequest } from './start-request.js';
import { completeCallback, sendEvent, type EventResult } from './event-delivery.js';
import { resumeOrRetry, type ActionResult } from './resume-actions.js';
import type { EventInput } from '../core/waits.js';
import { forkExecution, neverClaimed, rewindExecution, type ForkRequest } from './fork-rewind.js';
import type { RewindOptions } from '../core/types.js';
import { isSuperseded } from '../core/superseded.js';
import { getBulkJob, startBulkJob, type BulkRequest } from './bulk-jobs.js';
import type { BulkJob } from './bulk-model.js';
import { setBudget, workflowUsage, type BudgetResult, type WorkflowUsage } from './budget-actions.js';

export type { ActionResult } from './resume-actions.js';
export type { EventResult } from './event-delivery.js';
export type { ForkRequest } from './fork-rewind.js';
export type { BudgetResult, WorkflowUsage } from './budget-actions.js';

/** A head and one page of its checkpoints, newest first. */
export interface ExecutionDetails {
  head: ExecutionHead;
  checkpoints: Page<StoredCheckpoint>;
}

/** Filters and paging of {@link ControlPlane.list}. */
export interface ListRequest {
  state?: string;
  workflow?: string;
  /** Only executions whose name contains this, case-insensitively (1 to 128 characters). */
  name?: string;
  /** 1 to 100; default 20. */
  limit?: number;
  nextToken?: string;
}

const MAX_PAGE = 100;

/** How far {@link ControlPlane.counts} counts each state: past it a count is "at least". */
export const COUNTS_CAP = 10_000;

/** What {@link ControlPlane.counts} answers: the count of every state, and the cap they stop at. */
export interface StateCountsView {
  states: StateCounts;
  cap: number;
}

/** A condition on a control action's write. */
export interface TransitionOptions {
  /** Act only while the execution is in one of these states. */
  onlyFrom?: readonly ExecutionState[];
}

/**
 * Starts and controls executions over the runtime's ports: what the API handler
 * calls. Every state change goes through the one transition table in
 * lib/core/transitions.ts, applied atomically by the store, so an illegal action
 * fails with ILLEGAL_TRANSITION whatever raced it.
 *
 * Pause and resume never bump the version. A pause lands at the next step
 * boundary: the step in flight still commits (the head stays paused and nothing is
 * enqueued). Resume always sends `{currentStep, version}` of the head it wrote. If
 * a step is still in flight, that message is dropped by the claim (the lease is
 * live, or the commit has made it stale) and the in-flight commit, now seeing a
 * running head, enqueues the next step itself; so the step's work is never thrown
 * away, and no read-then-decide race can leave a running execution without a message.
 *
 * Every call is safe to retry after a lost response. `start` with a used
 * idempotency key sends the first step again while nobody has claimed it. An
 * action whose target state already holds (pause on paused, resume or retry on
 * running, cancel on cancelled) answers `changed: false` instead of
 * ILLEGAL_TRANSITION; resume and retry then send the current step again (a
 * duplicate is dropped by the claim), so a send lost after the state change is
 * made good.
 *
 * @example
 * const control = new ControlPlane({ store, queue, workflows });
 * const { head } = await control.start({ workflow: 'research', input: { topic: 'tides' } });
 * await control.pause(head.id);
 * await control.resume(head.id);
 */
export class ControlPlane {
  readonly #rt: ResolvedRuntime;

  constructor(deps: RuntimeDeps) {
    this.#rt = resolveRuntime(deps);
  }

  /**
   * Creates an execution of a registered workflow (or of an explicit list of
   * registered steps) and sends its first step. With an idempotency key already
   * used, returns that execution with `created: false`, and sends its first step
   * again if no worker has claimed it yet (the first call's send may be what was lost).
   */
  async start(request: StartRequest): Promise<{ head: ExecutionHead; created: boolean }> {
    const rt = this.#rt;
    const valid = validateStartRequest(request, rt.workflows);
    const now = rt.clock.now();
    const result = await rt.store.create({
      ...valid,
      id: newExecutionId(),
      now,
      sweepAt: now + rt.stallAfterMs,
      events: [],
    });
    if (result.created || neverClaimed(result.head)) await rt.queue.send(stepMessage(result.head.id, 0, 0));
    return result;
  }

  /** The head and a page of its checkpoints (newest first; default 10, at most 100); NOT_FOUND for an unknown id. */
  async get(
    id: string,
    options: { checkpointsLimit?: number; checkpointsNextToken?: string } = {},
  ): Promise<ExecutionDetails> {
    const head = await this.#head(id);
    const limit = pageLimit(options.checkpointsLimit, 10, 'checkpointsLimit');
    const page =
      options.checkpointsNextToken === undefined ? { limit } : { limit, nextToken: options.checkpointsNextToken };
    const checkpoints = await this.#rt.store.listCheckpoints(id, page);
    if (head.superseded === undefined) return { head, checkpoints };
    const items = checkpoints.items.map((cp) =>
      isSuperseded(head.superseded, cp.seq) ? { ...cp, superseded: true as const } : cp,
    );
    return { head, checkpoints: { ...checkpoints, items } };
  }

  /** Executions newest first, optionally of one state and/or workflow, and/or with a name containing `name`. */
  async list(request: ListRequest = {}): Promise<Page<ExecutionHead>> {
    const { state, workflow, name, nextToken } = request;
    if (state !== undefined && !isExecutionState(state))
      throw new ValidationError(`unknown execution state ${JSON.stringify(state)}`);
    if (workflow !== undefined && typeof workflow !== 'string') throw new ValidationError('workflow must be a string');
    if (nextToken !== undefined && typeof nextToken !== 'string')
      throw new ValidationError('nextToken must be a string');
    return await this.#rt.store.list({
      limit: pageLimit(request.limit, 20, 'limit'),
      ...(state === undefined ? {} : { state }),
      ...(workflow === undefined ? {} : { workflow }),
      ...(name === undefined ? {} : { name }),
      ...(nextToken === undefined ? {} : { nextToken }),
    });
  }

  /** How many executions are in each state, each counted up to {@link COUNTS_CAP}. */
  async counts(): Promise<StateCountsView> {
    return { states: await this.#rt.store.countByState({ cap: COUNTS_CAP }), cap: COUNTS_CAP };
  }

  /** Every limit key with its use (slots in use, limit, waiters, tokens); none without a limiter. */
  async limits(): Promise<{ items: LimitUse[] }> {
    const limiter = this.#rt.limiter;
    return { items: limiter ? await limiter.list(this.#rt.clock.now()) : [] };
  }

  /**
   * Running -> paused, at the next step boundary; waiting -> paused, keeping the wait
   * (events that arrive meanwhile are kept in the inbox). Keeps the version. With
   * `onlyFrom`, only from those states (the write's condition): ILLEGAL_TRANSITION
   * from any other, as a bulk job acts only on executions still as it listed them.
   */
  pause(id: string, options: TransitionOptions = {}): Promise<ActionResult> {
    return this.#transition(id, 'pause', ExecutionState.Paused, EventType.Paused, { bumpVersion: false, ...options });
  }

  /**
   * Paused -> running: clears the error, gives the step fresh retries, sends it. Keeps
   * the version (see the class notes). A head paused in a wait goes back to waiting
   * with the same deadline, or straight on to the next step when its event arrived
   * meanwhile; a deadline that passed meanwhile is handled at once by its timer.
   */
  async resume(id: string): Promise<ActionResult> {
    return resumeOrRetry(this.#rt, assertSafeId(id), 'resume');
  }

  /**
   * Replaces the budget of an unfinished execution (`{ tokens?, costUsd?, [unit]: n }`).
   * An execution paused with BUDGET_EXCEEDED that the new budget no longer holds
   * back is resumed by the same write (`resumed: true`); one still past it stays
   * paused. ILLEGAL_TRANSITION once finished. (A plain `resume` of an execution past
   * its budget is refused with BUDGET_EXCEEDED.)
   *
   * @example
   * const { head, resumed } = await control.setBudget(id, { costUsd: 5 });
   */
  setBudget(id: string, budget: unknown): Promise<BudgetResult> {
    return setBudget(this.#rt, assertSafeId(id), budget);
  }

  /** The usage of a workflow's executions summed by unit, over at most 10,000 of them (newest first; `capped` beyond). */
  workflowUsage(workflow: string): Promise<WorkflowUsage> {
    return workflowUsage(this.#rt, workflow);
  }

  /**
   * Sends an event to an unfinished execution: it ends a wait for its type
   * ('resumed', the next step is sent), or is kept in the execution's inbox for a
   * later `waitForEvent` ('buffered'); an `eventId` seen before changes nothing
   * ('duplicate'). NOT_FOUND, ILLEGAL_TRANSITION (finished), INBOX_FULL (409).
   *
   * @example
   * await control.sendEvent(id, { type: 'approval', payload: { ok: true }, eventId: 'review-42' });
   */
  async sendEvent(id: string, event: EventInput): Promise<EventResult> {
    return sendEvent(this.#rt, id, event);
  }

  /**
   * Uses a callback token made by `ctx.callbackToken(type)`: delivers its event, once.
   * A wrong, used or dead token is NOT_FOUND ("callback not found"), whatever the reason.
   */
  async completeCallback(token: string, payload?: unknown): Promise<EventResult> {
    return completeCallback(this.#rt, token, payload);
  }

  /**
   * Ends an unfinished execution as cancelled; a step in flight sees its signal abort
   * at its next heartbeat. `onlyFrom` as for {@link ControlPlane.pause}.
   */
  cancel(id: string, options: TransitionOptions = {}): Promise<ActionResult> {
    return this.#transition(id, 'cancel', ExecutionState.Cancelled, EventType.ExecutionCancelled, {
      bumpVersion: true,
      end: true,
      ...options,
    });
  }

  /**
   * Failed -> running again from the failed step, with its last committed state and
   * fresh retries; a WAIT_TIMEOUT failure waits again, with a fresh timeout.
   */
  async retry(id: string): Promise<ActionResult> {
    return resumeOrRetry(this.#rt, assertSafeId(id), 'retry');
  }

  /**
   * A new execution that starts from committed checkpoint `fromCheckpoint` of `id`,
   * with that checkpoint's state or `state`, at the checkpoint's step of the same
   * step list (or at the first of `steps`). It records `forkedFrom`; the original,
   * in any state, is only read. NOT_FOUND for an unknown execution or checkpoint,
   * VALIDATION_ERROR for a state that is not JSON, a step not registered, or the
   * final checkpoint of a completed execution (no step after it).
   *
   * @example
   * const { head } = await control.fork(id, { fromCheckpoint: 6, state: { ...fixed } });
   */
  fork(id: string, options: ForkRequest): Promise<{ head: ExecutionHead; created: boolean }> {
    return forkExecution(this.#rt, id, options);
  }

  /**
   * Takes a paused, failed, cancelled or completed execution back to its committed
   * checkpoint `toCheckpoint`, with that checkpoint's state or `state`, and runs on
   * from its step. Bumps the version, so a step still in flight cannot commit. The
   * checkpoints after it stay readable and are listed as `superseded`; the rewind
   * writes a new checkpoint (`rewoundTo`) after the last, so none is overwritten.
   * ILLEGAL_TRANSITION from running or waiting (pause it first).
   *
   * @example
   * await control.rewind(id, { toCheckpoint: 3 });
   */
  rewind(id: string, options: RewindOptions): Promise<ActionResult> {
    return rewindExecution(this.#rt, id, options);
  }

  /**
   * Starts a bulk operation: `redrive` (retry every failed execution the filter
   * matches from its failed step, or take a cancelled one back to its latest
   * checkpoint), `cancel` or `pause`, run a page at a time by the step worker. The
   * same `requestId` returns the same job (`created: false`). Needs a job store.
   *
   * @example
   * const { job } = await control.bulk({ action: 'redrive', filter: { workflow: 'research', errorCode: 'THROTTLED' }, requestId: 'outage-42' });
   */
  bulk(request: BulkRequest): Promise<{ job: BulkJob; created: boolean }> {
    return startBulkJob(this.#rt, request);
  }

  /** A bulk operation's progress; NOT_FOUND for an unknown job. */
  job(id: string): Promise<BulkJob> {
    return getBulkJob(this.#rt, id);
  }

  /** Removes a finished (completed, failed or cancelled) execution and its checkpoints. */
  async delete(id: string): Promise<void> {
    await this.#rt.store.delete(assertSafeId(id));
  }

  async #head(id: string): Promise<ExecutionHead> {
    const head = await this.#rt.store.get(assertSafeId(id));
    if (!head) throw new NotFoundError('execution', id);
    return head;
  }

  async #transition(
    id: string,
    action: TransitionAction,
    to: ExecutionState,
    type: EventType,
    options: { bumpVersion: boolean; resetAttempts?: boolean; end?: boolean } & TransitionOptions,
  ): Promise<ActionResult> {
    const rt = this.#rt;
    const { onlyFrom, ...change } = options;
    // The read gives the event its step; the write's condition is what decides.
    const current = await this.#head(id);
    if (current.state === to) return { head: current, changed: false };
    const legal = legalFrom(action);
    const from = onlyFrom === undefined ? legal : legal.filter((state) => onlyFrom.includes(state));
    if (from.length === 0) throw new IllegalTransitionError(id, current.state, action, legal);
    const now = rt.clock.now();
    const event = recordedEvent(type, current.currentStep, now);
    let head: ExecutionHead;
    try {
      head = await rt.store.transition({
        id,
        from,
        to,
        now,
        action,
        event,
        ...change,
        ...(to === ExecutionState.Running ? { sweepAt: now + rt.stallAfterMs } : {}),
      });
    } catch (err) {
      // Another caller got there between the read and the write: the asked-for state holds.
      if (err instanceof IllegalTransitionError && err.state === to)
        return { head: await this.#head(id), changed: false };
      throw err;
    }
    emitEvents(rt, id, [event], { state: head.data });
    return { head, changed: true };
  }
}

function pageLimit(limit: unknown, fallback: number, field: string): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new ValidationError(
      `${field} must be a whole number from 1 to ${MAX_PAGE}, got ${JSON.stringify(limit) ?? typeof limit}`,
    );
  }
  return limit;
}
