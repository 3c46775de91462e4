import { expectedState, type ChaosState } from './chaos-workflow.js';
import type { LeftMessage, ScannedExecution } from './table-scan.js';

/** How an execution ended, as its head says. */
export type Outcome = 'completed' | 'failed' | 'cancelled' | 'lost';

/** The verdict on one execution, from its items alone. */
export interface Verdict {
  id: string;
  outcome: Outcome;
  /** A step's result committed twice (a step index repeated in some state). */
  double: boolean;
  /** A skipped step, a gap in the checkpoint chain, a state that is not the fold, or an unexplained end. */
  corrupt: boolean;
  problems: string[];
  /** For a failed execution: what its recorded error says it died of. */
  failureCause?: FailureCause;
}

/** Why a failed execution failed, by its recorded error. */
export type FailureCause =
  'poisoned' | 'step-throw' | 'step-hang' | 'step-oversize' | 'claims' | 'wait-timeout' | 'other';

/** How a state compares with the fold it must equal. */
export type StateDiagnosis = 'ok' | 'double' | 'skip' | 'corrupt';

/** Compares a stored state (JSON text) with the expected fold. */
export function diagnoseState(text: string | undefined, expected: ChaosState): StateDiagnosis {
  let actual: unknown;
  try {
    actual = text === undefined ? undefined : JSON.parse(text);
  } catch {
    return 'corrupt';
  }
  if (typeof actual !== 'object' || actual === null || !Array.isArray((actual as ChaosState).trace)) return 'corrupt';
  const a = actual as Record<string, unknown>;
  const trace = a['trace'] as unknown[];
  const same =
    Object.keys(a).sort().join() === Object.keys(expected).sort().join() &&
    a['seed'] === expected.seed &&
    a['acc'] === expected.acc &&
    JSON.stringify(trace) === JSON.stringify(expected.trace) &&
    JSON.stringify(a['poison']) === JSON.stringify(expected.poison) &&
    JSON.stringify(a['waits']) === JSON.stringify(expected.waits) &&
    a['heard'] === expected.heard &&
    a['ballast'] === expected.ballast;
  if (same) return 'ok';
  if (new Set(trace).size < trace.length) return 'double';
  const missing = expected.trace.filter((i) => !trace.includes(i));
  return missing.length > 0 && trace.every((i) => expected.trace.includes(i as number)) ? 'skip' : 'corrupt';
}

/**
 * Checks one execution from its items (states kept in S3 already read back, any
 * that could not be is corrupt): a finished head (running or paused after
 * the drain is lost), checkpoints 0..currentStep with no gap and none beyond, each
 * equal to the fold up to it, the head's state equal to the last, a completed
 * execution at its last step, a failed one with its error recorded (and not by
 * an event wait that timed out after its event was accepted), a cancelled one
 * cancelled by the driver.
 */
