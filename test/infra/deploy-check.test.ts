import type { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildRuntime, buildStack, onlyResource } from './stack-fixture.js';

type Resource = { Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const CHECK_TYPE = 'Custom::LongRunningDeployCheck';

/** Every `action resource-json` pair the role's attached policies allow. */
function grants(template: Template, roleId: string): string[] {
  const pairs: string[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy')) as Resource[]) {
    if (!(policy.Properties['Roles'] as { Ref: string }[]).some((r) => r.Ref === roleId)) continue;
    for (const s of (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement) {
      expect(s.Effect).toBe('Allow');
      for (const a of [s.Action].flat()) for (const r of [s.Resource].flat()) pairs.push(`${a} ${JSON.stringify(r)}`);
    }
  }
  return pairs.sort();
}

/** The deploy check's custom resource, its function and the function's role. */
function check(template: Template) {
  const [resourceId, resource] = onlyResource(template, CHECK_TYPE);
  const fnId = (resource.Properties['ServiceToken'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] ?? '';
  const fn = (template.findResources('AWS::Lambda::Function') as Record<string, Resource>)[fnId];
  const roleId = (fn?.Properties['Role'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] ?? '';
  return { resourceId, resource, fnId, fn, roleId };
}

describe('the deploy check (checkDeploy)', () => {
  it('is absent by default', () => {
    const { template } = buildStack();
    expect(Object.keys(template.findResources(CHECK_TYPE))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(3);
  });

  it('is a custom resource keyed on its bundle, which the engine functions wait for', () => {
    const { template } = buildStack({ checkDeploy: true });
    const { resourceId, resource, fnId, fn } = check(template);
    const hash = resource.Properties['WorkflowsBundleHash'];
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect((fn?.Properties['Code'] as { S3Key: string }).S3Key).toBe(`${String(hash)}.zip`);
    const env = (fn?.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(env['DEPLOY_CHECK_BUNDLE_HASH']).toBe(hash);
    expect(env['TABLE_NAME']).toEqual({ Ref: onlyResource(template, 'AWS::DynamoDB::Table')[0] });
    const engine = Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter(
      ([id]) => id !== fnId,
    );
    expect(engine).toHaveLength(3);
    for (const [, other] of engine) expect(other.DependsOn).toContain(resourceId);
  });

  it('may only read the table and its byState index: no write, no queue', () => {
    const { template } = buildStack({ checkDeploy: true });
    const { roleId, fn } = check(template);
    const [tableId] = onlyResource(template, 'AWS::DynamoDB::Table');
    const table = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const logGroup = {
      'Fn::GetAtt': [(fn?.Properties['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref, 'Arn'],
    };
    expect(grants(template, roleId)).toEqual(
      [
        ...['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'].map((a) => `${a} ${JSON.stringify(table)}`),
        `dynamodb:Query ${JSON.stringify({ 'Fn::Join': ['', [table, '/index/byState']] })}`,
        ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((a) => `${a} ${JSON.stringify(logGroup)}`),
      ].sort(),
    );
  });

  it('may only decrypt with a customer managed table key', () => {
    const { template } = buildRuntime((s) => ({
      checkDeploy: true,
      tableEncryptionKey: new Key(s, 'TableKey', { enableKeyRotation: true }),
    }));
    const kms = grants(template, check(template).roleId).filter((g) => g.startsWith('kms:'));
    expect(kms.map((g) => g.split(' ')[0])).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    const { stack } = buildRuntime(() => ({ checkDeploy: true }));
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(
      report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName}: ${r.constructPath}`)),
    ).toEqual([]);
  });

  it('refuses a checkDeploy that is not a boolean', () => {
    expect(() => buildStack({ checkDeploy: 'yes' as unknown as boolean })).toThrow(
      /LongRunningWorkflows: checkDeploy must be true or false, got "yes"/,
    );
  });
});
