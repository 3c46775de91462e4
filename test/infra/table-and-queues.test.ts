import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { stepQueueSchema } from '../../lib/aws/schema/queue-schema.js';
import { keyAttributes, tableSchema } from '../../lib/aws/schema/table-schema.js';
import { buildRuntime, buildStack, onlyResource, type StackFixture } from './stack-fixture.js';

const byName =
  <T extends Record<string, unknown>>(key: string) =>
  (a: T, b: T) =>
    String(a[key]).localeCompare(String(b[key]));

/** The step queue is the one with a redrive policy; the dead-letter queue the other. */
function queues(f: StackFixture): {
  stepId: string;
  step: Record<string, unknown>;
  dlqId: string;
  dlq: Record<string, unknown>;
} {
  const all = Object.entries(f.template.findResources('AWS::SQS::Queue'));
  const step = all.filter(
    ([, r]) => (r as { Properties: Record<string, unknown> }).Properties['RedrivePolicy'] !== undefined,
  );
  const dlq = all.filter(
    ([, r]) => (r as { Properties: Record<string, unknown> }).Properties['RedrivePolicy'] === undefined,
  );
  expect(step).toHaveLength(1);
  expect(dlq).toHaveLength(1);
  return {
    stepId: step[0]![0],
    step: (step[0]![1] as { Properties: Record<string, unknown> }).Properties,
    dlqId: dlq[0]![0],
    dlq: (dlq[0]![1] as { Properties: Record<string, unknown> }).Properties,
  };
}

/** The Timeout of the function the SQS event source mapping invokes. */
function workerTimeout(f: StackFixture): number {
  const [, mapping] = onlyResource(f.template, 'AWS::Lambda::EventSourceMapping');
  const ref = (mapping.Properties['FunctionName'] as { Ref: string }).Ref;
  const resources = f.template.toJSON()['Resources'] as Record<string, { Properties: { Timeout: number } }>;
  return resources[ref]?.Properties.Timeout ?? 0;
}

describe('the executions table', () => {
  let f: StackFixture;
  beforeAll(() => {
    f = buildStack();
  });

  it('declares the keys, key attributes and indexes of lib/aws tableSchema', () => {
    const [, table] = onlyResource(f.template, 'AWS::DynamoDB::Table');
    const p = table.Properties;
    expect(p['KeySchema']).toEqual([
      { AttributeName: tableSchema.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: tableSchema.sortKey.name, KeyType: 'RANGE' },
    ]);
    const expectedAttributes = keyAttributes().map((a) => ({ AttributeName: a.name, AttributeType: a.type }));
    expect([...(p['AttributeDefinitions'] as Record<string, unknown>[])].sort(byName('AttributeName'))).toEqual(
      expectedAttributes.sort(byName('AttributeName')),
    );
    const expectedIndexes = tableSchema.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    }));
    expect([...(p['GlobalSecondaryIndexes'] as Record<string, unknown>[])].sort(byName('IndexName'))).toEqual(
      expectedIndexes.sort(byName('IndexName')),
    );
  });

  it('bills on demand, keeps point-in-time recovery on and encrypts with the AWS managed key', () => {
    f.template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
    });
  });

  it('expires items by the TTL attribute of the schema', () => {
    f.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: tableSchema.timeToLiveAttribute, Enabled: true },
    });
  });

  it('retains the table and protects it from deletion by default, with no physical name', () => {
    f.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true, TableName: Match.absent() }),
    });
  });
});

