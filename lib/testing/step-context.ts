import { makeStepContext } from '../core/step-context.js';
import type { StepContext } from '../core/types.js';
import type { DeliveredEvent } from '../core/waits.js';

/** What {@link testStepContext} can be told; everything has a default. */
export interface TestStepContextOptions {
  executionId?: string;
  step?: number;
  attempt?: number;
  stepRun?: number;
  /** The execution's step names (what `goto` and `next` may name); default `['step']`. */
  stepNames?: readonly string[];
  /** The event that ended a wait before this step (null: timed out with `continue`). */
  event?: DeliveredEvent;
  signal?: AbortSignal;
  /** The time `sleep(ms)` counts from; default `Date.now`. */
  now?: () => number;
}

/**
 * A step context for calling one of your steps directly in a unit test, with the
 * same directive helpers (`sleep`, `waitForEvent`, `goto`, `callbackToken`) as a real run.
 *
 * @example
 * const out = await draft({ topic: 'x' }, testStepContext({ stepNames: ['draft', 'publish'] }));
 */
export function testStepContext(options: TestStepContextOptions = {}): StepContext {
  return makeStepContext({
    signal: options.signal ?? new AbortController().signal,
    executionId: options.executionId ?? 'exec_test',
    step: options.step ?? 0,
    attempt: options.attempt ?? 0,
    heartbeat: () => Promise.resolve(),
    stepRun: options.stepRun ?? options.step ?? 0,
    stepNames: options.stepNames ?? ['step'],
    delivered: options.event,
    now: options.now ?? Date.now,
    callbackSecret: 'longrunning-test-step-context',
  }).ctx;
}
