import { backoffDelayMs } from '../core/backoff.js';
import {
  ErrorCode,
  LongRunningError,
  StepNotRegisteredError,
  ValidationError,
  toErrorInfo,
  type ErrorInfo,
} from '../core/errors.js';
import { EventType } from '../core/events.js';
import type { OpenCallback } from '../core/callback-tokens.js';
import { isStepDirective } from '../core/directives.js';
import { ExecutionState } from '../core/execution-state.js';
import type { Usage } from '../core/usage.js';
import { newId } from '../core/ids.js';
import { isFenceConflict } from './errors.js';
import { assertJsonValue } from '../core/json.js';
import { emitEvents, recordedEvent } from './lifecycle-events.js';
import type { EpochMs, ExecutionHead, RecordedEvent, StepMessage, ThrottledInfo } from './model.js';
import { resolveRuntime, type ResolvedRuntime, type RuntimeDeps } from './runtime-config.js';
import { settledClaim, settledSend, settledWrite } from './ambiguous-outcomes.js';
import { runAttempt } from './step-attempt.js';
import { decideAndWrite } from './head-writes.js';
import { processWake } from './wake-handler.js';
import { waitTiming } from './wait-scheduling.js';
import { afterCommit, commitEvents } from './commit-outcome.js';
import {
  isJobMessageShape,
  MAX_DELAY_SECONDS,
  parseJobMessage,
  parseStepMessage,
  stepMessage,
} from './step-message.js';
import { runJobPage } from './bulk-jobs.js';
import { ControlPlane } from './control-plane.js';
import type { StepOutcome } from './step-outcome.js';
import type { StepFunc } from '../core/types.js';
import { stepLimits } from './workflow.js';
import { mayChain, nextChainOwner, startChain, type StepChain } from './step-chain.js';
import { releaseSlots, takeLimits, throttledHead, throttledMessage, throttleDelaySeconds } from './step-limits.js';

/** One claimed step attempt: the facts every outcome write needs. */
interface Claimed {
  rt: ResolvedRuntime;
  message: StepMessage;
  head: ExecutionHead;
  fence: { id: string; token: number; owner: string };
  attempt: number;
  /** This message's chain of steps in the invocation (chainSteps). */
  chain: StepChain;
  /**
   * For a step the commit before it claimed (a chained step): the head as the store
   * gave it back, for a compare-and-set that hands the claim back. `head` holds the
   * state the step runs on, which the step may change in place.
   */
  chainedFrom?: ExecutionHead;
}

/**
 * Handles one step message (docs/architecture.md, "The step protocol"): claim, run, commit,
 * enqueue the next step (or, when the step asked to wait, the wake message of a
 * near deadline). A wake message (`wake: true`, a wait's timer) goes to
 * `processWake` (lib/runtime/wake-handler.ts): one entry point for both. Returns what happened; every outcome means the message is
 * done with. A transient store or queue error leaves an ambiguous outcome (did the
 * write land?): the worker reads the head and carries on from what it finds
 * (lib/runtime/ambiguous-outcomes.ts). It throws only when it cannot tell, after
 * which nothing is half-written and the redelivered message is retried (or
 * dropped as stale). Steady state per step: 2 store writes (claim, commit) and 1
 * queue send, no reads.
 *
 * @example
 * // In an SQS-triggered Lambda, for each record:
 * const outcome = await processStepMessage(record.body, { deadline: Date.now() + context.getRemainingTimeInMillis() }, deps);
 */
