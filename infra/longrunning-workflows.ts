import { randomBytes } from 'node:crypto';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { EventSourceMapping, type Function } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createExecutionTable } from './execution-table.js';
import { HandlerFunction, type HandlerName } from './handler-function.js';
import { TABLE_ACTIONS, grantHandlerPermissions, grantLimitRecordsQuery } from './handler-permissions.js';
import { createHttpApi } from './http-api.js';
import type { LongRunningWorkflowsProps } from './longrunning-workflows-props.js';
import { Monitoring } from './monitoring.js';
import { resolveProps } from './resolve-props.js';
import { createStepQueues } from './step-queues.js';
import { createStateBucket, grantStateAccess } from './state-bucket.js';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { acknowledgeNagFindings } from './nag-acknowledgements.js';
import { createCallbackSecret, grantSecretRead } from './callback-secret.js';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { DeployCheck } from './deploy-check.js';

/**
 * The serverless runtime of the engine (docs/architecture.md): one DynamoDB table, the step
 * queue and its dead-letter queue, the step worker fed by the queue, the sweeper on a
 * schedule, the HTTP API that starts and controls executions, alarms and a dashboard.
 * Every setting has a production default; see {@link LongRunningWorkflowsProps}.
 *
 * @example
 * const runtime = new LongRunningWorkflows(this, 'Runtime', {
 *   workflowsModule: 'src/my-workflows.ts', // exports deployedWorkflows()
 *   alarmTopic: opsTopic,
 * });
 * new CfnOutput(this, 'ApiUrl', { value: runtime.url });
 */
export class LongRunningWorkflows extends Construct {
  /** The executions table (heads, checkpoints, idempotency records). */
  readonly table: Table;
  /** The bucket of states too large for the table (over `runtime.largeStateThresholdBytes`). */
  readonly stateBucket: Bucket;
  /** The step queue: one message is one step attempt. */
  readonly queue: Queue;
  /** Where step messages go after `maxReceiveCount` failed receives. */
  readonly deadLetterQueue: Queue;
  /** The three functions. */
  readonly functions: {
    readonly stepWorker: Function;
    readonly sweeper: Function;
    readonly api: Function;
  };
  /** The sweeper's schedule rule. */
  readonly sweepRule: Rule;
  /** The deploy check custom resource and its function; only with `checkDeploy: true`. */
  readonly deployCheck: DeployCheck | undefined;
  readonly #httpApi: { httpApi: HttpApi; url: string } | undefined;
  readonly #monitoring: Monitoring | undefined;
  readonly #callbackSecret: Secret | undefined;

