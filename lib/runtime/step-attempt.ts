import { setRepeatingTimer } from '../core/clock.js';
import type { OpenCallback } from '../core/callback-tokens.js';
import { ErrorCode, ExecutionCancelledError, LongRunningError, ValidationError, toError } from '../core/errors.js';
import { ExecutionState } from '../core/execution-state.js';
import { makeStepContext } from '../core/step-context.js';
import type { StepFunc } from '../core/types.js';
import type { Usage } from '../core/usage.js';
import { LeaseConflictError } from './errors.js';
import type { EpochMs, ExecutionHead } from './model.js';
import type { Fence } from './ports.js';
import { holdsLease } from './store-rules.js';
import type { ResolvedRuntime } from './runtime-config.js';

/** How one run of a step ended. */
export type AttemptResult =
  /** The step returned `output` (a state or a directive), having opened `opened` callbacks and reported `usage`. */
  | { kind: 'ok'; output: unknown; opened: OpenCallback[]; usage: Usage | undefined }
  /** The step threw, or timed out (a STEP_TIMEOUT error). */
  | { kind: 'error'; error: unknown; /** The invocation's deadline stopped it (STEP_TIMEOUT). */ timedOut?: true }
  /** The execution was cancelled while the step ran. */
  | { kind: 'cancelled' }
  /** Another worker holds the step now (or the execution is gone). */
  | { kind: 'lease-lost' };

/** Which step to run, for whom, and until when. */
export interface AttemptRequest {
  fn: StepFunc;
  stepName: string;
  head: ExecutionHead;
  owner: string;
  attempt: number;
  deadline: EpochMs;
}

type AbortKind = 'timeout' | 'cancelled' | 'lease-lost';

/**
 * A heartbeat's check: while the lease does not yet reach the invocation deadline,
 * it is extended (a write of the head); once it does (a step in a function whose
 * timeout is within the lease, the default), a consistent read of the head tells
 * a lost lease, a cancel and a pause just as well, at a read's price instead of a
 * write's.
 */
async function stillHeld(
  rt: ResolvedRuntime,
  fence: Fence & { now: EpochMs; leaseMs: number },
  coversDeadline: boolean,
): Promise<{ lost: boolean; state?: ExecutionState }> {
  if (!coversDeadline) return rt.store.extendLease(fence);
  const current = await rt.store.get(fence.id);
  if (current === undefined) return { lost: true };
  return { lost: !holdsLease(current, fence), state: current.state };
}

/**
 * Runs one step attempt under its lease. The step's signal aborts at
 * `deadline - deadlineBufferMs` (reason: a STEP_TIMEOUT error) and when a heartbeat
 * (every `heartbeatMs`, or the step's own `ctx.heartbeat()`; see {@link stillHeld})
 * finds the lease lost or the execution cancelled. The attempt ends at the abort even if the step ignores
 * its signal; whatever such a step does later is never committed.
 */
export async function runAttempt(rt: ResolvedRuntime, req: AttemptRequest): Promise<AttemptResult> {
  const { head, owner } = req;
  const controller = new AbortController();
  let abortKind: AbortKind | undefined;
  const abort = (kind: AbortKind, reason: Error): void => {
    if (controller.signal.aborted) return;
    abortKind = kind;
    controller.abort(reason);
  };

  // The lease as this attempt holds it: from the claim, then from each extension.
  let leaseUntil = head.leaseExpiresAt ?? 0;
  const heartbeat = async (): Promise<void> => {
    controller.signal.throwIfAborted();
    const now = rt.clock.now();
    const fence = { id: head.id, token: head.version, owner, now, leaseMs: rt.leaseMs };
    const { lost, state } = await stillHeld(rt, fence, leaseUntil >= req.deadline);
    if (!lost) leaseUntil = Math.max(leaseUntil, now + rt.leaseMs);
    if (lost && state === ExecutionState.Cancelled) abort('cancelled', new ExecutionCancelledError(head.id));
    else if (lost) abort('lease-lost', new LeaseConflictError(head.id, owner));
    controller.signal.throwIfAborted();
  };
  const secret = rt.callbackSecrets[0];
  const { ctx, opened, usage } = makeStepContext({
    signal: controller.signal,
    executionId: head.id,
    step: head.currentStep,
    attempt: req.attempt,
    heartbeat,
    stepRun: head.stepRuns,
    stepNames: head.stepNames,
    delivered: head.delivered,
    now: () => rt.clock.now(),
    callbackSecret: secret ?? '',
    ...(head.usage === undefined ? {} : { usageSoFar: head.usage }),
  });
  if (secret === undefined) {
    ctx.callbackToken = () => {
      throw new ValidationError(
        'ctx.callbackToken needs callback secrets: pass callbackSecrets in the runtime deps (the deployed stack reads them from its secret)',
      );
    };
  }

  const budgetMs = Math.max(0, req.deadline - rt.deadlineBufferMs - rt.clock.now());
  const cancelDeadline = rt.clock.setTimer(budgetMs, () => {
    const message = `step "${req.stepName}" (step ${head.currentStep} of execution ${head.id}) did not finish before the invocation deadline`;
    abort('timeout', new LongRunningError(ErrorCode.StepTimeout, message, { retryable: true, details: { budgetMs } }));
  });
  const stopHeartbeats = setRepeatingTimer(rt.clock, rt.heartbeatMs, () => {
    heartbeat().catch((err: unknown) => {
      if (!controller.signal.aborted)
        rt.logger.warn('heartbeat failed', { executionId: head.id, error: toError(err).message });
    });
  });

  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(toError(controller.signal.reason)), { once: true });
  });
  const running = Promise.resolve().then(() => req.fn(head.data, ctx));
  // Whichever loses the race must not become an unhandled rejection.
  running.catch(() => undefined);
  aborted.catch(() => undefined);
  try {
    const output = await Promise.race([running, aborted]);
    // A step that saw its signal and returned anyway: cancel and lease loss still win.
    if (abortKind === 'cancelled' || abortKind === 'lease-lost') return { kind: abortKind };
    return { kind: 'ok', output, opened, usage: usage() };
  } catch (error) {
    if (abortKind === 'cancelled' || abortKind === 'lease-lost') return { kind: abortKind };
    if (abortKind === 'timeout') return { kind: 'error', error: toError(controller.signal.reason), timedOut: true };
    return { kind: 'error', error };
  } finally {
    cancelDeadline();
    stopHeartbeats();
  }
}
