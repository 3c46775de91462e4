import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { LongRunningWorkflows } from './longrunning-workflows.js';
import type { LongRunningWorkflowsProps } from './longrunning-workflows-props.js';

/** Properties of {@link LongRunningStack}. */
export interface LongRunningStackProps extends StackProps {
  /**
   * Settings of the runtime construct.
   * @default - the construct's defaults, with the example workflows (examples/workflows.ts)
   */
  readonly workflows?: LongRunningWorkflowsProps;
}

/**
 * The deployable app stack: the {@link LongRunningWorkflows} runtime and its outputs
 * (`ApiUrl`, `TableName`, `QueueUrl`). With no props it deploys the example workflows.
 */
export class LongRunningStack extends Stack {
  readonly runtime: LongRunningWorkflows;

  constructor(scope: Construct, id: string, props: LongRunningStackProps = {}) {
    super(scope, id, props);
    this.runtime = new LongRunningWorkflows(this, 'Runtime', props.workflows);
    if (!props.workflows?.emulatorCompat) {
      new CfnOutput(this, 'ApiUrl', {
        value: this.runtime.url,
        description: 'Base URL of the HTTP API (requests are SigV4-signed unless a JWT authorizer is set)',
      });
    }
    new CfnOutput(this, 'TableName', {
      value: this.runtime.table.tableName,
      description: 'DynamoDB table of executions and checkpoints',
    });
    new CfnOutput(this, 'QueueUrl', { value: this.runtime.queue.queueUrl, description: 'SQS step queue' });
  }
}