export async function processStepMessage(
  message: unknown,
  invocation: { deadline: EpochMs },
  deps: RuntimeDeps,
): Promise<StepOutcome> {
  const rt = resolveRuntime(deps);
  const body = typeof message === 'string' ? safeJson(message) : message;
  const job = parseJobMessage(body);
  if (!job && isJobMessageShape(body)) {
    const reason = 'invalid job message: needs exactly v 1, a safe job id and a whole page number';
    rt.logger.warn('dropping an invalid job message', { reason });
    return { status: 'invalid', reason };
  }
  if (job) {
    const result = await runJobPage(rt, new ControlPlane(deps), job);
    return { status: 'job', jobId: job.job, page: job.page, result };
  }
  const parsed = parseStepMessage(message);
  if (!parsed.ok) {
    rt.logger.warn('dropping an invalid step message', { reason: parsed.reason });
    return { status: 'invalid', reason: parsed.reason };
  }
  const msg = parsed.message;
  if (!Number.isFinite(invocation.deadline))
    throw new ValidationError('invocation deadline must be an epoch-millisecond number');
  const now = rt.clock.now();
  if (msg.wake) return processWake(rt, msg, now);
  if (invocation.deadline - rt.deadlineBufferMs <= now) {
    // Claiming now would only burn an attempt: leave the message for a fresh invocation.
    throw new LongRunningError(ErrorCode.StepTimeout, 'too little time left in this invocation to run a step', {
      retryable: true,
    });
  }
  const owner = rt.owner ?? newId('worker');
  const head = await settledClaim(rt, {
    id: msg.executionId,
    token: msg.token,
    owner,
    now,
    step: msg.step,
    leaseMs: rt.leaseMs,
  });
  if (!head) {
    rt.logger.debug('dropping an unclaimable step message', { ...msg });
    return { status: 'dropped', executionId: msg.executionId, step: msg.step, reason: 'not-claimable' };
  }
  const run: Claimed = {
    rt,
    message: msg,
    head,
    fence: { id: msg.executionId, token: msg.token, owner },
    attempt: head.claims - 1,
    chain: startChain(invocation.deadline, owner),
  };
  const outcome = await runFromClaim(run);
  return run.chain.chained === 0 ? outcome : { ...outcome, chained: run.chain.chained };
}

/** Runs a claimed step, from the checks of the claimed head to the outcome's write. */
async function runFromClaim(run: Claimed): Promise<StepOutcome> {
  const { rt, message: msg, head } = run;
  if (run.attempt > rt.maxRetries) {
    const why = `step ${msg.step} was claimed ${head.claims} times without recording an outcome: the worker kept stopping (crash, out of memory or timeout)`;
    return failExecution(run, { code: ErrorCode.StepFailed, message: why }, undefined, []);
  }
  const stepName = head.stepNames[msg.step];
  if (stepName === undefined) {
    const why = `execution has no step ${msg.step} (it has ${head.stepNames.length})`;
    return failExecution(run, { code: ErrorCode.InvalidState, message: why }, undefined, []);
  }
  const fn = rt.workflows.step(stepName);
  if (!fn) return park(run, toErrorInfo(new StepNotRegisteredError(stepName)));

  // Only a limited step pays for flow control (a read and a write of each key's record).
  const limits = stepLimits(rt.workflows.get(head.workflow), stepName, rt.workflows.stepWorkflow(stepName));
  let ran: StepOutcome | ChainTo;
  if (limits.length === 0) {
    ran = await runClaimed(run, stepName, fn);
  } else {
    const owner = run.fence.owner;
    const taken = await takeLimits(rt, { head, owner, stepName, limits, leaseUntil: run.chain.deadline });
    // A key function that throws fails the attempt like the step would (retried, then failed), as in the Executor.
    if (taken.kind === 'bad-key') return failedAttempt(run, startedEvent(run), taken.error);
    // Like a step missing from the deployment: paused with the error, resumed after a redeploy.
    if (taken.kind === 'no-limiter') return park(run, toErrorInfo(taken.error));
    if (taken.kind === 'refused') return throttle(run, taken.throttled);
    try {
      ran = await runClaimed(run, stepName, fn);
    } finally {
      await releaseSlots(rt, taken.held);
    }
  }
  // The next step starts only once this one's limit slots are given back.
  return 'chainTo' in ran ? runChained(run, ran) : ran;
}

/** A commit that claimed the next step for this worker (chainSteps): run it next. */
interface ChainTo {
  /** The head the commit wrote, as the store gave it back. */
  chainTo: ExecutionHead;
  /** The lease owner the commit claimed the next step for. */
  owner: string;
  /** The state the step returned: what the next one runs on. */
  state: unknown;
}

