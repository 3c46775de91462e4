import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Schedule } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';

/** A JWT authorizer for the HTTP API (for example Amazon Cognito, Auth0, Okta). */
export interface JwtAuthorizerOptions {
  /** The token issuer URL, e.g. `https://cognito-idp.us-east-1.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  /** Accepted `aud` (or `client_id`) values; at least one. */
  readonly audience: readonly string[];
}

/** Default-stage throttling of the HTTP API (every route). */
export interface ApiThrottleOptions {
  /**
   * Steady-state requests per second.
   * @default 50
   */
  readonly rateLimit?: number;
  /**
   * Burst of requests.
   * @default 100
   */
  readonly burstLimit?: number;
}

/**
 * Settings of the step protocol, passed to the functions as environment variables.
 * Unset ones are left to the functions' own defaults (functions/shared/env.ts), and
 * every value is checked at synth time with the same rules the functions apply at
 * cold start.
 */
export interface RuntimeSettings {
  /**
   * How long a running execution may go without progress before the sweeper re-enqueues it (STALL_AFTER_SECONDS).
   * @default Duration.seconds(300)
   */
  readonly stallAfter?: Duration;
  /**
   * Retries of a failing step before the execution fails (MAX_RETRIES).
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * Backoff before the first retry; doubles per retry (RETRY_BASE_DELAY_SECONDS).
   * @default Duration.seconds(1)
   */
  readonly retryBaseDelay?: Duration;
  /**
   * Backoff cap, at most 900 s, the longest SQS delay (RETRY_MAX_DELAY_SECONDS).
   * @default Duration.seconds(300)
   */
  readonly retryMaxDelay?: Duration;
  /**
   * The longest delay before a step a limit refused is tried again: 1 s, doubling with
   * each refusal in a row, jittered, up to this; from 1 s to 90 s, since a waiter that retries
   * less often than every 2 minutes loses its place in the queue (THROTTLE_MAX_DELAY_SECONDS).
   * A shorter cap finds a freed slot sooner and costs more refusals while waiting.
   * @default Duration.seconds(30)
   */
  readonly throttleMaxDelay?: Duration;
  /**
   * A worker's lease on a step, renewed by heartbeats while the step runs (LEASE_SECONDS).
   * @default Duration.seconds(60)
   */
  readonly lease?: Duration;
  /**
   * Most executions the sweeper re-enqueues per run (SWEEP_LIMIT).
   * @default 100
   */
  readonly sweepLimit?: number;
  /**
   * States whose JSON text is larger than this many bytes are kept in the state bucket,
   * and the table holds a reference (LARGE_STATE_THRESHOLD_BYTES). Lower it to make
   * every step's writes small; S3 then adds a PUT and a GET per step.
   * @default 32768
   */
  readonly largeStateThresholdBytes?: number;
  /**
   * The largest state accepted, in bytes of JSON text (MAX_STATE_BYTES); a step whose
   * result is larger fails with STATE_TOO_LARGE. Give the functions memory for about
   * four copies of it (`memorySize`).
   * @default 52428800 (50 MiB)
   */
  readonly maxStateBytes?: number;
}

/** Properties of {@link LongRunningWorkflows}. Every one is optional; the defaults suit production. */
export interface LongRunningWorkflowsProps {
  /**
   * Path of your workflows module (absolute, or relative to the directory `cdk` runs
   * in, where cdk.json is), bundled into all three functions. It must export
   * `deployedWorkflows(): WorkflowRegistry`, and import the engine from `longrunning`
   * (TypeScript or JavaScript; esbuild compiles it). It is wired in at bundle time
   * through an esbuild alias, so adding workflows never means editing the package.
   * @default - the package's example workflows (examples/workflows)
   */
  readonly workflowsModule?: string;
  /**
   * Extra environment variables for all three functions (for example settings your
   * workflows read). Cannot override the variables the construct sets.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Step protocol settings (lease, retries, stall detection, sweep size).
   * @default - the functions' defaults
   */
  readonly runtime?: RuntimeSettings;

  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on the table.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * A customer managed KMS key for the table. The functions are granted its use.
   * @default - AWS managed key (`aws/dynamodb`)
   */
  readonly tableEncryptionKey?: IKey;
  /**
   * Deletes state objects (large states, see `runtime.largeStateThresholdBytes`) this
   * long after they were written, whether or not their execution still runs. Set it
   * only when executions are deleted (or expire) before then.
   * @default objects are deleted with their execution
   */
  readonly stateRetention?: Duration;

