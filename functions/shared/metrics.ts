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
} as const;

/** The CloudWatch namespace of those metrics. */
export const METRICS_NAMESPACE = 'LongRunning';

/** Where handlers record metrics; flushed once per invocation. */
export interface MetricsSink {
  count(name: string, value?: number): void;
  milliseconds(name: string, value: number): void;
  flush(): void;
}

/** Metrics as CloudWatch embedded metric format lines, through Powertools. */
export function powertoolsMetrics(serviceName: string): MetricsSink {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  let stored = 0;
  return {
    count: (name, value = 1) => {
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
