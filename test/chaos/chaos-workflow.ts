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
}

/** Makes one step of an execution fail every attempt for a while, so that it fails and can be retried. */
export interface Poison {
  step: number;
  until: number;
}

/** The input of an execution with `seed`, poisoned if `poison` is given. */
export function chaosInput(seed: number, poison?: Poison): ChaosState {
  return { seed: seed >>> 0, trace: [], acc: seed >>> 0, ...(poison ? { poison } : {}) };
}

/** One step of the fold: step `index` applied to `state`. */
export function foldStep(state: ChaosState, index: number): ChaosState {
  let h = (state.acc ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  const poison = state.poison ? { poison: state.poison } : {};
  return { seed: state.seed, trace: [...state.trace, index], acc: (h ^ (h >>> 16)) >>> 0, ...poison };
}

/** The state after the first `steps` steps of the execution with `input`: what checkpoint `steps` must hold. */
export function expectedState(input: ChaosState, steps: number): ChaosState {
  let state: ChaosState = { ...input, trace: [] };
  for (let i = 0; i < steps; i++) state = foldStep(state, i);
  return state;
}

/** The workflow name for `steps` steps (one per step count, so names never clash). */
export function chaosWorkflowName(steps: number): string {
  return `chaos-${steps}`;
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
 */
export function chaosWorkflow(steps: number, hooks?: StepHooks, hangMs = 60_000): Workflow {
  return defineWorkflow<ChaosState>({
    name: chaosWorkflowName(steps),
    steps: Array.from({ length: steps }, (_, index) => ({
      name: `chaos-${steps}-s${index}`,
      fn: async (state: ChaosState, ctx: StepContext) => {
        if (state.poison?.step === index && Date.now() < state.poison.until)
          throw new Error(`chaos: injected failure of step ${index}, poisoned (attempt ${ctx.attempt})`);
        const fault = hooks?.fault(ctx, index);
        if (fault === 'throw') throw new Error(`chaos: injected failure of step ${index} (attempt ${ctx.attempt})`);
        if (fault === 'hang') await sleep(hangMs);
        const workMs = hooks?.workMs() ?? 0;
        if (workMs > 0) await sleep(workMs, ctx.signal);
        const next = foldStep(state, index);
        return fault === 'oversize' ? { ...next, pad: 'x'.repeat(OVERSIZE_BYTES) } : next;
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