  /**
   * Receives of one step message before it moves to the dead-letter queue.
   * @default stepQueueSchema.maxReceiveCount (5)
   */
  readonly maxReceiveCount?: number;
  /**
   * Visibility timeout of the step queue; must be at least 6 × `workerTimeout` (the
   * AWS recommendation for a Lambda event source), or the construct throws.
   * @default - the larger of stepQueueSchema.visibilityTimeoutSeconds (360 s) and 6 × `workerTimeout`
   */
  readonly queueVisibilityTimeout?: Duration;

  /**
   * Timeout of the step worker: the longest one step (batch) may run.
   * @default Duration.seconds(60)
   */
  readonly workerTimeout?: Duration;
  /**
   * Timeout of the sweeper.
   * @default Duration.seconds(60)
   */
  readonly sweeperTimeout?: Duration;
  /**
   * Timeout of the API function; at most 30 s (the HTTP API integration limit).
   * @default Duration.seconds(29)
   */
  readonly apiTimeout?: Duration;
  /**
   * Memory of each function, in MB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Step messages per worker invocation (1 to 10).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Most concurrent worker invocations the queue's event source starts (2 to 1000).
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * When the sweeper runs.
   * @default Schedule.rate(Duration.minutes(1))
   */
  readonly sweepSchedule?: Schedule;
  /**
   * Retention of the functions' and the API's access log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Minimum log level of the functions (LOG_LEVEL).
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Whether execution state may appear in the logs (LOG_STATE). Leave off when
   * states may hold personal data.
   * @default false
   */
  readonly logState?: boolean;
  /**
   * AWS X-Ray active tracing on the functions.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Ship source maps with the functions and turn them on (`--enable-source-maps`),
   * so that stack traces name the TypeScript sources. Off by default: loading the
   * map of a bundle that holds the AWS SDK adds to every cold start.
   * @default false
   */
  readonly sourceMaps?: boolean;

  /**
   * Use a JWT authorizer on every route instead of IAM (SigV4) authorization.
   * @default - IAM authorization on every route
   */
  readonly jwtAuthorizer?: JwtAuthorizerOptions;
  /**
   * Throttling of the API's default stage.
   * @default - { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: ApiThrottleOptions;
  /**
   * Throttling of `POST /callbacks/{token}`, the one route without IAM (the token is
   * the credential), kept well under the rest of the API so that guessing is slow.
   * @default - { rateLimit: 10, burstLimit: 20 }
   */
  readonly callbackThrottle?: ApiThrottleOptions;

  /**
   * SNS topic notified when an alarm fires and when it recovers.
   * @default - alarms without actions
   */
  readonly alarmTopic?: ITopic;

  /**
   * Adds a deploy check (docs/deploy.md, "Checking a deploy for step drift"): a
   * custom resource whose function bundles the same workflows module and reads the
   * table (read-only). On every deploy that changes the bundle it lists the running,
   * waiting and paused executions, and fails (so the stack update rolls back before
   * the functions get the new code) when one names a step the new workflows do not
   * register at or after its current step. Steps missing only among those already
   * run, and changed step lists, are logged but do not fail it.
   * @default false
   */
  readonly checkDeploy?: boolean;

  /**
   * For deploying to a local emulator only (moto server): leaves out the resource
   * types moto's CloudFormation cannot create, namely the HTTP API
   * (`AWS::ApiGatewayV2::*`; the API function stays), the alarms
   * (`AWS::CloudWatch::Alarm`) with the dashboard that shows them, and the callback
   * secret (`AWS::SecretsManager::Secret`; the functions get a value generated at
   * synth in their environment instead). `httpApi`, `url`, `monitoring` and
   * `callbackSecret` then throw when read. Never set it for AWS.
   * @default false
   */
  readonly emulatorCompat?: boolean;
}
