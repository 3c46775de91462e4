import type { OpenCallback } from '../core/callback-tokens.js';
import { MAX_TIMER_MS, type Clock } from '../core/clock.js';
import { LongRunningError, type ErrorInfo } from '../core/errors.js';
import { EventType, type ExecutionEvent } from '../core/events.js';
import { ExecutionState, isTerminalState } from '../core/execution-state.js';
import type { Logger } from '../core/logger.js';
import { assertTransition } from '../core/transitions.js';
import type { Execution } from '../core/types.js';
import { receiveEvent, resumeWait, wake, type Delivery, type InboxEvent } from '../core/waits.js';
import type { ExecutionRun } from './execution-run.js';
import { cloneExecution } from './snapshot.js';
import { pendingWaitOf, setDelivered, setInbox, undoPoint, waitFactsOf } from './wait-state.js';

/** What `sendEvent` and `completeCallback` resolve with. */
export interface SendEventResult {
  /** The execution once the event is saved. */
  execution: Execution;
  /** `resumed`: it ended the execution's wait; `buffered`: kept in its inbox; `duplicate`: its eventId was seen before. */
  delivery: Delivery;
}

/** What the wait driver needs from its Executor. */
export interface WaitDriverDeps {
  clock: Clock;
  logger: Logger;
  /** Saves the execution's snapshot; rejects when the save fails. */
  persist(run: ExecutionRun): Promise<void>;
  /** Starts the run loop of a run already claimed (`active`). */
  launch(run: ExecutionRun): void;
  emit(run: ExecutionRun, type: EventType, extra?: Partial<ExecutionEvent>): void;
  /** Ends a cancelled run (state, save, event, `finished`): for a cancel that waited on a save that failed. */
  endCancelled(run: ExecutionRun): Promise<void>;
}

/**
 * The in-process side of waits: arms a waiting execution's timer (in hops of at most
 * MAX_TIMER_MS, so a wait of a year is a chain of timers), ends the wait when its
 * event arrives or its deadline passes, and pauses and resumes a waiting execution.
 *
 * Timers: a sleep's timer keeps the process alive, like a retry backoff (the sleep is
 * the program's own work, and `await executor.wait(id)` must see it end); an event
 * wait's timeout timer does not (the event comes from outside, and a process with
 * nothing else to do cannot receive it). Either way the wait is saved, and
 * `autoResumeAll` after a restart arms it again or ends it at once when it is over.
 */
export class WaitDriver {
  constructor(private readonly deps: WaitDriverDeps) {}

  /**
   * Arms the wait of a waiting execution that has its steps and no running loop, or
   * ends it at once: its event is already in the inbox, or its deadline passed.
   */
  enter(run: ExecutionRun): void {
    const { exec } = run;
    if (exec.state !== ExecutionState.Waiting || run.active || !run.steps || !exec.wait) return;
    this.clearTimer(run);
    const wait = pendingWaitOf(exec.wait);
    const ready = resumeWait(wait, exec.inbox ?? []);
    if (ready.kind === 'run') return void this.#wake(run, ready.delivered, ready.inbox);
    const due = wake(wait, this.deps.clock.now());
    switch (due.kind) {
      case 'early':
        run.cancelWaitTimer = this.deps.clock.setTimer(
          Math.min(due.remainingMs, MAX_TIMER_MS),
          () => {
            run.cancelWaitTimer = undefined;
            this.enter(run);
          },
          { keepAlive: wait.kind === 'sleep' },
        );
        return;
      case 'none':
        return;
      case 'run':
        return void this.#wake(run, due.delivered, exec.inbox ?? []);
      case 'fail':
        return void this.#timeOut(run, due.error);
    }
  }

  /** Cancels the wait's timer, if one is set. */
  clearTimer(run: ExecutionRun): void {
    run.cancelWaitTimer?.();
    run.cancelWaitTimer = undefined;
  }

  /** Pauses a waiting execution at once: its timer stops, its wait (and deadline) is kept. */
  async pause(run: ExecutionRun): Promise<void> {
    const undo = undoPoint(run.exec);
    this.clearTimer(run);
    run.exec.state = ExecutionState.Paused;
    run.exec.lastUpdate = new Date(this.deps.clock.now());
    try {
      await this.deps.persist(run);
    } catch (err) {
      await this.#failedSave(run, undo, false);
      throw err;
    }
    this.deps.emit(run, EventType.Paused, { state: run.data });
  }

  /**
   * Resumes an execution paused in a wait (its steps and data in place): on to the
   * next step when its event arrived meanwhile, otherwise back to waiting with the
   * same deadline, which ends it at once when that has passed.
   */
  async resume(run: ExecutionRun): Promise<void> {
    const { exec } = run;
    if (!exec.wait) throw new Error(`internal: execution ${exec.id} has no wait to resume`);
    const undo = undoPoint(exec);
    const ready = resumeWait(pendingWaitOf(exec.wait), exec.inbox ?? []);
    if (ready.kind === 'run') this.#endWait(run, ready.delivered, ready.inbox);
    else exec.state = ExecutionState.Waiting;
    exec.lastUpdate = new Date(this.deps.clock.now());
    try {
      await this.deps.persist(run);
    } catch (err) {
      await this.#failedSave(run, undo, ready.kind === 'run');
      throw err;
    }
    this.deps.emit(run, EventType.Resumed, { state: run.data });
    if (ready.kind === 'run') return this.deps.launch(run);
    this.deps.emit(run, EventType.Waiting, { state: run.data });
    this.enter(run);
  }

