import { createHash } from 'node:crypto';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** Metric names the functions publish and the CDK alarms and dashboard read. */
export const MetricName = {
  StepsCommitted: 'StepsCommitted',
  StepDuration: 'StepDuration',
  StepRetries: 'StepRetries',
  ExecutionsCompleted: 'ExecutionsCompleted',
  ExecutionsFailed: 'ExecutionsFailed',
  StepMessagesRejected: 'StepMessagesRejected',
  SweepExamined: 'SweepExamined',
  StalledReenqueued: 'StalledReenqueued',
  /** A step refused by a limit and sent again later: once in total, and once with the dimension `LimitKey`. */
  StepsThrottled: 'StepsThrottled',
  /** Limit slots held, sampled by the sweeper each run: in total, and per busy key (dimension `LimitKey`). */
  LimitSlotsInUse: 'LimitSlotsInUse',
  /** Executions waiting for a limit key, sampled like {@link MetricName.LimitSlotsInUse}. */
  LimitWaiting: 'LimitWaiting',
} as const;

/** The dimension of the per-key limit metrics. */
export const LIMIT_KEY_DIMENSION = 'LimitKey';

/**
 * A limit key as a CloudWatch dimension value, which must be printable ASCII with
 * something other than spaces (a line with another value is dropped whole). Such a
 * key is itself; any other (a tenant's name in another script) becomes its ASCII
 * characters, `?` for the others, and the first 8 hex digits of its SHA-256, so that
 * two keys never share a series.
 */
export function limitKeyDimension(key: string): { [LIMIT_KEY_DIMENSION]: string } {
  if (/^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$/.test(key)) return { [LIMIT_KEY_DIMENSION]: key };
  const ascii = key.replace(/[^\x20-\x7e]/gu, '?');
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return { [LIMIT_KEY_DIMENSION]: `${ascii}#${hash}` };
}

/** The CloudWatch namespace of those metrics. */
export const METRICS_NAMESPACE = 'LongRunning';

/** Where handlers record metrics; flushed once per invocation. */
export interface MetricsSink {
  /** Counts `value` (default 1); with `dimensions`, in the series of those dimensions, published at once. */
  count(name: string, value?: number, dimensions?: Record<string, string>): void;
  milliseconds(name: string, value: number): void;
  flush(): void;
}

/** Metrics as CloudWatch embedded metric format lines, through Powertools. */
export function powertoolsMetrics(serviceName: string): MetricsSink {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  let stored = 0;
  return {
    count: (name, value = 1, dimensions) => {
      if (dimensions) {
        // Its own EMF line, so that the dimension does not apply to the invocation's other metrics.
        const single = metrics.singleMetric();
        for (const [dimension, dimensionValue] of Object.entries(dimensions))
          single.addDimension(dimension, dimensionValue);
        single.addMetric(name, MetricUnit.Count, value);
        return;
      }
      metrics.addMetric(name, MetricUnit.Count, value);
      stored++;
    },
    milliseconds: (name, value) => {
      metrics.addMetric(name, MetricUnit.Milliseconds, value);
      stored++;
    },
    flush: () => {
      if (stored === 0) return;
      stored = 0;
      metrics.publishStoredMetrics();
    },
  };
}