/** The attempt's `step_started` event, emitted now and recorded with its outcome. */
function startedEvent(run: Claimed): RecordedEvent {
  const { rt, message: msg } = run;
  const started = recordedEvent(EventType.StepStarted, msg.step, rt.clock.now(), { attempt: run.attempt });
  emitEvents(rt, msg.executionId, [started], { state: run.head.data });
  return started;
}

/** Runs the claimed step and writes its outcome (commit, retry, failure). */
async function runClaimed(run: Claimed, stepName: string, fn: StepFunc): Promise<StepOutcome | ChainTo> {
  const { rt, message: msg, head, fence, chain } = run;
  const owner = fence.owner;
  const started = startedEvent(run);
  const result = await runAttempt(rt, {
    fn,
    stepName,
    head,
    owner,
    attempt: run.attempt,
    deadline: chain.deadline,
  });
  chain.longestStepMs = Math.max(chain.longestStepMs, rt.clock.now() - started.at);
  switch (result.kind) {
    case 'cancelled':
      return { status: 'cancelled', executionId: msg.executionId, step: msg.step };
    case 'lease-lost':
      return dropped(run);
    case 'error':
      // A chained step had only what the chain left of the invocation: it starts again in one of its own.
      if (result.timedOut && run.chainedFrom) return handBack(run, run.chainedFrom);
      return failedAttempt(run, started, result.error);
    case 'ok':
      try {
        const state = isStepDirective(result.output) ? result.output.state : result.output;
        assertJsonValue(state, `the output of step "${stepName}"`);
      } catch (err) {
        return failedAttempt(run, started, err);
      }
      return commit(run, started, result);
  }
}

/**
 * A limit refused the step: gives the claim back without counting an attempt
 * (claims - 1, lease removed, error and retries untouched) and records why on the
 * head, in one compare-and-set, then sends the same step message again later.
 */
async function throttle(run: Claimed, refused: Omit<ThrottledInfo, 'since'> | undefined): Promise<StepOutcome> {
  const { rt, message: msg, fence } = run;
  const now = rt.clock.now();
  const since = msg.throttle?.since ?? now;
  const count = msg.throttle?.count ?? 0;
  const delaySeconds = Math.min(rt.maxDelaySeconds, throttleDelaySeconds(count, rt.throttleMaxDelaySeconds));
  const sweepAt = now + delaySeconds * 1000 + rt.stallAfterMs;
  // An event or a pause that landed while the limits were taken is kept: decided again
  // on the head as it is, while the claim is ours, as the hand-back does.
  const { head, written } = await decideAndWrite(
    rt,
    fence.id,
    (h) => {
      if (h?.version !== fence.token || h.leaseOwner !== fence.owner) return undefined;
      return throttledHead(h, refused && { ...refused, since }, { now, sweepAt });
    },
    run.head,
  );
  if (!written || !head) return dropped(run);
  // Paused meanwhile: resume sends the step.
  if (head.state === ExecutionState.Running) await settledSend(rt, throttledMessage(msg, since), delaySeconds);
  rt.logger.info('step throttled by a limit: trying again later', {
    executionId: msg.executionId,
    step: msg.step,
    key: refused?.key,
    inUse: refused?.inUse,
    delaySeconds,
  });
  const key = refused?.key ?? '';
  return { status: 'throttled', executionId: msg.executionId, step: msg.step, key, delaySeconds, head };
}

