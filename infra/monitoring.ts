import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  AlarmWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LIMIT_KEY_DIMENSION, METRICS_NAMESPACE, MetricName } from '../functions/shared/metrics.js';

/** Settings of {@link Monitoring}. */
export interface MonitoringProps {
  worker: IFunction;
  deadLetterQueue: IQueue;
  alarmTopic: ITopic | undefined;
}

const FIVE_MINUTES = Duration.minutes(5);

/** A metric the functions publish through Powertools (namespace `LongRunning`, dimension `service`). */
export function engineMetric(name: string, service: string, statistic: string, period: Duration): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service }, statistic, period });
}

/** A count of an engine metric with the minutes it was not published counted as 0 (so the alarm is OK, not INSUFFICIENT_DATA). */
function filledCount(id: string, name: string, service: string): IMetric {
  return new MathExpression({
    expression: `FILL(${id}, 0)`,
    usingMetrics: { [id]: engineMetric(name, service, 'Sum', FIVE_MINUTES) },
    label: name,
    period: FIVE_MINUTES,
  });
}

/**
 * A graph of one line per limit key: a CloudWatch SEARCH over the series that carry
 * the dimension `LimitKey` (functions/shared/metrics.ts), per minute.
 */
export function perKeyGraph(title: string, name: string, service: string, statistic: string): GraphWidget {
  const schema = `{${METRICS_NAMESPACE},${LIMIT_KEY_DIMENSION},service}`;
  return new GraphWidget({
    title,
    left: [
      new MathExpression({
        expression: `SEARCH('${schema} MetricName="${name}" service="${service}"', '${statistic}', 60)`,
        usingMetrics: {},
        label: '',
        period: Duration.minutes(1),
      }),
    ],
    width: 8,
  });
}

/**
 * The alarms an operator needs, and a dashboard with them, the step throughput and
 * the limit keys (slots in use, executions waiting, throttles; one line per key):
 * - `deadLetters`: a step message reached the dead-letter queue (ApproximateNumberOfMessagesVisible > 0);
 * - `workerErrors`: the step worker failed invocations (Lambda Errors > 0 in 5 minutes);
 * - `executionsFailed`: an execution failed after its retries (ExecutionsFailed > 0 in 5 minutes);
 * - `stalledReenqueued`: the sweeper had to re-enqueue stalled executions (StalledReenqueued > 0 in 5 minutes).
 * With an SNS topic, each alarm notifies it when it fires and when it recovers.
 */
export class Monitoring extends Construct {
  readonly deadLetters: Alarm;
  readonly workerErrors: Alarm;
  readonly executionsFailed: Alarm;
  readonly stalledReenqueued: Alarm;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const above0 = {
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    };
    this.deadLetters = new Alarm(this, 'DeadLetters', {
      ...above0,
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'Step messages reached the dead-letter queue: a step kept failing before it could commit. Inspect and redrive them.',
    });
    this.workerErrors = new Alarm(this, 'WorkerErrors', {
      ...above0,
      metric: props.worker.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'The step worker function failed invocations (crash, timeout or out of memory).',
    });
    this.executionsFailed = new Alarm(this, 'ExecutionsFailed', {
      ...above0,
      metric: filledCount('failed', MetricName.ExecutionsFailed, 'step-worker'),
      alarmDescription:
        'Executions failed after exhausting their retries. Retry them through the API once the cause is fixed.',
    });
    this.stalledReenqueued = new Alarm(this, 'StalledReenqueued', {
      ...above0,
      metric: filledCount('stalled', MetricName.StalledReenqueued, 'sweeper'),
      alarmDescription: 'The sweeper re-enqueued stalled executions: a worker died mid-step or a message was lost.',
    });
    const alarms = [this.deadLetters, this.workerErrors, this.executionsFailed, this.stalledReenqueued];
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
    const perMinute = Duration.minutes(1);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 })],
        [
          new GraphWidget({
            title: 'Steps committed per minute',
            left: [engineMetric(MetricName.StepsCommitted, 'step-worker', 'Sum', perMinute)],
            width: 12,
          }),
          new GraphWidget({
            title: 'Step duration (ms)',
            left: [
              engineMetric(MetricName.StepDuration, 'step-worker', 'p50', perMinute),
              engineMetric(MetricName.StepDuration, 'step-worker', 'p99', perMinute),
            ],
            width: 12,
          }),
        ],
        alarms.map((alarm) => new AlarmWidget({ title: alarm.node.id, alarm, width: 6 })),
        [
          perKeyGraph('Limit slots in use, by key', MetricName.LimitSlotsInUse, 'sweeper', 'Maximum'),
          perKeyGraph('Executions waiting for a limit, by key', MetricName.LimitWaiting, 'sweeper', 'Maximum'),
          perKeyGraph('Steps throttled per minute, by key', MetricName.StepsThrottled, 'step-worker', 'Sum'),
        ],
      ],
    });
  }
}
