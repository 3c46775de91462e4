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