async function commit(
  run: Claimed,
  started: RecordedEvent,
  result: { output: unknown; opened: OpenCallback[]; usage: Usage | undefined },
): Promise<StepOutcome | ChainTo> {
  const { rt, message: msg } = run;
  const { output, opened, usage } = result;
  const now = rt.clock.now();
  const workflow = rt.workflows.get(run.head.workflow);
  const nextOwner = mayChain(workflow, run.chain, now, rt) ? nextChainOwner(run.chain) : undefined;
  let events: ReturnType<typeof commitEvents>;
  try {
    events = commitEvents(run.head, output, now);
  } catch (err) {
    return failedAttempt(run, started, err);
  }
  let head: ExecutionHead;
  try {
    // The head's history keeps what a step's checkpoint cannot tell (one line per
    // step done, and every failure, pause and resume): step_started and checkpointed
    // of a successful step only go to onEvent, so the head stays near 1 KB and each
    // write costs one write unit for small states (see the runtime bench).
    const request = {
      ...run.fence,
      now,
      step: msg.step,
      output,
      opened,
      ...(usage === undefined ? {} : { usage }),
      sweepAt: now + rt.stallAfterMs,
      timing: waitTiming(rt),
      events: events.recorded,
      checkpoint: workflow?.checkpointHistory !== 'none',
      ...(nextOwner === undefined ? {} : { claimNext: { owner: nextOwner, leaseMs: rt.leaseMs } }),
    };
    head = await settledWrite(rt, request, 'commit', () => rt.store.commit(request));
  } catch (err) {
    if (isFenceConflict(err)) return dropped(run);
    if (err instanceof LongRunningError && err.code === ErrorCode.StateTooLarge)
      return failedAttempt(run, started, err);
    throw err;
  }
  emitEvents(rt, msg.executionId, [...events.emitted, ...budgetPauseOf(head, now)], { state: head.data });
  if (nextOwner !== undefined && head.state === ExecutionState.Running && head.leaseOwner === nextOwner) {
    return { chainTo: head, owner: nextOwner, state: isStepDirective(output) ? output.state : output };
  }
  return afterCommit(rt, msg, head, now);
}

/**
 * Runs the step that the commit of `run` claimed for its owner (chainSteps): the
 * same path as a step whose message was just claimed, with no claim write and no
 * message. A worker that stops from here on leaves a leased head with no message
 * in flight; the sweeper sends one once the lease has expired and the head's
 * `sweepAt` is due, as after a worker that stopped during a step.
 */
function runChained(run: Claimed, { chainTo: head, owner, state }: ChainTo): Promise<StepOutcome> {
  const { rt, chain } = run;
  chain.chained++;
  rt.logger.debug('step committed; running the next in this invocation', {
    executionId: head.id,
    step: head.currentStep,
    chained: chain.chained,
  });
  return runFromClaim({
    rt,
    message: stepMessage(head.id, head.currentStep, head.version),
    // The state the step returned, which a head that runs on always holds (afterStep): the head a
    // store gives back may refer to it instead (a state offloaded to S3).
    head: { ...head, data: state },
    fence: { id: head.id, token: head.version, owner },
    attempt: head.claims - 1,
    chain,
    chainedFrom: head,
  });
}

/**
 * Gives back the claim of a chained step that ran into the invocation's deadline
 * without counting an attempt (claims - 1, lease removed, in one compare-and-set,
 * as a limit's refusal does), then sends its message: the step starts again at the
 * start of an invocation, with all of its time. A step that times out there is a
 * failed attempt like any other.
 */
async function handBack(run: Claimed, claimed: ExecutionHead): Promise<StepOutcome> {
  const { rt, message: msg, fence } = run;
  // An event or a pause that landed during the step is kept: decided again on the head as it is, while the claim is ours.
  const { head, written } = await decideAndWrite(
    rt,
    fence.id,
    (h) => {
      if (h?.version !== fence.token || h.leaseOwner !== fence.owner) return undefined;
      const now = rt.clock.now();
      return throttledHead(h, undefined, { now, sweepAt: now + rt.stallAfterMs });
    },
    claimed,
  );
  if (!written || !head) return dropped(run);
  const running = head.state === ExecutionState.Running;
  if (running) await settledSend(rt, msg);
  rt.logger.info('chained step ran out of the invocation: handed back to run in an invocation of its own', {
    executionId: msg.executionId,
    step: msg.step,
    sent: running,
  });
  return { status: 'requeued', executionId: msg.executionId, step: msg.step, head };
}

