import { CustomResource, Duration, Token } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction, Function } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE_HASH_PROPERTY } from '../functions/deploy-check/deploy-check-handler.js';
import { HandlerFunction } from './handler-function.js';
import { grantDeployCheckRead } from './handler-permissions.js';

/** Settings of {@link DeployCheck}. */
export interface DeployCheckProps {
  table: Table;
  tableKey: IKey | undefined;
  /** Absolute path of the workflows module: the same one the worker bundles. */
  workflowsModule: string;
  /** Variables the workflows module may read at load (the construct's `environment`). */
  environment: Record<string, string>;
  memorySize: number;
  logRetention: RetentionDays;
  sourceMaps: boolean;
}

/** How long the check may take to list every unfinished execution. */
const CHECK_TIMEOUT = Duration.minutes(5);

/**
 * The optional deploy check (the `checkDeploy` prop): a Lambda-backed custom
 * resource whose function bundles the workflows module about to be deployed and
 * reads the table (never writes). On every deploy that changes that bundle (so
 * every change of a step list) it lists the running, waiting and paused executions
 * and fails when one would be stranded; the construct makes the three engine
 * functions depend on it, so a failed check rolls the update back before they get
 * the new code.
 */
export class DeployCheck extends Construct {
  readonly function: Function;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DeployCheckProps) {
    super(scope, id);
    const fn = new HandlerFunction(this, 'Handler', {
      name: 'deploy-check',
      description: 'Fails a deploy whose workflows would strand unfinished executions',
      timeout: CHECK_TIMEOUT,
      memorySize: props.memorySize,
      environment: { ...props.environment, TABLE_NAME: props.table.tableName },
      logRetention: props.logRetention,
      tracing: false,
      sourceMaps: props.sourceMaps,
      workflowsModule: props.workflowsModule,
    });
    grantDeployCheckRead(fn.role, props.table, props.tableKey);
    this.function = fn.function;
    const bundleHash = bundleHashOf(fn.function);
    // The function knows which bundle it runs: a request for another (a rollback) is not checked.
    fn.function.addEnvironment('DEPLOY_CHECK_BUNDLE_HASH', bundleHash);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: fn.function.functionArn,
      resourceType: 'Custom::LongRunningDeployCheck',
      // The bundle holds the workflows module, so its hash changes with every step list (and any code).
      properties: { [BUNDLE_HASH_PROPERTY]: bundleHash },
    });
    // CloudFormation invokes the function only once its role may read the table.
    this.resource.node.addDependency(fn.role);
  }
}

/** The S3 key of the function's code asset: the hash of the bundle esbuild made. */
function bundleHashOf(fn: Function): string {
  const code = (fn.node.defaultChild as CfnFunction).code as CfnFunction.CodeProperty;
  const key = code.s3Key;
  if (typeof key !== 'string') throw new Error("LongRunningWorkflows: the deploy check's code has no asset key");
  // A synthesizer that passes asset keys as parameters gives a token: the same value for both uses.
  return Token.isUnresolved(key) ? key : key.replace(/\.zip$/, '');
}
