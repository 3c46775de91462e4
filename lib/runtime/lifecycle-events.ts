import { LongRunningError, toError, type ErrorInfo } from '../core/errors.js';
import type { EventType, ExecutionEvent } from '../core/events.js';
import type { EpochMs, RecordedEvent } from './model.js';
import type { ResolvedRuntime } from './runtime-config.js';

/** A lifecycle event as the head records it. */
export function recordedEvent(
  type: EventType,
  step: number,
  at: EpochMs,
  extra: { attempt?: number; error?: ErrorInfo } = {},
): RecordedEvent {
  return {
    type,
    step,
    at,
    ...(extra.attempt === undefined ? {} : { attempt: extra.attempt }),
    ...(extra.error === undefined ? {} : { error: { code: extra.error.code, message: extra.error.message } }),
  };
}

/**
 * Hands `events` (already written) to `onEvent`, in order. A handler that throws
 * or rejects is logged and otherwise ignored: observers never break the protocol.
 */
export function emitEvents(
  rt: Pick<ResolvedRuntime, 'onEvent' | 'logger'>,
  executionId: string,
  events: readonly RecordedEvent[],
  extra: { state?: unknown; error?: unknown } = {},
): void {
  const { onEvent, logger } = rt;
  if (!onEvent) return;
  for (const recorded of events) {
    const error = recorded.error === undefined ? undefined : errorOf(recorded.error, extra.error);
    const event: ExecutionEvent = {
      type: recorded.type,
      execId: executionId,
      step: recorded.step,
      timestamp: new Date(recorded.at),
      ...(error === undefined ? {} : { error }),
      ...(extra.state === undefined ? {} : { state: extra.state }),
    };
    const warn = (thrown: unknown): void =>
      logger.warn('onEvent handler failed', { executionId, event: recorded.type, error: toError(thrown).message });
    try {
      const result = onEvent(event);
      if (result instanceof Promise) result.catch(warn);
    } catch (thrown) {
      warn(thrown);
    }
  }
}

/** The original error when there is one, else an error rebuilt from its stored form. */
function errorOf(info: ErrorInfo, original: unknown): Error {
  if (original instanceof Error) return original;
  return new LongRunningError(info.code, info.message);
}
