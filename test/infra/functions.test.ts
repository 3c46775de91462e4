import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, onlyResource, type StackFixture } from './stack-fixture.js';

type Resource = { Properties: Record<string, unknown> };

/** The functions by logical id, and which is which (the worker is the mapping's target, the sweeper the rule's). */
function functions(f: StackFixture): { all: [string, Resource][]; workerId: string; sweeperId: string; apiId: string } {
  const all = Object.entries(f.template.findResources('AWS::Lambda::Function')) as [string, Resource][];
  const [, mapping] = onlyResource(f.template, 'AWS::Lambda::EventSourceMapping');
  const workerId = (mapping.Properties['FunctionName'] as { Ref: string }).Ref;
  const [, rule] = onlyResource(f.template, 'AWS::Events::Rule');
  const target = (rule.Properties['Targets'] as { Arn: { 'Fn::GetAtt': [string, string] } }[])[0];
  const sweeperId = target?.Arn['Fn::GetAtt'][0] ?? '';
  const apiId = all.map(([id]) => id).find((id) => id !== workerId && id !== sweeperId) ?? '';
  return { all, workerId, sweeperId, apiId };
}

describe('the functions', () => {
  let f: StackFixture;
  beforeAll(() => {
    f = buildStack({ environment: { AGENT_STEP_MS: '250' } });
  });

  it('are three: the step worker, the sweeper and the API', () => {
    const fns = functions(f);
    expect(fns.all).toHaveLength(3);
    expect(new Set([fns.workerId, fns.sweeperId, fns.apiId]).size).toBe(3);
  });

  it('run on Node.js 22 on arm64, as ESM bundles with an index.handler, with no physical names', () => {
    for (const [, fn] of functions(f).all) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(fn.Properties['FunctionName']).toBeUndefined();
    }
  });

  it('log JSON into a log group of their own that keeps logs for a month by default', () => {
    const groups = f.template.findResources('AWS::Logs::LogGroup');
    const used = new Set<string>();
    for (const [, fn] of functions(f).all) {
      const config = fn.Properties['LoggingConfig'] as { LogFormat: string; LogGroup: { Ref: string } };
      expect(config.LogFormat).toBe('JSON');
      const group = groups[config.LogGroup.Ref] as Resource | undefined;
      expect(group?.Properties).toMatchObject({ RetentionInDays: 30 });
      used.add(config.LogGroup.Ref);
    }
    expect(used.size).toBe(3);
  });

  it('get the table, queue and state bucket names, the log settings and the user environment; the worker and API the callback secret', () => {
    const [tableId] = onlyResource(f.template, 'AWS::DynamoDB::Table');
    const [secretId] = onlyResource(f.template, 'AWS::SecretsManager::Secret');
    const [bucketId] = onlyResource(f.template, 'AWS::S3::Bucket');
    const stepQueue = Object.entries(f.template.findResources('AWS::SQS::Queue')).find(
      ([, r]) => (r as Resource).Properties['RedrivePolicy'] !== undefined,
    );
    const fns = functions(f);
    for (const [id, fn] of fns.all) {
      expect((fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables).toEqual({
        TABLE_NAME: { Ref: tableId },
        QUEUE_URL: { Ref: stepQueue?.[0] },
        STATE_BUCKET: { Ref: bucketId },
        LOG_LEVEL: 'INFO',
        LOG_STATE: 'false',
        AGENT_STEP_MS: '250',
        ...(id === fns.sweeperId ? {} : { CALLBACK_SECRET_ARN: { Ref: secretId } }),
      });
    }
  });

  it('generate the callback secret at deploy time, never in the template', () => {
    const [, secret] = onlyResource(f.template, 'AWS::SecretsManager::Secret');
    expect(secret.Properties).toMatchObject({
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
    });
    expect(secret.Properties['SecretString']).toBeUndefined();
  });

  it('give the worker and the sweeper 60 s and the API 29 s by default, and no tracing', () => {
    const fns = functions(f);
    const timeout = (id: string): unknown => fns.all.find(([fid]) => fid === id)?.[1].Properties['Timeout'];
    expect([timeout(fns.workerId), timeout(fns.sweeperId), timeout(fns.apiId)]).toEqual([60, 60, 29]);
    for (const [, fn] of fns.all) expect(fn.Properties['TracingConfig']).toBeUndefined();
  });

  it('feed the worker from the step queue, reporting failed batch items, 10 at a time, at most 10 at once', () => {
    const fns = functions(f);
    const stepQueue = Object.entries(f.template.findResources('AWS::SQS::Queue')).find(
      ([, r]) => (r as Resource).Properties['RedrivePolicy'] !== undefined,
    );
    f.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fns.workerId },
      EventSourceArn: { 'Fn::GetAtt': [stepQueue?.[0], 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('run the sweeper every minute by default', () => {
    f.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functions(f).sweeperId, 'Arn'] } })],
    });
    f.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [functions(f).sweeperId, 'Arn'] },
    });
  });
});

describe('the function settings', () => {
  let f: StackFixture;
  beforeAll(() => {
    f = buildStack({
      batchSize: 5,
      maxConcurrency: 50,
      sweepSchedule: Schedule.rate(Duration.minutes(5)),
      workerTimeout: Duration.minutes(3),
      memorySize: 1024,
      tracing: true,
      sourceMaps: true,
      logRetention: RetentionDays.ONE_WEEK,
      logLevel: 'DEBUG',
      logState: true,
      runtime: {
        lease: Duration.seconds(90),
        maxRetries: 5,
        stallAfter: Duration.minutes(10),
        sweepLimit: 50,
        throttleMaxDelay: Duration.seconds(10),
      },
    });
  });

  it('pass the batch size, concurrency and schedule to the event source and the rule', () => {
    f.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    f.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it('pass the step protocol settings to every function as environment variables', () => {
    for (const [, fn] of functions(f).all) {
      expect(fn.Properties).toMatchObject({
        MemorySize: 1024,
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: expect.objectContaining({
            LEASE_SECONDS: '90',
            MAX_RETRIES: '5',
            STALL_AFTER_SECONDS: '600',
            SWEEP_LIMIT: '50',
            THROTTLE_MAX_DELAY_SECONDS: '10',
            LOG_LEVEL: 'DEBUG',
            LOG_STATE: 'true',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
    }
    const fns = functions(f);
    expect(fns.all.find(([id]) => id === fns.workerId)?.[1].Properties['Timeout']).toBe(180);
    for (const group of Object.values(f.template.findResources('AWS::Logs::LogGroup'))) {
      expect((group as Resource).Properties['RetentionInDays']).toBe(7);
    }
  });
});
