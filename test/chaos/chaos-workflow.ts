import { defineWorkflow, type StepContext, type Workflow } from '../../lib/index.js';

/**
 * The chaos workflow's state: which steps ran, in order, and a hash folded over
 * them. Each step appends its own index (fixed when the workflow is defined, not
 * read from the context), so a step committed twice, skipped or applied to the
 * wrong state shows in the state itself and in every later checkpoint.
 */
export interface ChaosState {
  seed: number;
  trace: number[];
  acc: number;
  /** A poisoned execution: step `step` throws on every attempt until `until` (epoch ms). */
  poison?: Poison;
  /** Where this execution sleeps or waits for an event, if it does. */
  waits?: ChaosWaits;
  /** The id of the event the step after the event wait was handed (`none` if it had none). */
  heard?: string;
  /**
   * A large execution's padding ({@link BALLAST_BYTES} characters), carried unchanged
   * by every step: it puts every state of the execution over the 32 KiB threshold,
   * so the store keeps them in S3 and the table only a reference.
   */
  ballast?: string;
}

/**
 * The waits of one execution: step `sleep.step` commits with a sleep of `sleep.ms`;
 * step `event.step` commits with a wait for a {@link CHAOS_EVENT}, which the driver
 * sends (with the id {@link chaosEventId}), and the step after it records the id of
 * the event it was handed in `heard`.
 */
export interface ChaosWaits {
  sleep?: { step: number; ms: number };
  event?: { step: number };
}

/** The type of the event a waiting chaos execution waits for. */
export const CHAOS_EVENT = 'chaos-go';

/**
 * How long an event wait lasts before it fails with WAIT_TIMEOUT: longer than any
 * run, so a timeout means the event was lost, and further than one SQS delay (900
 * s), so the commit queues no wake message for it (the drain waits for empty
 * queues, and a wake message delayed for the timeout would sit there to the end).
 */
export const CHAOS_WAIT_TIMEOUT_MS = 2 * 3_600_000;

/** The id of the event the execution whose input seed is `seed` waits for. */
export function chaosEventId(seed: number): string {
  return `go-${seed >>> 0}`;
}

/** Makes one step of an execution fail every attempt for a while, so that it fails and can be retried. */
export interface Poison {
  step: number;
  until: number;
}

/** Characters of a large execution's ballast: its states are over the 32 KiB threshold from the input on. */
export const BALLAST_BYTES = 40_000;

/** The ballast of the large execution with input seed `seed`: {@link BALLAST_BYTES} ASCII characters. */
export function chaosBallast(seed: number): string {
  const unit = `${(seed >>> 0).toString(36)}.`;
  return unit.repeat(Math.ceil(BALLAST_BYTES / unit.length)).slice(0, BALLAST_BYTES);
}

/**
 * The input of an execution with `seed`, poisoned if `poison` is given, sleeping or
 * waiting as `waits` says, and carrying `ballast` if given (a large execution).
 */
export function chaosInput(seed: number, poison?: Poison, waits?: ChaosWaits, ballast?: string): ChaosState {
  return {
    seed: seed >>> 0,
    trace: [],
    acc: seed >>> 0,
    ...(poison ? { poison } : {}),
    ...(waits ? { waits } : {}),
    ...(ballast === undefined ? {} : { ballast }),
  };
}

/**
 * One step of the fold: step `index` applied to `state`; `heard` (the step after
 * the event wait only) is the id of the event it was handed.
 */
export function foldStep(state: ChaosState, index: number, heard?: string): ChaosState {
  let h = (state.acc ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  const kept = {
    ...(state.poison ? { poison: state.poison } : {}),
    ...(state.waits ? { waits: state.waits } : {}),
    ...(state.ballast === undefined ? {} : { ballast: state.ballast }),
  };
  const heardNow = heard ?? state.heard;
  return {
    seed: state.seed,
    trace: [...state.trace, index],
    acc: (h ^ (h >>> 16)) >>> 0,
    ...kept,
    ...(heardNow === undefined ? {} : { heard: heardNow }),
  };
}

/** True when step `index` of an execution with these waits is the one right after its event wait. */
export function hearsEvent(waits: ChaosWaits | undefined, index: number): boolean {
  return waits?.event !== undefined && waits.event.step === index - 1;
}

/** The state after the first `steps` steps of the execution with `input`: what checkpoint `steps` must hold. */
export function expectedState(input: ChaosState, steps: number): ChaosState {
  let state: ChaosState = { ...input, trace: [] };
  for (let i = 0; i < steps; i++)
    state = foldStep(state, i, hearsEvent(input.waits, i) ? chaosEventId(input.seed) : undefined);
  return state;
}

/**
 * The workflow name for `steps` steps (one per step count, so names never clash),
 * and for the same steps with `chainSteps`.
 */
export function chaosWorkflowName(steps: number, chained = false): string {
  return chained ? `chaos-${steps}-chained` : `chaos-${steps}`;
}

/** What a step attempt is told to do instead of its work, decided by the worker. */
export type StepFault = 'throw' | 'hang' | 'oversize';

/** The hooks a worker gives the steps: a fault decision and how long the work takes. */
export interface StepHooks {
  fault: (ctx: StepContext, index: number) => StepFault | undefined;
  workMs: () => number;
}

/** Bytes of padding an oversized state carries: past DynamoDB's 400 KB item limit. */
export const OVERSIZE_BYTES = 450_000;

/**
 * The workflow of `steps` steps over {@link foldStep}. Without hooks (the driver,
 * which only starts executions) steps just fold. A hung step ignores its signal and
 * sleeps for `hangMs`, so the runtime must abandon it at the invocation deadline.
 * The steps the state's `waits` name commit with a sleep or an event wait. With
 * `chained`, the workflow of the same steps with `chainSteps` (its own name).
 */
export function chaosWorkflow(steps: number, hooks?: StepHooks, hangMs = 60_000, chained = false): Workflow {
  const name = chaosWorkflowName(steps, chained);
  return defineWorkflow<ChaosState>({
    name,
    chainSteps: chained,
    steps: Array.from({ length: steps }, (_, index) => ({
      name: `${name}-s${index}`,
      fn: async (state: ChaosState, ctx: StepContext) => {
        if (state.poison?.step === index && Date.now() < state.poison.until)
          throw new Error(`chaos: injected failure of step ${index}, poisoned (attempt ${ctx.attempt})`);
        const fault = hooks?.fault(ctx, index);
        if (fault === 'throw') throw new Error(`chaos: injected failure of step ${index} (attempt ${ctx.attempt})`);
        if (fault === 'hang') await sleep(hangMs);
        const workMs = hooks?.workMs() ?? 0;
        if (workMs > 0) await sleep(workMs, ctx.signal);
        const folded = foldStep(state, index, hearsEvent(state.waits, index) ? (ctx.event?.id ?? 'none') : undefined);
        const next = fault === 'oversize' ? { ...folded, pad: 'x'.repeat(OVERSIZE_BYTES) } : folded;
        if (state.waits?.sleep?.step === index) return ctx.sleep(state.waits.sleep.ms, next);
        if (state.waits?.event?.step === index)
          return ctx.waitForEvent(CHAOS_EVENT, { state: next, timeoutMs: CHAOS_WAIT_TIMEOUT_MS });
        return next;
      },
    })),
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      },
      { once: true },
    );
  });
}
