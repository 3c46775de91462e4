import { Validations } from 'aws-cdk-lib';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';

/**
 * Acknowledges, on the construct's own functions and roles only, the cdk-nag
 * AwsSolutions findings the runtime has by design, each with its reason (CDK's
 * Validations, which cdk-nag 3 reports through). Everything else must pass: an app
 * that adds cdk-nag fails its synth on any other finding.
 */
export function acknowledgeNagFindings(functions: Iterable<IFunction>): void {
  for (const fn of functions) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The functions are built (esbuild target node22) and tested for Node.js 22, a supported Lambda runtime; ' +
        'moving to a newer runtime is a deliberate change made together with the build target and the tests.',
    });
    const tracing = (fn.node.defaultChild as CfnFunction).tracingConfig as
      CfnFunction.TracingConfigProperty | undefined;
    if (tracing?.mode === 'Active' && fn.role) {
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only xray:PutTraceSegments and xray:PutTelemetryRecords, added by Lambda active tracing: ' +
          'X-Ray does not support resource-level permissions for them (Resource must be "*").',
      });
    }
  }
}