  /**
   * Delivers an accepted event (VALIDATION_ERROR and NOT_FOUND are the caller's):
   * ends the execution's wait for its type, or keeps it in the inbox, and saves
   * before it resolves. ILLEGAL_TRANSITION for a finished execution, INBOX_FULL when
   * the inbox is full. `callback`, when given, is used up by the same save.
   */
  async deliver(run: ExecutionRun, event: InboxEvent, callback?: OpenCallback): Promise<SendEventResult> {
    const { exec } = run;
    assertTransition(exec.id, exec.state, 'send an event to');
    const waiting = exec.state === ExecutionState.Waiting && !run.active && run.steps !== undefined;
    const outcome = receiveEvent(waitFactsOf(exec), event, waiting);
    if (outcome.delivery === 'duplicate') return { execution: cloneExecution(exec), delivery: outcome.delivery };
    const undo = undoPoint(exec);
    exec.seenEventIds = outcome.seenEventIds;
    setInbox(exec, outcome.inbox);
    if (callback) exec.openCallbacks = (exec.openCallbacks ?? []).filter((c) => c !== callback);
    if (outcome.delivered) this.#endWait(run, outcome.delivered, outcome.inbox);
    try {
      await this.deps.persist(run);
    } catch (err) {
      await this.#failedSave(run, undo, outcome.delivered !== undefined);
      throw err;
    }
    if (outcome.delivered) {
      this.clearTimer(run);
      this.deps.emit(run, EventType.Resumed, { state: run.data });
      this.deps.launch(run);
    }
    return { execution: cloneExecution(exec), delivery: outcome.delivery };
  }

  /**
   * After the save of a pause, a resume or an event failed; `claimed`: that call
   * took the run for its loop (a resume or an event that ended the wait), and gives
   * it back. The execution goes back to what it was, its wait armed again (a
   * deadline that passed meanwhile ends it at once), unless something moved it on
   * during the save: a cancel (which ended it, or, when the run was claimed, waits
   * for its end, made here), a loop that runs it (its own, or one a timer's wake
   * launched) or an end (a timeout). Then the execution is theirs, as it stands.
   */
  async #failedSave(run: ExecutionRun, undo: () => void, claimed: boolean): Promise<void> {
    if (claimed) run.active = false;
    if (run.isCancelled) {
      if (claimed) await this.deps.endCancelled(run).catch((err: unknown) => this.#logSaveFailure(run, err));
      return;
    }
    if (run.active || isTerminalState(run.exec.state)) return;
    undo();
    this.enter(run);
  }

  /** Ends the wait in memory and claims the run for its loop: the next step gets `delivered`. */
  #endWait(run: ExecutionRun, delivered: InboxEvent | null | undefined, inbox: InboxEvent[]): void {
    run.active = true;
    run.exec.state = ExecutionState.Running;
    delete run.exec.wait;
    setDelivered(run.exec, delivered);
    setInbox(run.exec, inbox);
  }

  /** The wait is over (its timer, or its event found in the inbox): save and run the next step. */
  async #wake(run: ExecutionRun, delivered: InboxEvent | null | undefined, inbox: InboxEvent[]): Promise<void> {
    this.clearTimer(run);
    this.#endWait(run, delivered, inbox);
    run.exec.lastUpdate = new Date(this.deps.clock.now());
    await this.deps.persist(run).catch((err: unknown) => this.#logSaveFailure(run, err));
    this.deps.emit(run, EventType.Resumed, { state: run.data });
    this.deps.launch(run);
  }

  /** An event wait timed out with `onTimeout: 'fail'`: the execution fails with WAIT_TIMEOUT. */
  async #timeOut(run: ExecutionRun, error: ErrorInfo): Promise<void> {
    const { exec } = run;
    const at = new Date(this.deps.clock.now());
    exec.state = ExecutionState.Failed;
    exec.error = error.message;
    exec.errorCode = error.code;
    exec.endTime = at;
    exec.lastUpdate = at;
    delete exec.wait;
    delete exec.openCallbacks;
    await this.deps.persist(run).catch((err: unknown) => this.#logSaveFailure(run, err));
    this.deps.emit(run, EventType.ExecutionFailed, {
      error: new LongRunningError(error.code, error.message),
      state: run.data,
    });
    run.finished.resolve();
  }

  #logSaveFailure(run: ExecutionRun, err: unknown): void {
    this.deps.logger.error('checkpoint save failed', { executionId: run.exec.id, error: String(err) });
  }
}
