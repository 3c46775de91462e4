import { Match } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIMIT_KEY_DIMENSION, METRICS_NAMESPACE, MetricName } from '../../functions/shared/metrics.js';
import { buildRuntime, buildStack, onlyResource, type StackFixture } from './stack-fixture.js';

type Resource = { Properties: Record<string, unknown> };

const alarms = (f: { template: StackFixture['template'] }): Resource[] =>
  Object.values(f.template.findResources('AWS::CloudWatch::Alarm')) as Resource[];

/** An alarm on `FILL(m, 0)` of one engine metric, summed over 5 minutes, > 0. */
function engineAlarm(name: string, service: string) {
  return {
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 0,
    EvaluationPeriods: 1,
    Metrics: Match.arrayWith([
      Match.objectLike({ Expression: Match.stringLikeRegexp('^FILL\\(\\w+, 0\\)$'), ReturnData: true }),
      Match.objectLike({
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: METRICS_NAMESPACE, MetricName: name, Dimensions: [{ Name: 'service', Value: service }] },
          Period: 300,
          Stat: 'Sum',
        },
      }),
    ]),
  };
}

describe('the alarms', () => {
  let f: StackFixture;
  beforeAll(() => {
    f = buildStack();
  });

  it('fire when a step message reaches the dead-letter queue', () => {
    const dlqId = Object.entries(f.template.findResources('AWS::SQS::Queue')).find(
      ([, r]) => (r as Resource).Properties['RedrivePolicy'] === undefined,
    )?.[0];
    f.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('fire when the step worker has invocation errors', () => {
    const [, mapping] = onlyResource(f.template, 'AWS::Lambda::EventSourceMapping');
    f.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: mapping.Properties['FunctionName'] }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('fire when an execution fails and when the sweeper re-enqueues stalled executions, from the engine metrics', () => {
    f.template.hasResourceProperties('AWS::CloudWatch::Alarm', engineAlarm(MetricName.ExecutionsFailed, 'step-worker'));
    f.template.hasResourceProperties('AWS::CloudWatch::Alarm', engineAlarm(MetricName.StalledReenqueued, 'sweeper'));
  });

  it('are four, with descriptions, no physical names and no actions without a topic', () => {
    expect(alarms(f)).toHaveLength(4);
    for (const alarm of alarms(f)) {
      expect(alarm.Properties['AlarmDescription']).toEqual(expect.any(String));
      expect(alarm.Properties['AlarmName']).toBeUndefined();
      expect(alarm.Properties['AlarmActions']).toBeUndefined();
    }
  });

  it('are on a dashboard with the steps committed per minute and the step duration p50 and p99', () => {
    const [, dashboard] = onlyResource(f.template, 'AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties['DashboardName']).toBeUndefined();
    const body = JSON.stringify(dashboard.Properties['DashboardBody']);
    expect(body).toContain(
      `[\\"${METRICS_NAMESPACE}\\",\\"${MetricName.StepsCommitted}\\",\\"service\\",\\"step-worker\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}]`,
    );
    expect(body).toContain(
      `\\"${MetricName.StepDuration}\\",\\"service\\",\\"step-worker\\",{\\"period\\":60,\\"stat\\":\\"p50\\"}`,
    );
    expect(body).toContain(
      `\\"${MetricName.StepDuration}\\",\\"service\\",\\"step-worker\\",{\\"period\\":60,\\"stat\\":\\"p99\\"}`,
    );
    for (const id of Object.keys(f.template.findResources('AWS::CloudWatch::Alarm'))) expect(body).toContain(id);
  });

  it('show one line per limit key: slots in use and executions waiting from the sweeper, throttles from the worker', () => {
    const [, dashboard] = onlyResource(f.template, 'AWS::CloudWatch::Dashboard');
    // The body is a Fn::Join of text and references (region, alarm ARNs) that sit inside its JSON strings.
    const parts = (dashboard.Properties['DashboardBody'] as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'ref')).join('')) as {
      widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
    };
    const searches = Object.fromEntries(
      body.widgets
        .filter((w) => w.properties.title?.endsWith(', by key'))
        .map((w) => [w.properties.title, (w.properties.metrics?.[0]?.[0] as { expression: string }).expression]),
    );
    const schema = `{${METRICS_NAMESPACE},${LIMIT_KEY_DIMENSION},service}`;
    expect(searches).toEqual({
      'Limit slots in use, by key': `SEARCH('${schema} MetricName="${MetricName.LimitSlotsInUse}" service="sweeper"', 'Maximum', 60)`,
      'Executions waiting for a limit, by key': `SEARCH('${schema} MetricName="${MetricName.LimitWaiting}" service="sweeper"', 'Maximum', 60)`,
      'Steps throttled per minute, by key': `SEARCH('${schema} MetricName="${MetricName.StepsThrottled}" service="step-worker"', 'Sum', 60)`,
    });
  });
});

describe('the alarms with an SNS topic', () => {
  it('notify the topic when they fire and when they recover', () => {
    const f = buildRuntime((stack) => ({ alarmTopic: new Topic(stack, 'Ops', { enforceSSL: true }) }));
    const [topicId] = onlyResource(f.template, 'AWS::SNS::Topic');
    expect(alarms(f)).toHaveLength(4);
    for (const alarm of alarms(f)) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }] });
    }
  });
});