  constructor(scope: Construct, id: string, props: LongRunningWorkflowsProps = {}) {
    super(scope, id);
    const p = resolveProps(props);
    this.table = createExecutionTable(this, 'Table', {
      removalPolicy: p.removalPolicy,
      deletionProtection: p.deletionProtection,
      encryptionKey: p.tableEncryptionKey,
    });
    const { queue, deadLetterQueue } = createStepQueues(this, {
      visibilityTimeout: p.queueVisibilityTimeout,
      maxReceiveCount: p.maxReceiveCount,
    });
    this.queue = queue;
    this.deadLetterQueue = deadLetterQueue;
    this.stateBucket = createStateBucket(this, 'States', {
      removalPolicy: p.removalPolicy,
      encryptionKey: p.tableEncryptionKey,
      retention: p.stateRetention,
    });

    // moto's CloudFormation cannot create a Secrets Manager secret: on the emulator the
    // functions get a value generated at synth instead (emulatorCompat is never for AWS).
    const secret = p.emulatorCompat ? undefined : createCallbackSecret(this);
    this.#callbackSecret = secret;
    const callbackEnv: Record<string, string> = secret
      ? { CALLBACK_SECRET_ARN: secret.secretArn }
      : { LONGRUNNING_CALLBACK_SECRET: randomBytes(32).toString('base64url') };
    const environment = {
      ...p.environment,
      TABLE_NAME: this.table.tableName,
      QUEUE_URL: queue.queueUrl,
      STATE_BUCKET: this.stateBucket.bucketName,
    };
    const handler = (
      name: HandlerName,
      constructId: string,
      description: string,
      timeout = p.workerTimeout,
    ): HandlerFunction => {
      const fn = new HandlerFunction(this, constructId, {
        name,
        description,
        timeout,
        memorySize: p.memorySize,
        // The worker signs callback tokens, the API verifies them; the sweeper needs neither.
        environment: name === 'sweeper' ? environment : { ...environment, ...callbackEnv },
        logRetention: p.logRetention,
        tracing: p.tracing,
        sourceMaps: p.sourceMaps,
        workflowsModule: p.workflowsModule,
      });
      grantHandlerPermissions({
        role: fn.role,
        access: TABLE_ACTIONS[name],
        table: this.table,
        tableKey: p.tableEncryptionKey,
        queue,
        consumesQueue: name === 'step-worker',
      });
      grantStateAccess(fn.role, name, this.stateBucket);
      if (secret && name !== 'sweeper') grantSecretRead(fn.role, secret);
      return fn;
    };
    const worker = handler('step-worker', 'StepWorker', 'Runs one step per SQS message and enqueues the next');
    const stepWorker = worker.function;
    const sweeperHandler = handler('sweeper', 'Sweeper', 'Re-enqueues stalled executions', p.sweeperTimeout);
    grantLimitRecordsQuery(sweeperHandler.role, this.table);
    const sweeper = sweeperHandler.function;
    const api = handler('api', 'Api', 'HTTP API: starts and controls executions', p.apiTimeout).function;
    this.functions = { stepWorker, sweeper, api };
    acknowledgeNagFindings([stepWorker, sweeper, api]);

    this.deployCheck = p.checkDeploy
      ? new DeployCheck(this, 'DeployCheck', {
          table: this.table,
          tableKey: p.tableEncryptionKey,
          workflowsModule: p.workflowsModule,
          environment: p.environment,
          memorySize: p.memorySize,
          logRetention: p.logRetention,
          sourceMaps: p.sourceMaps,
        })
      : undefined;
    if (this.deployCheck) {
      acknowledgeNagFindings([this.deployCheck.function]);
      // The functions take the new code only after the check passed; a failed check rolls back first.
      for (const fn of [stepWorker, sweeper, api]) fn.node.addDependency(this.deployCheck.resource);
    }

    const mapping = new EventSourceMapping(this, 'StepEvents', {
      target: stepWorker,
      eventSourceArn: queue.queueArn,
      batchSize: p.batchSize,
      maxConcurrency: p.maxConcurrency,
      reportBatchItemFailures: true,
    });
    // Lambda checks the role's queue permissions when it creates the mapping.
    mapping.node.addDependency(worker.role);
    this.sweepRule = new Rule(this, 'SweepSchedule', {
      description: 'Runs the longrunning sweeper',
      schedule: p.sweepSchedule,
      targets: [new LambdaFunction(sweeper)],
    });

    if (!p.emulatorCompat) {
      const { httpApi, stage } = createHttpApi(this, {
        handler: api,
        jwtAuthorizer: p.jwtAuthorizer,
        throttle: p.apiThrottle,
        callbackThrottle: p.callbackThrottle,
        logRetention: p.logRetention,
      });
      this.#httpApi = { httpApi, url: stage.url };
      this.#monitoring = new Monitoring(this, 'Monitoring', {
        worker: stepWorker,
        deadLetterQueue,
        alarmTopic: p.alarmTopic,
      });
    }
  }

  /** The HTTP API. */
  get httpApi(): HttpApi {
    return this.#required(this.#httpApi, 'the HTTP API').httpApi;
  }

  /** The API's base URL, ending in `/`. */
  get url(): string {
    return this.#required(this.#httpApi, 'the HTTP API').url;
  }

  /** Signs callback tokens (generated at deploy; its previous version still verifies after a rotation). */
  get callbackSecret(): Secret {
    return this.#required(this.#callbackSecret, 'the callback secret');
  }

  /** Alarms and dashboard. */
  get monitoring(): Monitoring {
    return this.#required(this.#monitoring, 'alarms and dashboard');
  }

  #required<T>(value: T | undefined, what: string): T {
    if (value === undefined)
      throw new Error(`LongRunningWorkflows ${this.node.path}: emulatorCompat leaves out ${what}`);
    return value;
  }
}
