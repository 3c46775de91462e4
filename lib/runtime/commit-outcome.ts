import { EventType } from '../core/events.js';
import { ExecutionState } from '../core/execution-state.js';
import { afterStep } from '../core/waits.js';
import { settledSend } from './ambiguous-outcomes.js';
import { positionOf } from './head-changes.js';
import { emitEvents, recordedEvent } from './lifecycle-events.js';
import type { EpochMs, ExecutionHead, RecordedEvent, StepMessage } from './model.js';
import type { ResolvedRuntime } from './runtime-config.js';
import { stepMessage } from './step-message.js';
import type { StepOutcome } from './step-outcome.js';
import { sendWakeIfNear } from './wait-scheduling.js';

/**
 * The lifecycle events of committing `output` (a state or a directive) on the
 * claimed head: `recorded` go on the head, `emitted` to `onEvent`. Whether the
 * commit ends the execution (completed, or STEP_LIMIT_EXCEEDED) does not depend on
 * the inbox, so the claimed head tells it, though the store decides the rest from
 * the head as it stands. Throws VALIDATION_ERROR for a directive that names a step
 * the execution does not have.
 */
export function commitEvents(
  claimed: ExecutionHead,
  output: unknown,
  now: EpochMs,
): { recorded: RecordedEvent[]; emitted: RecordedEvent[] } {
  const step = claimed.currentStep;
  const ends = afterStep(positionOf(claimed), output, now).kind;
  const completed = recordedEvent(EventType.StepCompleted, step, now);
  const finished =
    ends === 'complete'
      ? [recordedEvent(EventType.ExecutionCompleted, step + 1, now)]
      : ends === 'limit'
        ? [recordedEvent(EventType.ExecutionFailed, step, now)]
        : [];
  return {
    recorded: [completed, ...finished],
    emitted: [completed, recordedEvent(EventType.Checkpointed, step + 1, now), ...finished],
  };
}

/**
 * What follows a landed commit, by the state it left: completed or failed (nothing
 * to send), waiting (the wake message of a near deadline), running (the next step's
 * message) or paused (nothing until resume).
 */
export async function afterCommit(
  rt: ResolvedRuntime,
  msg: StepMessage,
  head: ExecutionHead,
  now: EpochMs,
): Promise<StepOutcome> {
  const base = { executionId: msg.executionId, step: msg.step, head };
  if (head.state === ExecutionState.Completed) return { status: 'completed', ...base };
  if (head.state === ExecutionState.Failed && head.error) return { status: 'failed', ...base, error: head.error };
  if (head.state === ExecutionState.Waiting) {
    emitEvents(rt, msg.executionId, [recordedEvent(EventType.Waiting, head.currentStep, now)], { state: head.data });
    const wakeDelaySeconds = await sendWakeIfNear(rt, head, now);
    return wakeDelaySeconds === undefined
      ? { status: 'waiting', ...base }
      : { status: 'waiting', ...base, wakeDelaySeconds };
  }
  const enqueued = head.state === ExecutionState.Running;
  if (enqueued) await settledSend(rt, stepMessage(msg.executionId, head.currentStep, head.version));
  return { status: 'committed', ...base, enqueued };
}
