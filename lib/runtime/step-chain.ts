import type { EpochMs } from './model.js';
import type { Workflow } from './workflow.js';

/** At most this many steps one message runs after its own step (a workflow with `chainSteps`). */
export const MAX_CHAINED_STEPS = 100;

/** By default, a step is chained only with at least this much of the invocation left (after the deadline buffer). */
export const CHAIN_MIN_REMAINING_MS = 10_000;

/** How far one message's chain of steps has gone in its invocation. */
export interface StepChain {
  /** The invocation's deadline. */
  readonly deadline: EpochMs;
  /** The lease owner of the message's own step; chained steps get owners derived from it. */
  readonly owner: string;
  /** Steps run after the message's own, each claimed by the commit before it. */
  chained: number;
  /** The longest step attempt of this chain so far, in milliseconds. */
  longestStepMs: number;
}

/** A new chain for a message claimed by `owner` in an invocation that ends at `deadline`. */
export function startChain(deadline: EpochMs, owner: string): StepChain {
  return { deadline, owner, chained: 0, longestStepMs: 0 };
}

/**
 * The lease owner of the chain's next step: its own, never the owner that commits
 * before it, so that each step attempt's writes are told apart as they are
 * between messages (a write that finds its owner's version + 1 landed is its own).
 */
export function nextChainOwner(chain: StepChain): string {
  return `${chain.owner}.${chain.chained + 1}`;
}

/**
 * Whether the commit being written at `now` should claim the next step for this
 * worker: the workflow asks for it (`chainSteps`), the chain is shorter than
 * MAX_CHAINED_STEPS, and the invocation has time left for a step twice as long as
 * the longest this chain ran, and at least `chainMinRemainingMs` (the runtime
 * setting, CHAIN_MIN_REMAINING_MS by default). A chained step that still runs into
 * the deadline is handed back uncounted and runs again in an invocation of its own
 * (`handBack`, lib/runtime/step-processor.ts).
 */
export function mayChain(
  workflow: Workflow | undefined,
  chain: StepChain,
  now: EpochMs,
  timing: { deadlineBufferMs: number; chainMinRemainingMs: number },
): boolean {
  if (workflow?.chainSteps !== true || chain.chained >= MAX_CHAINED_STEPS) return false;
  const left = chain.deadline - timing.deadlineBufferMs - now;
  return left >= Math.max(timing.chainMinRemainingMs, 2 * chain.longestStepMs);
}
