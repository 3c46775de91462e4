import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { buildRuntime, buildStack } from './stack-fixture.js';

/** Every rule acknowledged anywhere in the tree, with its reason. */
function acknowledgements(root: IConstruct): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (node: IConstruct): void => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
        found.set(id.replace(/^annotation::/i, ''), reason);
    }
    for (const child of node.node.children) visit(child);
  };
  visit(root);
  return found;
}

/** The unacknowledged AwsSolutions findings, as `rule: construct path` lines. */
function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName}: ${r.constructPath ?? '?'} (${v.description})`),
  );
}

describe('cdk-nag AwsSolutions checks', () => {
  it('find nothing unacknowledged in the app stack, whose templates also pass CloudFormation validation', () => {
    // Synthesizing with the built-in validation on fails on any CloudFormation finding, as `cdk synth` does.
    const { stack } = buildStack({}, { validateTemplates: true });
    expect(findings(stack)).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('acknowledge only the by-design rules, each with a reason', () => {
    const { stack } = buildStack();
    const acks = acknowledgements(stack);
    expect([...acks.keys()].sort()).toEqual([
      'AwsSolutions-APIG4',
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<RuntimeStates\w+\.Arn>\/executions\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<RuntimeStates\w+\.Arn>\/uploads\/\*\]$/),
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
    ]);
    expect(acks.get('AwsSolutions-S1')).toMatch(/CloudTrail/);
    expect(acks.get('AwsSolutions-L1')).toMatch(/Node\.js 22/);
    expect(acks.get('AwsSolutions-APIG4')).toMatch(/callback token in the path is the credential/);
    expect(acks.get('AwsSolutions-SMG4')).toMatch(/previous version keep verifying/);
    const uploads = [...acks.entries()].find(([id]) => id.endsWith('/uploads/*]'));
    expect(uploads?.[1]).toMatch(/random upload id/);
  });

  it('find nothing unacknowledged with tracing, a JWT authorizer, a customer managed key and an alarm topic', () => {
    const { stack } = buildRuntime((s) => ({
      tracing: true,
      jwtAuthorizer: { issuer: 'https://issuer.example', audience: ['app'] },
      tableEncryptionKey: new Key(s, 'TableKey', { enableKeyRotation: true }),
      alarmTopic: new Topic(s, 'Ops', {
        enforceSSL: true,
        masterKey: new Key(s, 'TopicKey', { enableKeyRotation: true }),
      }),
    }));
    expect(findings(stack)).toEqual([]);
  });

  it('find nothing unacknowledged in a bare construct: it acknowledges its own by-design findings', () => {
    const { stack, runtime } = buildRuntime(() => ({}));
    expect(findings(stack)).toEqual([]);
    for (const fn of Object.values(runtime.functions)) {
      expect([...acknowledgements(fn).keys()]).toEqual(['AwsSolutions-L1']);
    }
  });

  it('acknowledge nothing beyond the construct: a function of the app on an old runtime is still reported', () => {
    const { stack } = buildRuntime((s) => {
      new LambdaFunction(s, 'AppFunction', {
        runtime: Runtime.NODEJS_18_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = async () => 1;'),
      });
      return {};
    });
    const reported = findings(stack);
    expect(reported.filter((f) => f.startsWith('AwsSolutions-L1:'))).toEqual([
      expect.stringContaining('Custom/AppFunction'),
    ]);
  });
});
