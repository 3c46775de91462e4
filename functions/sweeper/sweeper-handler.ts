import { type Logger, type RuntimeDeps, sweep, type SweepResult } from '../../lib/index.js';
import { MetricName, type MetricsSink } from '../shared/metrics.js';
import { publishLimitUse } from './limit-metrics.js';

/** The part of an EventBridge scheduled event the sweeper reads: its scheduled `time`. */
export interface ScheduledTick {
  time?: string;
}

/** The tick's scheduled time (epoch ms), which the sweep measures staleness from; the clock when absent. */
function scheduledTime(event: ScheduledTick | undefined): number | undefined {
  if (event === null || typeof event !== 'object' || typeof event.time !== 'string') return undefined;
  const ms = Date.parse(event.time);
  return Number.isFinite(ms) ? ms : undefined;
}

/** What the sweeper is built from. */
export interface SweeperDeps {
  runtime: RuntimeDeps;
  logger: Logger;
  metrics: MetricsSink;
  /** Most executions re-enqueued per run. */
  limit: number;
}

/**
 * Builds the EventBridge-scheduled sweeper: one `sweep`, its counts logged as one
 * structured line and published as metrics (`StalledReenqueued` drives an alarm),
 * then the limit keys' use (functions/sweeper/limit-metrics.ts).
 *
 * @example
 * export const handler = makeSweeper({ runtime, logger, metrics, limit: 100 });
 */
export function makeSweeper(deps: SweeperDeps): (event?: ScheduledTick) => Promise<SweepResult> {
  return async (event) => {
    const now = scheduledTime(event);
    const result = await sweep({ limit: deps.limit, ...(now !== undefined ? { now } : {}) }, deps.runtime);
    deps.logger.info('sweep finished', { examined: result.examined, reenqueued: result.reenqueued });
    deps.metrics.count(MetricName.SweepExamined, result.examined);
    deps.metrics.count(MetricName.StalledReenqueued, result.reenqueued);
    await publishLimitUse(deps.runtime, now ?? deps.runtime.clock?.now() ?? Date.now(), deps.metrics, deps.logger);
    deps.metrics.flush();
    return result;
  };
}
