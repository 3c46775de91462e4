import { type Clock, systemClock } from '../core/clock.js';
import {
  ExecutionCancelledError,
  LongRunningError,
  NotFoundError,
  StepNotRegisteredError,
  ValidationError,
  ErrorCode,
  toError,
} from '../core/errors.js';
import { EventType, type ExecutionEvent } from '../core/events.js';
import { ExecutionState, isTerminalState } from '../core/execution-state.js';
import { type Logger, noopLogger } from '../core/logger.js';
import { assertTransition } from '../core/transitions.js';
import type { Checkpoint, Execution, NamedStep, StepFunc } from '../core/types.js';
import { type CheckpointStore, snapshotsAtCall } from '../stores/checkpoint-store.js';
import { FileCheckpointStore } from '../stores/file-checkpoint-store.js';
import { type ExecutorConfig, resolveExecutorConfig } from './config.js';
import {
  checkExecutorOptions,
  checkStartOptions,
  type ExecutorOptions,
  type StartOptions,
} from './executor-options.js';
import { resumePlan } from './resume-plan.js';
import { ExecutionRun } from './execution-run.js';
import { cloneExecution, lastCheckpointState, newExecution, recordCheckpoint } from './snapshot.js';
import { callHandler, cancelOnAbort } from './executor-hooks.js';
import { runSteps } from './run-loop.js';
import { type SendEventResult, WaitDriver } from './wait-driver.js';
import { callbackEventId } from '../core/callback-tokens.js';
import { findOpenCallback } from './callback-lookup.js';
import { acceptEvent, assertMaxStepRuns, type EventInput } from '../core/waits.js';
import { checkNamedSteps, assertExecutionName } from '../core/step-list.js';
import { StepRegistry } from '../core/step-registry.js';
import {
  applyRewind,
  assertInHistory,
  assertRunsOnFrom,
  checkForkOptions,
  checkRewindOptions,
  copyState,
  findCheckpoint,
  planFork,
} from './fork-rewind.js';
import type { ForkOptions, RewindOptions } from '../core/types.js';
import { type Budget, validateBudget } from '../core/usage.js';
import { assertWithinBudget, budgetOverruns, clearBudgetPause, isBudgetPaused, markBudgetPaused } from './budget.js';
import { undoPoint } from './wait-state.js';
import type { LimitSpec } from '../core/limits.js';
import { type LimitInfo, Limiter, type ThrottledInfo } from './limiter.js';

export type { ExecutorOptions, StartOptions } from './executor-options.js';
export type { LimitInfo, ThrottledInfo } from './limiter.js';

/**
 * A snapshot of an execution as this Executor sees it: with `throttled` while its
 * step waits for a limit's key (`throttled by openai (5/5 in use)`).
 */
export type ExecutionStatus = Execution & { throttled?: ThrottledInfo };

/**
 * Runs executions made of ordered steps in this process, checkpointing after
 * every step so that an interrupted execution resumes where it stopped.
 *
 * @example
 * const executor = new Executor({ checkpointDir: './checkpoints' });
 * const exec = executor.createNamedExecution('report', [
 *   { name: 'fetch', fn: async (s) => ({ ...s, rows: 3 }) },
 *   { name: 'summarise', fn: (s) => ({ ...s, done: true }) },
 * ]);
 * await executor.start(exec.id, { topic: 'q3' });
 * const finished = await executor.wait(exec.id); // finished.state === 'completed'
 */
export class Executor {
  /** Named steps, used to rebuild executions after a restart. */
  readonly registry = new StepRegistry();
  /** Receives lifecycle events in order; may be set at any time. */
  onEvent: ((event: ExecutionEvent) => void) | undefined;
  readonly #config: ExecutorConfig;
  readonly #store: CheckpointStore;
  /** Whether the store serialises each save at the call (see `SNAPSHOTS_AT_CALL`). */
  readonly #storeSnapshots: boolean;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #runs = new Map<string, ExecutionRun>();
  readonly #waits: WaitDriver;
  readonly #limiter: Limiter;
  /** The limits of named steps, by step name (kept with the registry, so resumed runs keep them). */
  readonly #stepLimits = new Map<string, readonly LimitSpec[]>();