async function failedAttempt(run: Claimed, started: RecordedEvent, thrown: unknown): Promise<StepOutcome> {
  const { rt, message: msg, attempt } = run;
  const error = toErrorInfo(thrown);
  if (attempt >= rt.maxRetries) return failExecution(run, error, thrown, [started]);
  const now = rt.clock.now();
  const delayMs = backoffDelayMs(attempt, { baseDelayMs: rt.retryBaseDelayMs, maxDelayMs: rt.retryMaxDelayMs });
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.ceil(delayMs / 1000));
  const events = [recordedEvent(EventType.StepFailed, msg.step, now, { attempt, error })];
  const sweepAt = now + delaySeconds * 1000 + rt.stallAfterMs;
  const request = { ...run.fence, now, error, sweepAt, events: [started, ...events] };
  const head = await unlessSuperseded(settledWrite(rt, request, 'release', () => rt.store.releaseForRetry(request)));
  if (!head) return dropped(run);
  emitEvents(rt, msg.executionId, events, { error: thrown });
  rt.logger.info('step failed, retrying', {
    executionId: msg.executionId,
    step: msg.step,
    attempt,
    delaySeconds,
    code: error.code,
  });
  if (head.state === ExecutionState.Running)
    await settledSend(rt, stepMessage(msg.executionId, msg.step, head.version), delaySeconds);
  return { status: 'retrying', executionId: msg.executionId, step: msg.step, attempt, delaySeconds, error, head };
}

async function failExecution(
  run: Claimed,
  error: ErrorInfo,
  thrown: unknown,
  before: RecordedEvent[],
): Promise<StepOutcome> {
  const { rt, message: msg } = run;
  const now = rt.clock.now();
  const events = [
    recordedEvent(EventType.StepFailed, msg.step, now, { attempt: run.attempt, error }),
    recordedEvent(EventType.ExecutionFailed, msg.step, now, { error }),
  ];
  const request = { ...run.fence, now, error, events: [...before, ...events] };
  const head = await unlessSuperseded(settledWrite(rt, request, 'fail', () => rt.store.fail(request)));
  if (!head) return dropped(run);
  emitEvents(rt, msg.executionId, events, { error: thrown });
  rt.logger.info('execution failed', { executionId: msg.executionId, step: msg.step, code: error.code });
  return { status: 'failed', executionId: msg.executionId, step: msg.step, error, head };
}

async function park(run: Claimed, error: ErrorInfo): Promise<StepOutcome> {
  const { rt, message: msg } = run;
  const events = [recordedEvent(EventType.Paused, msg.step, rt.clock.now(), { error })];
  const request = { ...run.fence, now: rt.clock.now(), error, events };
  const head = await unlessSuperseded(settledWrite(rt, request, 'park', () => rt.store.park(request)));
  if (!head) return dropped(run);
  emitEvents(rt, msg.executionId, events);
  rt.logger.warn('execution parked as paused: the deployment cannot run this step', {
    executionId: msg.executionId,
    step: msg.step,
    message: error.message,
  });
  return { status: 'parked', executionId: msg.executionId, step: msg.step, error, head };
}

function dropped(run: Claimed): StepOutcome {
  run.rt.logger.info('step superseded by another writer: dropping its result', { ...run.message });
  return { status: 'dropped', executionId: run.message.executionId, step: run.message.step, reason: 'superseded' };
}

/** The write's head, or undefined when another writer won (STALE_TOKEN, LEASE_CONFLICT). */
async function unlessSuperseded(write: Promise<ExecutionHead>): Promise<ExecutionHead | undefined> {
  try {
    return await write;
  } catch (err) {
    if (isFenceConflict(err)) return undefined;
    throw err;
  }
}

/** The `paused` event the commit at `now` recorded when it took the execution past its budget, if it did. */
function budgetPauseOf(head: ExecutionHead, now: EpochMs): RecordedEvent[] {
  const last = head.events.at(-1);
  const paused = last?.type === EventType.Paused && last.at === now && last.error?.code === ErrorCode.BudgetExceeded;
  return paused ? [last] : [];
}

/** `text` parsed as JSON, or undefined when it is not JSON. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