export function checkExecution(
  e: ScannedExecution,
  ctx: { steps: number; cancelRequested: boolean; eventAccepted?: boolean },
): Verdict {
  const v: Verdict = { id: e.id, outcome: 'lost', double: false, corrupt: false, problems: [] };
  const fault = (kind: 'double' | 'corrupt', problem: string): void => {
    v[kind] = true;
    v.problems.push(problem);
  };
  for (const p of e.stateProblems ?? []) fault('corrupt', p);
  const head = e.head;
  if (!head) {
    v.problems.push(`no head (${e.checkpoints.length} checkpoints)`);
    return v;
  }
  if (head.state === 'completed' || head.state === 'failed' || head.state === 'cancelled') v.outcome = head.state;
  else v.problems.push(`still ${head.state} at step ${head.currentStep} after the drain`);
  const cp0 = e.checkpoints.find((c) => c.step === 0);
  const input = parseInput(cp0?.data);
  if (!input) {
    fault('corrupt', 'checkpoint 0 is missing or not a chaos input');
    return v;
  }
  const last = head.currentStep;
  const steps = new Set(e.checkpoints.map((c) => c.step));
  for (let s = 0; s <= last; s++) if (!steps.has(s)) fault('corrupt', `checkpoint ${s} missing (head at ${last})`);
  for (const cp of e.checkpoints) {
    // One checkpoint just past the head is a put whose head update did not land (a
    // stale attempt, a killed worker): the protocol leaves it out of every listing
    // and replaces it when that step run commits. It must still be that step's fold.
    if (cp.step > last + 1 || (cp.step === last + 1 && last >= head.totalSteps))
      fault('corrupt', `checkpoint ${cp.step} beyond the head's step ${last}`);
    const d = diagnoseState(cp.data, expectedState(input, cp.step));
    if (d === 'double') fault('double', `checkpoint ${cp.step} repeats a step`);
    else if (d !== 'ok') fault('corrupt', `checkpoint ${cp.step} is not the fold (${d})`);
  }
  const d = diagnoseState(head.data, expectedState(input, last));
  if (d === 'double') fault('double', `head state repeats a step`);
  else if (d !== 'ok') fault('corrupt', `head state is not the fold of ${last} steps (${d})`);
  if (v.outcome === 'completed' && (last !== ctx.steps || head.totalSteps !== ctx.steps))
    fault('corrupt', `completed at step ${last} of ${head.totalSteps}, expected ${ctx.steps}`);
  if (v.outcome === 'failed') {
    const { code, message } = head.error ?? {};
    if (typeof code !== 'string' || typeof message !== 'string') fault('corrupt', 'failed without a recorded error');
    else v.failureCause = failureCause(code, message);
    if (v.failureCause === 'wait-timeout' && ctx.eventAccepted)
      fault('corrupt', 'its event wait timed out although its event was accepted');
  }
  if (v.outcome === 'cancelled' && !ctx.cancelRequested)
    fault('corrupt', 'cancelled, but the driver never cancelled it');
  return v;
}

/** What a failed execution died of, by its recorded error. */
export function failureCause(code: string, message: string): FailureCause {
  if (message.includes('poisoned')) return 'poisoned';
  if (message.includes('chaos: injected failure')) return 'step-throw';
  if (code === 'STEP_TIMEOUT') return 'step-hang';
  if (code === 'STATE_TOO_LARGE') return 'step-oversize';
  if (/claimed \d+ times/.test(message)) return 'claims';
  if (code === 'WAIT_TIMEOUT') return 'wait-timeout';
  return 'other';
}

/**
 * What a message left at the end means. `stray`: on the step queue for a finished
 * execution. On the dead-letter queue: `explained` when it can no longer be
 * claimed (finished, stale token or step), `unexplained` otherwise.
 */
export function classifyLeftMessage(
  m: LeftMessage,
  head: ScannedExecution['head'] | undefined,
): 'stray' | 'pending' | 'explained' | 'unexplained' {
  let body: { step?: unknown; token?: unknown } = {};
  try {
    body = JSON.parse(m.body) as typeof body;
  } catch {
    // an unparseable body can never be claimed
  }
  const claimable =
    head !== undefined &&
    (head.state === 'running' || head.state === 'paused') &&
    body.token === head.version &&
    body.step === head.currentStep;
  if (m.deadLetter) return claimable ? 'unexplained' : 'explained';
  const finished = head === undefined || !(head.state === 'running' || head.state === 'paused');
  return finished ? 'stray' : 'pending';
}

/** The chaos input checkpoint 0 holds (JSON text), or undefined when it is not one. */
export function parseInput(text: string | undefined): ChaosState | undefined {
  try {
    const v = JSON.parse(text ?? '') as ChaosState;
    return typeof v.seed === 'number' && v.acc === v.seed && Array.isArray(v.trace) && v.trace.length === 0
      ? v
      : undefined;
  } catch {
    return undefined;
  }
}
