import type { ExecutionEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';

/** Calls the `onEvent` handler, if any; a handler that throws is logged and ignored. */
export function callHandler(
  handler: ((event: ExecutionEvent) => void) | undefined,
  event: ExecutionEvent,
  logger: Logger,
): void {
  if (!handler) return;
  try {
    handler(event);
  } catch (err) {
    logger.error('onEvent handler threw', { executionId: event.execId, event: event.type, error: String(err) });
  }
}

/** Cancels (through `cancel`) when `signal` aborts, until `finished` settles. */
export function cancelOnAbort(signal: AbortSignal, cancel: () => Promise<void>, finished: Promise<void>): void {
  const onAbort = (): void => void cancel().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  void finished.then(() => signal.removeEventListener('abort', onAbort));
}
