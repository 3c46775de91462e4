import { claimsOf, type LimitSpec } from '../core/limits.js';
import type { StepContext, StepFunc } from '../core/types.js';
import type { ExecutionRun } from './execution-run.js';
import type { RunLoopDeps } from './run-loop-deps.js';

/**
 * What an attempt settles with when a pause stopped its wait for a limit: the loop
 * parks, and on resume the step begins again (from its first attempt).
 */
export const PAUSED = Symbol('paused');

/**
 * Calls the step's `fn` once it holds every key of `specs` (evaluated on its input:
 * a key function that throws rejects, failing the attempt). The wait is not part
 * of the attempt: it is shown on the execution (`throttled`), ends with `cancelled`
 * on cancel and with {@link PAUSED} on pause, and gives back what it took. The keys
 * are given back when the attempt ends, however it ends.
 */
export async function callLimited<A>(
  run: ExecutionRun,
  fn: StepFunc,
  ctx: StepContext,
  specs: readonly LimitSpec[],
  deps: RunLoopDeps,
  cancelled: A,
): Promise<unknown> {
  const { exec } = run;
  const claims = claimsOf(specs, run.data, exec.stepNames?.[exec.currentStep] ?? String(exec.currentStep));
  const stop = new AbortController();
  const onCancel = (): void => stop.abort();
  run.abort.signal.addEventListener('abort', onCancel, { once: true });
  run.stopLimitWait = onCancel;
  if (run.isCancelled || run.pauseRequested) stop.abort();
  let lease;
  try {
    lease = await deps.limiter.acquire(claims, stop.signal, run);
  } finally {
    run.abort.signal.removeEventListener('abort', onCancel);
    run.stopLimitWait = undefined;
  }
  if (!lease) return run.isCancelled ? cancelled : PAUSED;
  try {
    return await run.abortRelay.call(fn, run.data, ctx, cancelled);
  } finally {
    lease.release();
  }
}
