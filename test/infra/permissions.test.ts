import { Key } from 'aws-cdk-lib/aws-kms';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { IndexNames } from '../../lib/aws/schema/table-schema.js';
import { LIMITS_PK } from '../../lib/aws/dynamodb-limiter.js';
import { buildRuntime, buildStack, onlyResource, type StackFixture } from './stack-fixture.js';

type Resource = { Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/**
 * Every (action, resource) an IAM role may use, read from the policies attached to it,
 * as `action resource-json` strings. Statements may be merged by CDK in any grouping;
 * the pairs are what count.
 */
function grants(template: Template, roleId: string): string[] {
  const pairs: string[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy')) as Resource[]) {
    const roles = policy.Properties['Roles'] as { Ref: string }[];
    if (!roles.some((r) => r.Ref === roleId)) continue;
    for (const s of (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement) {
      expect(s.Effect).toBe('Allow');
      const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      for (const a of actions) for (const r of resources) pairs.push(`${a} ${JSON.stringify(r)}`);
    }
  }
  return pairs.sort();
}

/** The statements of the policies attached to `roleId`. */
function statementsOf(template: Template, roleId: string): Statement[] {
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((policy) => (policy.Properties['Roles'] as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((policy) => (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

const pairs = (actions: string[], resource: unknown): string[] =>
  actions.map((a) => `${a} ${JSON.stringify(resource)}`);

/** Logical ids of each function's role and log group, and of the table and step queue. */
function ids(f: { template: Template }) {
  const [tableId] = onlyResource(f.template, 'AWS::DynamoDB::Table');
  const queueId = Object.entries(f.template.findResources('AWS::SQS::Queue')).find(
    ([, r]) => (r as Resource).Properties['RedrivePolicy'] !== undefined,
  )?.[0];
  const [, mapping] = onlyResource(f.template, 'AWS::Lambda::EventSourceMapping');
  const workerFn = (mapping.Properties['FunctionName'] as { Ref: string }).Ref;
  const [, rule] = onlyResource(f.template, 'AWS::Events::Rule');
  const sweeperFn = (rule.Properties['Targets'] as { Arn: { 'Fn::GetAtt': string[] } }[])[0]?.Arn['Fn::GetAtt'][0];
  const fns = f.template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  const apiFn = Object.keys(fns).find((id) => id !== workerFn && id !== sweeperFn);
  const of = (fnId: string | undefined) => {
    const p = fns[fnId ?? '']?.Properties ?? {};
    return {
      role: (p['Role'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] ?? '',
      logGroup: (p['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref,
    };
  };
  const [secretId] = onlyResource(f.template, 'AWS::SecretsManager::Secret');
  const [bucketId] = onlyResource(f.template, 'AWS::S3::Bucket');
  return { tableId, queueId, secretId, bucketId, worker: of(workerFn), sweeper: of(sweeperFn), api: of(apiFn) };
}

describe('the function roles', () => {
  let f: StackFixture;
  let x: ReturnType<typeof ids>;
  const table = () => ({ 'Fn::GetAtt': [x.tableId, 'Arn'] });
  const index = (name: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [x.tableId, 'Arn'] }, `/index/${name}`]] });
  const queue = () => ({ 'Fn::GetAtt': [x.queueId, 'Arn'] });
  const secret = () => pairs(['secretsmanager:GetSecretValue'], { Ref: x.secretId });
  const states = (actions: string[]) =>
    pairs(actions, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [x.bucketId, 'Arn'] }, '/executions/*']] });
  const uploads = (actions: string[]) =>
    pairs(actions, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [x.bucketId, 'Arn'] }, '/uploads/*']] });
  const logs = (logGroupId: string) =>
    pairs(['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': [logGroupId, 'Arn'] });

  beforeAll(() => {
    f = buildStack();
    x = ids(f);
  });

  it('let the worker claim, commit and read heads, list them for bulk jobs, read and write state objects, send and consume step messages, read the callback secret, and write its logs: nothing else', () => {
    expect(grants(f.template, x.worker.role)).toEqual(
      [
        ...pairs(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], table()),
        ...pairs(['dynamodb:Query'], index(IndexNames.byWorkflow)),
        ...pairs(['dynamodb:Query'], index(IndexNames.byState)),
        ...pairs(
          [
            'sqs:SendMessage',
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueAttributes',
          ],
          queue(),
        ),
        ...states(['s3:GetObject', 's3:PutObject']),
        ...secret(),
        ...logs(x.worker.logGroup),
      ].sort(),
    );
  });

  it('let the sweeper query the active index and the limit records, read and update heads by key and send step messages: nothing else', () => {
    expect(grants(f.template, x.sweeper.role)).toEqual(
      [
        ...pairs(['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], table()),
        ...pairs(['dynamodb:Query'], table()),
        ...pairs(['dynamodb:Query'], index(IndexNames.active)),
        ...pairs(['sqs:SendMessage'], queue()),
        ...logs(x.sweeper.logGroup),
      ].sort(),
    );
  });

  it("let the sweeper query the table's LIMITS partition only", () => {
    const onTable = statementsOf(f.template, x.sweeper.role).filter(
      (s) => s.Action === 'dynamodb:Query' && JSON.stringify(s.Resource) === JSON.stringify(table()),
    );
    expect(onTable).toEqual([
      expect.objectContaining({
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [LIMITS_PK] } },
      }),
    ]);
  });

  it('let the API create, read, list, control and delete executions and their state objects, sign, read and delete input uploads, send step messages and read the callback secret: nothing else', () => {
    expect(grants(f.template, x.api.role)).toEqual(
      [
        ...pairs(
          [
            'dynamodb:BatchGetItem',
            'dynamodb:BatchWriteItem',
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
          table(),
        ),
        ...pairs(['dynamodb:Query'], index(IndexNames.byWorkflow)),
        ...pairs(['dynamodb:Query'], index(IndexNames.byState)),
        ...pairs(['sqs:SendMessage'], queue()),
        ...states(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']),
        ...uploads(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']),
        ...pairs(['s3:ListBucket'], { 'Fn::GetAtt': [x.bucketId, 'Arn'] }),
        ...secret(),
        ...logs(x.api.logGroup),
      ].sort(),
    );
  });

  it('are assumed by Lambda only and carry no managed policies', () => {
    const roles = f.template.findResources('AWS::IAM::Role') as Record<string, Resource>;
    expect(Object.keys(roles).sort()).toEqual([x.worker.role, x.sweeper.role, x.api.role].sort());
    for (const role of Object.values(roles)) {
      expect(role.Properties['ManagedPolicyArns']).toBeUndefined();
      expect(role.Properties['AssumeRolePolicyDocument']).toMatchObject({
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      });
    }
  });
});

describe('the function roles with a customer managed table key and tracing', () => {
  it('may use the key, and may write X-Ray traces', () => {
    const f = buildRuntime((stack) => ({
      tableEncryptionKey: new Key(stack, 'TableKey', { enableKeyRotation: true }),
      tracing: true,
    }));
    const x = ids(f);
    const [keyId] = onlyResource(f.template, 'AWS::KMS::Key');
    const key = { 'Fn::GetAtt': [keyId, 'Arn'] };
    const writeKey = pairs(
      ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      key,
    );
    const xray = pairs(['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], '*');
    const extra = (roleId: string): string[] =>
      grants(f.template, roleId).filter((p) => p.startsWith('kms:') || p.startsWith('xray:'));
    expect(extra(x.worker.role)).toEqual([...writeKey, ...xray].sort());
    expect(extra(x.api.role)).toEqual([...writeKey, ...xray].sort());
    expect(extra(x.sweeper.role)).toEqual([...writeKey, ...xray].sort());
  });
});