describe('the step queues', () => {
  let f: StackFixture;
  beforeAll(() => {
    f = buildStack();
  });

  it('redrives a step message to the dead-letter queue after stepQueueSchema.maxReceiveCount receives', () => {
    const q = queues(f);
    expect(q.step['RedrivePolicy']).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [q.dlqId, 'Arn'] },
      maxReceiveCount: stepQueueSchema.maxReceiveCount,
    });
  });

  it('encrypts both queues with SSE-SQS and keeps messages as long as the schema says, with no physical names', () => {
    const q = queues(f);
    expect(q.step).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: stepQueueSchema.retentionSeconds,
    });
    expect(q.dlq).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: stepQueueSchema.deadLetterRetentionSeconds,
    });
    expect(q.step['QueueName']).toBeUndefined();
    expect(q.dlq['QueueName']).toBeUndefined();
  });

  it('hides a received step message for at least six times the worker timeout', () => {
    const visibility = queues(f).step['VisibilityTimeout'] as number;
    const timeout = workerTimeout(f);
    expect(timeout).toBeGreaterThan(0);
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    expect(visibility).toBe(stepQueueSchema.visibilityTimeoutSeconds);
  });

  it('denies every request to either queue that is not made over TLS', () => {
    const q = queues(f);
    for (const id of [q.stepId, q.dlqId]) {
      f.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('raises the visibility timeout with a longer worker timeout and takes maxReceiveCount from props', () => {
    const custom = buildStack({ workerTimeout: Duration.minutes(2), maxReceiveCount: 3 });
    const q = queues(custom);
    expect(workerTimeout(custom)).toBe(120);
    expect(q.step['VisibilityTimeout']).toBe(720);
    expect((q.step['RedrivePolicy'] as { maxReceiveCount: number }).maxReceiveCount).toBe(3);
  });
});

describe('a customer managed table key', () => {
  it('encrypts the table with the key when one is given', () => {
    const { template } = buildRuntime((stack) => ({
      tableEncryptionKey: new Key(stack, 'TableKey', { enableKeyRotation: true }),
    }));
    const [keyId] = onlyResource(template, 'AWS::KMS::Key');
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
  });
});

describe('the state bucket', () => {
  let f: StackFixture;
  beforeAll(() => {
    f = buildStack();
  });

  it('is private, encrypted with S3 managed keys, unversioned, and retained by default', () => {
    const [id, bucket] = onlyResource(f.template, 'AWS::S3::Bucket');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    expect(bucket.Properties['VersioningConfiguration']).toBeUndefined();
    expect(bucket.Properties['BucketName']).toBeUndefined();
    expect((f.template.toJSON()['Resources'] as Record<string, { DeletionPolicy?: string }>)[id]?.DeletionPolicy).toBe(
      'Retain',
    );
  });

  it('denies every request that is not made over TLS', () => {
    const [id] = onlyResource(f.template, 'AWS::S3::Bucket');
    f.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('aborts unfinished uploads after a day, expires input uploads after a day and states only with a retention', () => {
    const inputUploads = { Id: 'input-uploads', Prefix: 'uploads/', ExpirationInDays: 1, Status: 'Enabled' };
    const [, bucket] = onlyResource(f.template, 'AWS::S3::Bucket');
    expect(bucket.Properties['LifecycleConfiguration']).toEqual({
      Rules: [
        { Id: 'state-objects', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
        inputUploads,
      ],
    });
    const kept = buildStack({ stateRetention: Duration.days(90) });
    const [, withRetention] = onlyResource(kept.template, 'AWS::S3::Bucket');
    expect(withRetention.Properties['LifecycleConfiguration']).toEqual({
      Rules: [
        {
          Id: 'state-objects',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          ExpirationInDays: 90,
          Status: 'Enabled',
        },
        inputUploads,
      ],
    });
  });

  it('lets the API list only the state prefix', () => {
    f.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['executions/*'] } } }),
        ]),
      },
    });
  });

  it('grants input uploads (uploads/*) to the API role only', () => {
    const policies = f.template.findResources('AWS::IAM::Policy') as Record<
      string,
      { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Resource: unknown }[] } } }
    >;
    const onUploads = Object.values(policies).filter((p) =>
      p.Properties.PolicyDocument.Statement.some((s) => JSON.stringify(s.Resource).includes('/uploads/*')),
    );
    expect(onUploads).toHaveLength(1);
    const roles = onUploads.flatMap((p) => p.Properties.Roles.map((r) => r.Ref));
    expect(roles).toHaveLength(1);
    expect(roles[0]).toMatch(/Api/);
  });

  it('passes the large-state settings to the functions, checked at synth', () => {
    const custom = buildStack({ runtime: { largeStateThresholdBytes: 4096, maxStateBytes: 10_000_000 } });
    custom.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ LARGE_STATE_THRESHOLD_BYTES: '4096', MAX_STATE_BYTES: '10000000' }),
      },
    });
    expect(() => buildStack({ runtime: { largeStateThresholdBytes: 500 * 1024 } })).toThrow(
      /LARGE_STATE_THRESHOLD_BYTES must be a whole number from 0 to 358400/,
    );
    expect(() => buildStack({ stateRetention: Duration.hours(1) })).toThrow(/stateRetention must be from 86400/);
  });
});

describe('a customer managed table key and the state bucket', () => {
  it('encrypts the bucket with the same key', () => {
    const { template } = buildRuntime((stack) => ({
      tableEncryptionKey: new Key(stack, 'TableKey', { enableKeyRotation: true }),
    }));
    const [keyId] = onlyResource(template, 'AWS::KMS::Key');
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
            BucketKeyEnabled: true,
          },
        ],
      },
    });
  });
});
