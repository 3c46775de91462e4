import type { EpochMs, LimitUse, Logger, RuntimeDeps } from '../../lib/index.js';
import { limitKeyDimension, MetricName, type MetricsSink } from '../shared/metrics.js';

/**
 * The most keys whose use one sweep publishes with the dimension `LimitKey`, the busiest
 * first. Each key is a custom metric series, and keys may be per tenant; the totals
 * cover every key.
 */
export const MAX_KEYS_PER_SWEEP = 25;

/** What {@link publishLimitUse} published: keys read, and keys given their own series. */
export interface LimitUseReport {
  keys: number;
  published: number;
}

/**
 * Publishes every limit key's use as the sweeper sees it at `now`, once a sweep:
 * `LimitSlotsInUse` and `LimitWaiting` in total, and with the dimension `LimitKey`
 * for the {@link MAX_KEYS_PER_SWEEP} busiest keys (slots in use plus executions waiting).
 * One Query of the limit records; without a limiter nothing is read or published.
 * A failed read is logged and does not fail the sweep: the metrics miss one minute.
 */
export async function publishLimitUse(
  runtime: Pick<RuntimeDeps, 'limiter'>,
  now: EpochMs,
  metrics: MetricsSink,
  logger: Logger,
): Promise<LimitUseReport> {
  if (!runtime.limiter) return { keys: 0, published: 0 };
  let uses: LimitUse[];
  try {
    uses = await runtime.limiter.list(now);
  } catch (err) {
    logger.warn('could not read the limit keys; their use is not published this sweep', {
      error: err instanceof Error ? err.message : String(err),
    });
    return { keys: 0, published: 0 };
  }
  let inUse = 0;
  let waiting = 0;
  for (const use of uses) {
    inUse += use.inUse;
    waiting += use.waiting;
  }
  metrics.count(MetricName.LimitSlotsInUse, inUse);
  metrics.count(MetricName.LimitWaiting, waiting);
  const busiest = [...uses]
    .sort((a, b) => b.inUse + b.waiting - (a.inUse + a.waiting) || (a.key < b.key ? -1 : 1))
    .slice(0, MAX_KEYS_PER_SWEEP);
  for (const use of busiest) {
    const dimensions = limitKeyDimension(use.key);
    metrics.count(MetricName.LimitSlotsInUse, use.inUse, dimensions);
    metrics.count(MetricName.LimitWaiting, use.waiting, dimensions);
  }
  return { keys: uses.length, published: busiest.length };
}
