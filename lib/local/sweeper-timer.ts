import { type Logger, noopLogger } from '../core/logger.js';

/** A sweeper handler shaped like the Lambda one: given the scheduled event's time. */
export type SweepHandler = (event: { time: string }) => Promise<{ examined: number; reenqueued: number }>;

/**
 * Runs the sweeper every `intervalMs`, standing in for the EventBridge schedule.
 * Runs never overlap; `stop` waits for the one in flight.
 *
 * @example
 * const timer = startSweeperTimer(makeSweeper(deps), { intervalMs: 60_000 });
 * await timer.stop();
 */
export function startSweeperTimer(
  handler: SweepHandler,
  options: { intervalMs: number; logger?: Logger },
): { stop: () => Promise<void> } {
  const logger = options.logger ?? noopLogger;
  let inFlight: Promise<void> = Promise.resolve();
  let busy = false;
  const tick = (): void => {
    if (busy) return;
    busy = true;
    inFlight = handler({ time: new Date().toISOString() })
      .then((r) => {
        if (r.reenqueued > 0)
          logger.info('sweep re-enqueued stalled executions', { examined: r.examined, reenqueued: r.reenqueued });
      })
      .catch((err: unknown) =>
        logger.warn('sweep failed; the next tick tries again', {
          error: err instanceof Error ? err.message : String(err),
        }),
      )
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await inFlight;
    },
  };
}
