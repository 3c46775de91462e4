import { Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { LongRunningWorkflows } from './longrunning-workflows.js';

/**
 * Acknowledges the cdk-nag AwsSolutions findings the runtime has by design, each with
 * its reason. Everything else must pass: the app's synth fails on any other finding.
 */
export function suppressKnownNagFindings(runtime: LongRunningWorkflows): void {
  for (const fn of Object.values(runtime.functions)) {
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
