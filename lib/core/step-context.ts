import { issueCallbackToken, type OpenCallback } from './callback-tokens.js';
import { type DirectiveHelpers, directiveHelpers } from './directives.js';
import type { StepContext } from './types.js';
import { usageRecorder, type Usage } from './usage.js';
import { stepEventOf, type DeliveredEvent } from './waits.js';

/** What both drivers know about one step run before they build its context. */
export type StepRunFacts = Pick<
  StepContext,
  'signal' | 'executionId' | 'step' | 'attempt' | 'heartbeat' | 'stepRun'
> & {
  stepNames: readonly string[];
  /** The event that ended the wait before this step (null: timed out, continue). */
  delivered: DeliveredEvent | undefined;
  /** The time, for `sleep(ms)`. */
  now: () => number;
  /** Signs callback tokens. */
  callbackSecret: string | Buffer;
  /** The execution's usage before this step run: a report may not take it past the units the stores keep. */
  usageSoFar?: Usage;
  /**
   * The directive helpers of `now` and `stepNames`, when the driver keeps them from
   * one step to the next (they hold no state of a step run); made here when absent.
   */
  helpers?: DirectiveHelpers;
};

/**
 * A step's context, the callbacks it opened and what it reported using: the driver
 * commits those with the step's result (a callback opened by an attempt that does
 * not commit never works; its usage is never counted).
 */
export function makeStepContext(facts: StepRunFacts): {
  ctx: StepContext;
  opened: OpenCallback[];
  usage: () => Usage | undefined;
} {
  const opened: OpenCallback[] = [];
  const recorder = usageRecorder(facts.usageSoFar);
  const { signal, executionId, step, attempt, heartbeat, stepRun } = facts;
  // The helpers by name rather than spread: a context is made for every step run.
  // They are arrow functions, which keep no `this`.
  const { sleep, sleepUntil, waitForEvent, goto } = facts.helpers ?? directiveHelpers(facts.now, facts.stepNames);
  const ctx: StepContext = {
    signal,
    executionId,
    step,
    attempt,
    heartbeat,
    stepRun,
    event: stepEventOf(facts.delivered),
    sleep,
    sleepUntil,
    waitForEvent,
    goto,
    callbackToken(type: string): string {
      const { token, callback } = issueCallbackToken(facts.executionId, type, facts.callbackSecret);
      opened.push(callback);
      return token;
    },
    reportUsage: recorder.report,
  };
  return { ctx, opened, usage: recorder.total };
}
