import { describe, expect, it } from 'vitest';
import { cfnText } from './cfn-text.js';
import { iamSummary, type CfnTemplate } from './iam-summary.js';

const tableArn = { 'Fn::GetAtt': ['Table1', 'Arn'] };
const indexArn = { 'Fn::Join': ['', [tableArn, '/index/byState']] };
const role = {
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
    },
  },
};
const fn = { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['Role1', 'Arn'] } } };
const policy = (id: string, statements: unknown[]) => ({
  [id]: {
    Type: 'AWS::IAM::Policy',
    Properties: { Roles: [{ Ref: 'Role1' }], PolicyDocument: { Statement: statements } },
  },
});

describe('iamSummary', () => {
  it('gives the same text however the statements are merged, split or ordered', () => {
    const merged: CfnTemplate = {
      Resources: {
        Role1: role,
        Fn1: fn,
        ...policy('Policy1', [
          { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: tableArn },
          { Effect: 'Allow', Action: 'dynamodb:Query', Resource: [indexArn, tableArn] },
        ]),
      },
    };
    const split: CfnTemplate = {
      Resources: {
        ...policy('Policy2', [
          { Effect: 'Allow', Action: 'dynamodb:Query', Resource: indexArn },
          { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: tableArn },
        ]),
        ...policy('Policy1', [{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: tableArn }]),
        Fn1: fn,
        Role1: role,
      },
    };
    const text = iamSummary(merged);
    expect(iamSummary(split)).toBe(text);
    expect(text).toMatch(
      /\| `Role1` \| `lambda\.amazonaws\.com \(sts:AssumeRole\)` \| `Fn1 \(AWS::Lambda::Function\)` \| none +\|/,
    );
    expect(text).toMatch(
      /\| `Role1` \| Allow +\| `dynamodb:GetItem`, `dynamodb:PutItem`, `dynamodb:Query` \| `Table1` +\|/,
    );
    expect(text).toMatch(/\| `Role1` \| Allow +\| `dynamodb:Query` +\| `Table1\/index\/byState` \|/);
  });

  it('shows denials, NotAction, NotResource and conditions instead of leaving them out', () => {
    const text = iamSummary({
      Resources: {
        Role1: role,
        ...policy('Policy1', [
          { Effect: 'Deny', NotAction: 'sqs:SendMessage', NotResource: 'arn:aws:sqs:*:*:q' },
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:ViaService': ['dynamodb.eu-west-1.amazonaws.com', 'x'] } },
          },
        ]),
      },
    });
    expect(text).toContain('| Deny   | `NOT sqs:SendMessage` | `NOT arn:aws:sqs:*:*:q` |');
    expect(text).toContain('`StringEquals kms:ViaService = dynamodb.eu-west-1.amazonaws.com or x`');
  });

  it('refuses a resource whose policy it cannot read, rather than leaving it out', () => {
    const key = { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [] } } };
    expect(() => iamSummary({ Resources: { Role1: role, Key1: key } })).toThrow(
      'iam-summary cannot read KeyPolicy of Key1 (AWS::KMS::Key)',
    );
  });
});

describe('cfnText', () => {
  it('names references by logical id and keeps pseudo parameters and joins readable', () => {
    expect(cfnText({ Ref: 'Queue1' })).toBe('Queue1');
    expect(cfnText(tableArn)).toBe('Table1');
    expect(cfnText({ 'Fn::GetAtt': ['Queue1', 'QueueName'] })).toBe('Queue1.QueueName');
    expect(cfnText(indexArn)).toBe('Table1/index/byState');
    expect(cfnText({ 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'sqs']] })).toBe('arn:${AWS::Partition}:sqs');
    expect(cfnText({ 'Fn::Sub': ['arn:${AWS::Partition}:s3:::${B}', { B: 'x' }] })).toBe(
      'arn:${AWS::Partition}:s3:::${B}',
    );
  });
});