  constructor(config: Partial<ExecutorConfig> = {}, options: ExecutorOptions = {}) {
    this.#config = resolveExecutorConfig(config);
    options = checkExecutorOptions(options);
    this.#logger = options.logger ?? noopLogger;
    this.#clock = options.clock ?? systemClock;
    this.#store = options.checkpointStore ?? new FileCheckpointStore(this.#config.checkpointDir, this.#logger);
    this.#storeSnapshots = snapshotsAtCall(this.#store);
    this.onEvent = options.onEvent;
    this.#limiter = new Limiter(this.#clock);
    this.#waits = new WaitDriver({
      clock: this.#clock,
      logger: this.#logger,
      persist: (run) => this.#persist(run),
      launch: (run) => this.#launch(run),
      emit: (run, type, extra) => this.#emit(run, type, extra),
      endCancelled: (run) => this.#endCancelled(run),
    });
  }

  /** The resolved configuration (a copy). */
  get config(): ExecutorConfig {
    const copy = { ...this.#config };
    if (copy.budget) copy.budget = { ...copy.budget };
    return copy;
  }

  /** Creates an execution of anonymous steps (it cannot be resumed by name after a restart). */
  createExecution<S = unknown>(name: string, steps: StepFunc<S>[]): Execution {
    assertExecutionName(name);
    if (!Array.isArray(steps)) throw new ValidationError('steps must be an array of functions');
    steps.forEach((fn, i) => {
      if (typeof fn !== 'function') throw new ValidationError(`steps[${i}] must be a function, got ${typeof fn}`);
    });
    return this.#create(name, steps as StepFunc[], undefined);
  }

  /** Creates an execution of named steps and registers each step, so it can be resumed by name. */
  createNamedExecution<S = unknown>(name: string, steps: NamedStep<S>[]): Execution {
    assertExecutionName(name);
    const checked = checkNamedSteps<S>(steps, `execution "${name}"`);
    this.#register(checked);
    return this.#create(
      name,
      checked.map((s) => s.fn as StepFunc),
      checked.map((s) => s.name),
    );
  }

  /**
   * Registers named steps with their limits, without creating an execution: what a
   * restarted process calls before `autoResumeAll`, so that the executions it resumes
   * keep their steps' limits (`registry.register` takes a function only).
   *
   * @example
   * executor.registerSteps(agentSteps); // [{ name: 'call-model', fn, limits: [{ key: 'openai', concurrency: 5 }] }, ...]
   * await executor.autoResumeAll();
   */
  registerSteps<S = unknown>(steps: NamedStep<S>[]): void {
    this.#register(checkNamedSteps<S>(steps, 'registerSteps'));
  }

  /**
   * Starts an initialized execution with `initialState`. Resolves once it is
   * running and its first checkpoint is saved; the steps go on in the background.
   */
  async start(execId: string, initialState: unknown, options: StartOptions = {}): Promise<void> {
    const run = this.#control(execId);
    assertTransition(execId, run.exec.state, 'start');
    checkStartOptions(options);
    // Loaded from the store before its start (a budget or an event saved it): its steps come back by name.
    if (!run.steps && run.exec.stepNames?.length) run.steps = this.#stepsByName(run.exec);
    if (!run.steps) throw new LongRunningError(ErrorCode.InvalidState, `execution ${execId} has no steps to run`);
    const maxStepRuns = options.maxStepRuns ?? this.#config.maxStepRuns;
    assertMaxStepRuns(maxStepRuns, 'start options');
    // Start's budget, else one set by setBudget before the start, else the config's.
    const budget =
      options.budget !== undefined ? validateBudget(options.budget) : (run.exec.budget ?? this.#config.budget);
    const budgetBefore = run.exec.budget;
    // Claimed before the first await, so no other start, resume or cancel sees it idle.
    run.active = true;
    run.data = initialState;
    Object.assign(run.exec, { stepRuns: 0, maxStepRuns });
    if (budget) run.exec.budget = { ...budget };
    run.exec.state = ExecutionState.Running;
    run.exec.lastUpdate = this.#now();
    const signal = options.signal;
    if (signal?.aborted) {
      run.active = false;
      await this.cancel(execId);
      return;
    }
    if (signal) cancelOnAbort(signal, () => this.cancel(execId), run.finished.promise);
    try {
      await this.#checkpoint(run);
    } catch (err) {
      // Nothing durable exists yet: the execution is not started.
      run.active = false;
      run.exec.state = ExecutionState.Initialized;
      restoreBudget(run.exec, budgetBefore);
      if (run.isCancelled) await this.#endCancelled(run);
      throw err;
    }
    this.#launch(run);
  }

  /**
   * Asks a running execution to pause at the next step boundary (the running step
   * finishes first). A waiting one pauses at once, keeping its wait and deadline.
   */
  async pause(execId: string): Promise<void> {
    const run = this.#control(execId);
    assertTransition(execId, run.exec.state, 'pause');
    if (run.exec.state === ExecutionState.Waiting && !run.active) return this.#waits.pause(run);
    if (run.active) {
      run.pauseRequested = true;
      // Waiting for a limit, the step has not begun: stop waiting and park.
      run.stopLimitWait?.();
      this.#logger.info('pause requested', { executionId: execId });
      return;
    }
    // Loaded as running but not resumed here: nothing runs, so it pauses at once.
    run.exec.state = ExecutionState.Paused;
    run.exec.lastUpdate = this.#now();
    await this.#checkpoint(run);
    this.#emit(run, EventType.Paused, { state: run.data });
  }

  /**
   * Resumes a paused execution with its next step. A paused execution loaded from
   * the store is rebuilt from the registry by its step names. One paused in a wait
   * goes back to waiting with the same deadline (ended at once when it passed
   * meanwhile), or on to its next step when its event arrived meanwhile.
   */
  async resume(execId: string): Promise<void> {
    const run = this.#control(execId);
    assertTransition(execId, run.exec.state, 'resume');
    assertWithinBudget(run.exec);
    if (run.exec.wait && !run.active) {
      this.#prepareSteps(run);
      return this.#waits.resume(run);
    }
    if (run.active) {
      // The loop saves and announces the pause before it waits: resume after that.
      await run.parked;
      if (run.retired) throw rewindUnderWay(execId);
      assertTransition(execId, run.exec.state, 'resume');
      clearBudgetPause(run.exec);
      run.exec.state = ExecutionState.Running;
      run.exec.lastUpdate = this.#now();
      this.#emit(run, EventType.Resumed, { state: run.data });
      const wake = run.resumed;
      await this.#persist(run).catch((err: unknown) => this.#logSaveFailure(run, err));
      wake.resolve();
      return;
    }
    await this.resumeExecution(execId, lastCheckpointState(run.exec));
  }

  /** Cancels an execution: aborts its running step's signal, then saves it as cancelled. */
  async cancel(execId: string): Promise<void> {
    const run = this.#control(execId);
    assertTransition(execId, run.exec.state, 'cancel');
    run.abort.abort(new ExecutionCancelledError(execId));
    run.cancelled.resolve();
    if (run.active) {
      await run.finished.promise;
      return;
    }
    await this.#endCancelled(run);
  }

  /**
   * Replaces the budget of an unfinished execution (`null` removes it) and saves it.
   * The usage so far is kept: a budget is a bound on the total, not on what comes
   * next. When the execution is paused by its budget (`BUDGET_EXCEEDED`) and the new
   * budget covers its usage, it is resumed, as `resume` does; paused for any other
   * reason, it stays paused. A running one is held to the new budget from its next
   * step boundary. Resolves with a snapshot once saved (and resumed).
   *
   * VALIDATION_ERROR naming the unit for a bad budget (a negative or zero bound);
   * NOT_FOUND for an unknown execution; ILLEGAL_TRANSITION for a finished one.
   *
   * @example
   * await executor.setBudget(exec.id, { costUsd: 5 }); // paused by a budget of 2: runs on
   */
  async setBudget(execId: string, budget: Budget | null): Promise<Execution> {
    const checked = budget === null ? undefined : validateBudget(budget);
    const run = this.#control(execId);
    const { exec } = run;
    if (isTerminalState(exec.state)) {
      throw new LongRunningError(
        ErrorCode.IllegalTransition,
        `execution ${execId} is ${exec.state}: its budget cannot be changed`,
        { details: { id: execId, state: exec.state } },
      );
    }
    const before = exec.budget;
    if (checked) exec.budget = { ...checked };
    else delete exec.budget;
    const overruns = budgetOverruns(exec);
    try {
      if (isBudgetPaused(exec) && overruns.length === 0) {
        this.#logger.info('budget raised: resuming execution', { executionId: execId });
        await this.resume(execId);
      } else {
        // Still paused by its budget: the pause's message names the new bound.
        if (isBudgetPaused(exec)) markBudgetPaused(exec, overruns);
        exec.lastUpdate = this.#now();
        await this.#persist(run);
      }
    } catch (err) {
      // Not saved (or not resumed): the execution keeps the budget it had.
      restoreBudget(exec, before);
      throw err;
    }
    return cloneExecution(exec);
  }

  /**
   * Sends an event to an execution known to this executor: it ends a wait for its
   * type at once (`resumed`), or is kept in the execution's inbox until a
   * `waitForEvent` of its type takes it (`buffered`); an `eventId` seen before changes
   * nothing (`duplicate`). Resolves once saved. NOT_FOUND for an unknown execution,
   * ILLEGAL_TRANSITION for a finished one, INBOX_FULL when its inbox is full,
   * VALIDATION_ERROR for a malformed event.
   *
   * @example
   * const { delivery } = await executor.sendEvent(exec.id, { type: 'approval', payload: { ok: true } });
   */
  async sendEvent(execId: string, event: EventInput): Promise<SendEventResult> {
    const run = this.#control(execId);
    assertTransition(execId, run.exec.state, 'send an event to');
    return this.#waits.deliver(run, acceptEvent(event, this.#clock.now()));
  }

  /**
   * Completes a callback made by `ctx.callbackToken(type)`: delivers an event of its
   * type, with `payload`, to its execution, as `sendEvent` does. A token is single
   * use and dies with its execution; a wrong, used or dead token is NOT_FOUND
   * ("callback not found", with nothing that helps guessing).
   */
  async completeCallback(token: string, payload?: unknown): Promise<SendEventResult> {
    const { run, callback } = findOpenCallback(token, this.#config.callbackSecret, this.#runs);
    if (run.rewinding) throw rewindUnderWay(run.exec.id);
    const { type, nonce } = callback;
    return this.#waits.deliver(
      run,
      acceptEvent({ type, payload, eventId: callbackEventId(nonce) }, this.#clock.now()),
      callback,
    );
  }

  /**
   * Starts a new execution at checkpoint `fromCheckpoint` (a checkpoint's `seq`) of
   * execution `execId`, which may be in any state and is not changed: with that
   * checkpoint's state (or `state`), the same step names (or the registered `steps`,
   * run from their first step), the same name (or `name`) and a copy of its metadata.
   * The fork records its origin in `forkedFrom`; its step runs count from 0 and its
   * `maxStepRuns` is the source's. Resolves with a snapshot of the fork once it is
   * running and its first checkpoint is saved (as `start` does); the steps go on in
   * the background.
   *
   * NOT_FOUND for an unknown execution or a checkpoint not kept (the executor keeps
   * the last `maxCheckpoints`); VALIDATION_ERROR for bad options, a state that is not
   * plain JSON, or a source without step names and no `steps`; STEP_NOT_REGISTERED for
   * a step name the registry does not know.
   *
   * @example
   * const fork = await executor.fork(exec.id, { fromCheckpoint: 3, state: { ...edited } });
   * const done = await executor.wait(fork.id); // fork.forkedFrom: { executionId: exec.id, checkpoint: 3 }
   */
  async fork(execId: string, options: ForkOptions): Promise<Execution> {
    const checked = checkForkOptions(options);
    const source = this.#run(execId);
    const cp = findCheckpoint(source.exec, checked.fromCheckpoint, this.#config.maxCheckpoints);
    if (!checked.steps) assertRunsOnFrom(source.exec, cp);
    const plan = planFork(source.exec, cp, checked);
    const steps = this.#stepsNamed(plan.stepNames);
    const exec = newExecution(plan.name, steps.length, plan.stepNames, this.#now());
    exec.metadata = plan.metadata;
    exec.forkedFrom = { executionId: source.exec.id, checkpoint: checked.fromCheckpoint };
    exec.currentStep = plan.currentStep;
    exec.progress = (plan.currentStep / steps.length) * 100;
    exec.stepRuns = 0;
    exec.maxStepRuns = plan.maxStepRuns ?? this.#config.maxStepRuns;
    // The fork keeps the source's budget; its usage counts from nothing, as its step runs do.
    if (source.exec.budget) exec.budget = { ...source.exec.budget };
    exec.state = ExecutionState.Running;
    const run = new ExecutionRun(exec, steps);
    run.active = true;
    run.data = plan.state;
    this.#runs.set(exec.id, run);
    try {
      await this.#checkpoint(run);
    } catch (err) {
      // Nothing durable exists: the fork is not made.
      this.#runs.delete(exec.id);
      throw err;
    }
    this.#logger.info('execution forked', {
      executionId: exec.id,
      from: source.exec.id,
      checkpoint: checked.fromCheckpoint,
      fromStep: exec.currentStep,
    });
    const snapshot = cloneExecution(exec);
    this.#launch(run);
    return snapshot;
  }

  /**
   * Takes a paused, failed, cancelled or completed execution back to its checkpoint
   * `toCheckpoint` (a checkpoint's `seq`) and runs on from there, with that
   * checkpoint's state or `state`. Its error, end time, wait, delivered event and open
   * callbacks go (the steps that made them are undone); its inbox stays. The rewind
   * counts as one step run (toward `maxStepRuns`), and records a checkpoint with
   * `seq` = the previous step runs + 1 and `rewoundTo: toCheckpoint`, so no sequence
   * number is used twice; the sequence numbers it went back past are added to
   * `superseded`, and the kept checkpoints among them stay readable, marked
   * `superseded: true`. A loop parked in a pause is stopped first (nothing it holds is
   * saved after the rewind). Emits `rewound`; `wait` then waits for the new end.
   * Resolves with a snapshot once the rewind is saved.
   *
   * ILLEGAL_TRANSITION from any other state; NOT_FOUND for an unknown execution or a
   * checkpoint not kept; VALIDATION_ERROR for bad options or a state that is not plain
   * JSON; CONFLICT while the execution is being cancelled or rewound.
   *
   * @example
   * await executor.rewind(exec.id, { toCheckpoint: 3 }); // runs step 3 (and on) again
   */
  async rewind(execId: string, options: RewindOptions): Promise<Execution> {
    const checked = checkRewindOptions(options);
    const old = this.#control(execId);
    const { exec } = old;
    assertTransition(execId, exec.state, 'rewind');
    const wasTerminal = isTerminalState(exec.state);
    if (old.isCancelled && !wasTerminal) {
      throw new LongRunningError(ErrorCode.Conflict, `execution ${execId} is being cancelled: it cannot be rewound`, {
        details: { id: execId },
      });
    }
    const cp = findCheckpoint(exec, checked.toCheckpoint, this.#config.maxCheckpoints);
    assertRunsOnFrom(exec, cp);
    assertInHistory(exec, cp);
    const steps = old.steps ?? this.#stepsByName(exec);
    // Claimed before the first await: other control calls are refused until this resolves.
    old.rewinding = true;
    const next = new ExecutionRun(exec, steps);
    next.rewinding = true;
    try {
      if (old.active) {
        // Paused: its loop is parked (or parking); wake it to return without a save.
        // Finished: its loop is saving the end; let it end.
        if (exec.state === ExecutionState.Paused) {
          old.retired = true;
          await old.parked;
          old.resumed.resolve();
        }
        await old.loopDone;
      }
      this.#waits.clearTimer(old);
      await old.saveChain;
      if (!wasTerminal) next.finished = old.finished;
      const before = cloneExecution(exec);
      applyRewind(exec, cp, this.#now());
      next.data = checked.state !== undefined ? checked.state : copyState(cp.state);
      next.active = true;
      this.#runs.set(execId, next);
      try {
        await this.#checkpoint(
          next,
          () => this.#emit(next, EventType.Rewound, { state: next.data }),
          (recorded) => (recorded.rewoundTo = checked.toCheckpoint),
        );
      } catch (err) {
        // Not saved: the execution is as it was, not running.
        for (const key of Object.keys(exec)) delete (exec as unknown as Record<string, unknown>)[key];
        Object.assign(exec, before);
        next.active = false;
        next.data = old.data;
        throw err;
      }
    } finally {
      old.rewinding = false;
      next.rewinding = false;
    }
    this.#logger.info('execution rewound', {
      executionId: execId,
      toCheckpoint: checked.toCheckpoint,
      fromStep: exec.currentStep,
    });
    const snapshot = cloneExecution(exec);
    this.#launch(next);
    return snapshot;
  }

  async #endCancelled(run: ExecutionRun): Promise<void> {
    this.#waits.clearTimer(run);
    delete run.exec.wait;
    run.exec.state = ExecutionState.Cancelled;
    run.exec.endTime = this.#now();
    run.exec.lastUpdate = run.exec.endTime;
    try {
      await this.#checkpoint(run);
    } finally {
      this.#emit(run, EventType.ExecutionCancelled);
      run.finished.resolve();
    }
  }

  /** Resolves with the execution once it is completed, failed or cancelled, and the save of that end has settled. */
  async wait(execId: string): Promise<Execution> {
    for (;;) {
      const run = this.#run(execId);
      // A run still in its loop may show an end it has not saved yet (a final save retried after a
      // failure can still turn completed into failed): its loop's end is the end.
      if (run.active || !isTerminalState(run.exec.state)) {
        // An end made and then undone would have this loop spin on a settled promise and starve the process.
        if (run.finished.settled && !run.active && this.#runs.get(execId) === run)
          throw new Error(`internal: execution ${execId} is ${run.exec.state} after its end`);
        await run.finished.promise;
      }
      // An end reached outside the loop (a cancel while waiting) is in memory before its save is done.
      await run.saveChain;
      // A rewind may have replaced the run meanwhile: then wait for the new one's end.
      if (this.#runs.get(execId) === run && !run.active && isTerminalState(run.exec.state))
        return cloneExecution(run.exec);
    }
  }

  /** A snapshot of one execution known to this executor (with `throttled` while it waits for a limit), or undefined. */
  getExecution(execId: string): ExecutionStatus | undefined {
    const run = this.#runs.get(execId);
    return run ? this.#view(run) : undefined;
  }

  /** Snapshots of every execution known to this executor. */
  listExecutions(): ExecutionStatus[] {
    return [...this.#runs.values()].map((r) => this.#view(r));
  }

  /**
   * The keys of the step limits of this Executor's executions: for each, its bounds,
   * how many attempts hold it and how many wait. Limits are enforced within this
   * Executor only; keys nobody holds or waits for are left out.
   *
   * @example
   * executor.limits(); // [{ key: 'openai', concurrency: 5, inUse: 5, waiting: 2 }]
   */
  limits(): LimitInfo[] {
    return this.#limiter.limits();
  }

  #view(run: ExecutionRun): ExecutionStatus {
    const snapshot: ExecutionStatus = cloneExecution(run.exec);
    const throttled = this.#limiter.throttledView(run);
    if (throttled) snapshot.throttled = throttled;
    return snapshot;
  }

  /** Loads a stored execution into this executor (not yet running). */
  async loadExecution(execId: string): Promise<Execution> {
    const existing = this.#runs.get(execId);
    if (existing?.active) {
      throw new LongRunningError(ErrorCode.Conflict, `execution ${execId} is already running in this executor`);
    }
    // Loading again would drop its steps and disarm its sleep or timeout, so wait() would never see it end.
    if (existing?.steps && existing.exec.state === ExecutionState.Waiting) {
      throw new LongRunningError(ErrorCode.Conflict, `execution ${execId} is waiting in this executor`);
    }
    const exec = await this.#store.loadCheckpoint(execId);
    this.#adopt(exec);
    return cloneExecution(exec);
  }

  /**
   * Continues a loaded execution from its current step with `lastState`,
   * rebuilding its steps from the registry by name.
   */
  async resumeExecution(execId: string, lastState: unknown): Promise<void> {
    const run = this.#control(execId);
    if (run.active)
      throw new LongRunningError(ErrorCode.Conflict, `execution ${execId} is already running in this executor`);
    if (isTerminalState(run.exec.state)) assertTransition(execId, run.exec.state, 'resume');
    if (run.exec.wait && (run.exec.state === ExecutionState.Waiting || run.exec.state === ExecutionState.Paused)) {
      // Its steps and data back in place, a waiting execution arms its wait (or ends it at once); one
      // paused in its wait goes back to waiting, with the same deadline, as resume does.
      run.steps = this.#stepsByName(run.exec);
      run.data = lastState;
      if (run.exec.state === ExecutionState.Paused) return this.#waits.resume(run);
      this.#waits.enter(run);
      return;
    }
    const steps = this.#stepsByName(run.exec);
    // Claimed before the first await, so a second resume or an auto-resume cannot start a second loop.
    run.active = true;
    const before = { data: run.data, steps: run.steps, undo: undoPoint(run.exec) };
    run.steps = steps;
    run.data = lastState;
    run.pauseRequested = false;
    clearBudgetPause(run.exec);
    run.exec.state = ExecutionState.Running;
    run.exec.lastUpdate = this.#now();
    this.#logger.info('resuming execution', { executionId: execId, fromStep: run.exec.currentStep });
    try {
      await this.#checkpoint(run);
    } catch (err) {
      run.active = false;
      // A cancel that came in meanwhile waits for this run's end: make it, rather than undo.
      if (run.isCancelled) await this.#endCancelled(run).catch((e: unknown) => this.#logSaveFailure(run, e));
      else {
        Object.assign(run, { data: before.data, steps: before.steps });
        before.undo();
      }
      throw err;
    }
    this.#emit(run, EventType.Resumed, { state: lastState });
    this.#launch(run);
  }

  /**
   * Loads every stored execution and resumes the running, resuming or waiting ones
   * whose steps are all registered; returns how many it resumed. A waiting one has its
   * wait armed again: a sleep or timeout that ended while the process was down ends
   * at once (the next step runs, or a timeout with `onTimeout: 'fail'` fails it).
   * Paused ones are loaded and stay paused until `resume`; terminal ones are skipped.
   */
  async autoResumeAll(): Promise<number> {
    const stored = await this.#store.listCheckpoints();
    let resumed = 0;
    for (const exec of stored) {
      const plan = resumePlan(exec, this.#runs.get(exec.id), (name) => this.registry.has(name));
      if (plan.kind === 'unresumable')
        this.#logger.warn('cannot auto-resume execution', { executionId: exec.id, reason: plan.reason });
      if (plan.kind === 'skip' || plan.kind === 'unresumable') continue;
      this.#adopt(exec);
      if (plan.kind === 'adopt' || !this.#config.autoResume) continue;
      try {
        await this.resumeExecution(exec.id, lastCheckpointState(exec));
        resumed++;
      } catch (err) {
        this.#logger.error('auto-resume failed', { executionId: exec.id, error: String(err) });
      }
    }
    return resumed;
  }

  /** Registers each step's function and limits; as the registry does for the function, the latest declaration of a name wins. */
  #register<S>(steps: readonly NamedStep<S>[]): void {
    for (const step of steps) {
      this.registry.register(step.name, step.fn);
      if (step.limits?.length) this.#stepLimits.set(step.name, step.limits as readonly LimitSpec[]);
      else this.#stepLimits.delete(step.name);
    }
  }

  #create(name: string, steps: StepFunc[], stepNames: string[] | undefined): Execution {
    const exec = newExecution(name, steps.length, stepNames, this.#now());
    this.#runs.set(exec.id, new ExecutionRun(exec, steps));
    this.#logger.info('execution created', { executionId: exec.id, name, steps: steps.length });
    return cloneExecution(exec);
  }

  /** Holds a loaded execution; an unfinished one already held keeps its run, so callers of wait() stay attached. */
  #adopt(exec: Execution): void {
    const existing = this.#runs.get(exec.id);
    if (existing && !isTerminalState(existing.exec.state)) {
      this.#waits.clearTimer(existing);
      existing.exec = exec;
      existing.steps = undefined;
      existing.pauseRequested = false;
      // Finished elsewhere (another executor on the same store): callers of wait() see that end.
      if (isTerminalState(exec.state)) existing.finished.resolve();
      return;
    }
    this.#runs.set(exec.id, new ExecutionRun(exec, undefined));
  }

  #run(execId: string): ExecutionRun {
    const run = this.#runs.get(execId);
    if (!run) throw new NotFoundError('execution', String(execId));
    return run;
  }

  /** The run of an execution a control call changes: CONFLICT while a rewind replaces it. */
  #control(execId: string): ExecutionRun {
    const run = this.#run(execId);
    if (run.rewinding) throw rewindUnderWay(execId);
    return run;
  }

  /** Rebuilds the steps and data of an execution loaded from the store (not yet run here). */
  #prepareSteps(run: ExecutionRun): void {
    if (run.steps) return;
    run.steps = this.#stepsByName(run.exec);
    run.data = lastCheckpointState(run.exec);
  }

  #stepsByName(exec: Execution): StepFunc[] {
    if (!exec.stepNames?.length) {
      throw new ValidationError(`execution ${exec.id} has no step names, so it cannot be resumed by name`);
    }
    return this.#stepsNamed(exec.stepNames);
  }

  /** The registered functions of `names`; STEP_NOT_REGISTERED naming the first missing one. */
  #stepsNamed(names: readonly string[]): StepFunc[] {
    return names.map((stepName) => {
      const fn = this.registry.get(stepName);
      if (!fn) throw new StepNotRegisteredError(stepName);
      return fn;
    });
  }

  #launch(run: ExecutionRun): void {
    run.loopDone = runSteps(run, {
      config: this.#config,
      clock: this.#clock,
      logger: this.#logger,
      emit: (type, extra) => this.#emit(run, type, extra),
      checkpoint: (completedStep, at) => this.#loopCheckpoint(run, completedStep, at),
      persist: () => this.#persist(run),
      limiter: this.#limiter,
      limitsOf: (stepName) => (stepName === undefined ? undefined : this.#stepLimits.get(stepName)),
    })
      .catch(async (err: unknown) => {
        // A bug (ours, or a throwing logger): end the execution visibly rather than hang wait().
        this.#logger.error('run loop failed', { executionId: run.exec.id, error: String(err) });
        if (isTerminalState(run.exec.state)) return;
        run.exec.state = ExecutionState.Failed;
        run.exec.error = `internal error: ${err instanceof Error ? err.message : String(err)}`;
        run.exec.endTime = this.#now();
        await this.#persist(run).catch((e: unknown) => this.#logSaveFailure(run, e));
        this.#emit(run, EventType.ExecutionFailed, { error: toError(err) });
      })
      .finally(() => {
        run.stepTimers?.stop();
        run.active = false;
        this.#afterLoop(run);
      });
  }

  /** The loop ended: finished, or waiting (then a cancel or pause asked for meanwhile applies, or the wait is armed). */
  #afterLoop(run: ExecutionRun): void {
    if (isTerminalState(run.exec.state)) return run.finished.resolve();
    if (run.exec.state !== ExecutionState.Waiting) return;
    if (run.isCancelled) return void this.#endCancelled(run).catch((e: unknown) => this.#logSaveFailure(run, e));
    if (run.pauseRequested) {
      run.pauseRequested = false;
      return void this.#waits.pause(run).catch((e: unknown) => this.#logSaveFailure(run, e));
    }
    this.#emit(run, EventType.Waiting, { state: run.data });
    this.#waits.enter(run);
  }

  /**
   * Records a checkpoint of the current data, saves the snapshot and emits
   * `checkpointed`. If the save fails, the checkpoint is taken back and the error
   * is thrown: the caller decides (retry, fail, or reject to its own caller).
   */
  #checkpoint(run: ExecutionRun, beforeEvent?: () => void, mark?: (cp: Checkpoint) => void): Promise<void> {
    const cp = recordCheckpoint(run.exec, run.data, this.#config.maxCheckpoints, this.#now());
    mark?.(cp);
    return this.#saveRecorded(run, cp, beforeEvent);
  }

  /**
   * The run loop's checkpoint (see `RunLoopDeps.checkpoint`): with `completedStep`,
   * `stepCompleted` is emitted after the save, before `checkpointed`, with no
   * callback made for it at every step.
   */
  #loopCheckpoint(run: ExecutionRun, completedStep: number | undefined, at: Date | undefined): Promise<void> {
    const cp = recordCheckpoint(run.exec, run.data, this.#config.maxCheckpoints, at ?? this.#now());
    return this.#saveRecorded(run, cp, completedStep);
  }

  /**
   * Saves the snapshot holding the just-recorded `cp`, then runs `beforeEvent` (or
   * emits `stepCompleted` for that step) and emits `checkpointed`; when the save
   * fails, takes `cp` back and rejects. One `then` rather than an async function:
   * this is every step's path.
   */
  #saveRecorded(run: ExecutionRun, cp: Checkpoint, beforeEvent: (() => void) | number | undefined): Promise<void> {
    let save: Promise<void>;
    try {
      save = this.#persist(run);
    } catch (err) {
      takeBack(run, cp);
      return Promise.reject(toError(err));
    }
    return save.then(
      () => {
        if (typeof beforeEvent === 'number')
          this.#emit(run, EventType.StepCompleted, { step: beforeEvent, state: run.data });
        else beforeEvent?.();
        this.#emit(run, EventType.Checkpointed, { step: cp.step, state: cp.state, timestamp: cp.timestamp });
      },
      (err: unknown) => {
        takeBack(run, cp);
        throw err;
      },
    );
  }

  /**
   * Saves a snapshot taken now, after any save already under way; rejects if this
   * save fails. With none under way, a store that serialises at the call is handed
   * the record itself, since it keeps nothing of it; any other store gets a copy.
   */
  #persist(run: ExecutionRun): Promise<void> {
    let save: Promise<void>;
    if (run.savesUnderWay === 0 && this.#storeSnapshots) save = this.#store.saveCheckpoint(run.exec);
    else {
      const snapshot = cloneExecution(run.exec);
      save = run.saveChain.then(() => this.#store.saveCheckpoint(snapshot));
    }
    run.savesUnderWay++;
    run.saveChain = save.then(run.saveSettled, run.saveSettled);
    return save;
  }

  /** The clock's time as a Date. */
  #now(): Date {
    return new Date(this.#clock.now());
  }

  #logSaveFailure(run: ExecutionRun, err: unknown): void {
    this.#logger.error('checkpoint save failed', { executionId: run.exec.id, error: String(err) });
  }

  /** Hands an event to `onEvent`; with no handler set, no event is built (the handler is read at each event). */
  #emit(run: ExecutionRun, type: EventType, extra?: Partial<ExecutionEvent>): void {
    const handler = this.onEvent;
    if (!handler) return;
    const event = { type, execId: run.exec.id, step: run.exec.currentStep, timestamp: this.#now(), ...extra };
    callHandler(handler, event, this.#logger);
  }
}

/** Puts back the budget an execution had before a change that could not be saved. */
function restoreBudget(exec: Execution, budget: Budget | undefined): void {
  if (budget) exec.budget = budget;
  else delete exec.budget;
}

/** Takes back checkpoint `cp` of a save that failed. */
function takeBack(run: ExecutionRun, cp: Checkpoint): void {
  const at = run.exec.checkpoints.indexOf(cp);
  if (at >= 0) run.exec.checkpoints.splice(at, 1);
}

/** The error of a control call made while a rewind replaces the execution's run. */
function rewindUnderWay(execId: string): LongRunningError {
  return new LongRunningError(
    ErrorCode.Conflict,
    `execution ${execId} is being rewound: try again once rewind resolves`,
    {
      retryable: true,
      details: { id: execId },
    },
  );
}
