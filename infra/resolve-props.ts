import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { readHandlerEnv } from '../functions/shared/env.js';
import { stepQueueSchema } from '../lib/index.js';
import { EXAMPLE_WORKFLOWS_MODULE } from './handler-function.js';
import type {
  JwtAuthorizerOptions,
  LongRunningWorkflowsProps,
  RuntimeSettings,
} from './longrunning-workflows-props.js';

/** AWS's recommendation for an SQS event source: visibility timeout at least this many times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** The longest visibility timeout SQS allows (12 hours). */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** Environment variables the construct sets itself; `environment` cannot override them. */
export const MANAGED_VARIABLES = [
  'TABLE_NAME',
  'QUEUE_URL',
  'STALL_AFTER_SECONDS',
  'MAX_RETRIES',
  'RETRY_BASE_DELAY_SECONDS',
  'RETRY_MAX_DELAY_SECONDS',
  'THROTTLE_MAX_DELAY_SECONDS',
  'LEASE_SECONDS',
  'SWEEP_LIMIT',
  'STATE_BUCKET',
  'LARGE_STATE_THRESHOLD_BYTES',
  'MAX_STATE_BYTES',
  'LOG_LEVEL',
  'LOG_STATE',
  'NODE_OPTIONS',
] as const;

/** The props with every default filled in, checked. */
export interface ResolvedProps {
  /** Absolute path of the workflows module to bundle (yours, or the package's examples). */
  workflowsModule: string;
  /** Variables for all functions: the step protocol settings, log settings and the user's own. */
  environment: Record<string, string>;
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  tableEncryptionKey: IKey | undefined;
  stateRetention: Duration | undefined;
  maxReceiveCount: number;
  queueVisibilityTimeout: Duration;
  workerTimeout: Duration;
  sweeperTimeout: Duration;
  apiTimeout: Duration;
  memorySize: number;
  batchSize: number;
  maxConcurrency: number;
  sweepSchedule: Schedule;
  logRetention: RetentionDays;
  tracing: boolean;
  sourceMaps: boolean;
  jwtAuthorizer: JwtAuthorizerOptions | undefined;
  apiThrottle: { rateLimit: number; burstLimit: number };
  callbackThrottle: { rateLimit: number; burstLimit: number };
  alarmTopic: ITopic | undefined;
  emulatorCompat: boolean;
  /** Whether to add the deploy check custom resource. */
  checkDeploy: boolean;
}

function fail(message: string): never {
  throw new Error(`LongRunningWorkflows: ${message}`);
}

function wholeIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  return value;
}

function secondsIn(name: string, value: Duration, min: number, max: number): Duration {
  const seconds = value.toSeconds();
  if (seconds < min || seconds > max) fail(`${name} must be from ${min} to ${max} seconds, got ${seconds}`);
  return value;
}

/** The step protocol settings as environment variables, checked with the functions' own reader. */
function runtimeEnvironment(settings: RuntimeSettings, logLevel: string, logState: boolean): Record<string, string> {
  const env: Record<string, string> = { LOG_LEVEL: logLevel, LOG_STATE: String(logState) };
  const seconds = (name: string, value: Duration | undefined): void => {
    if (value !== undefined) env[name] = String(value.toSeconds());
  };
  seconds('STALL_AFTER_SECONDS', settings.stallAfter);
  seconds('RETRY_BASE_DELAY_SECONDS', settings.retryBaseDelay);
  seconds('RETRY_MAX_DELAY_SECONDS', settings.retryMaxDelay);
  seconds('THROTTLE_MAX_DELAY_SECONDS', settings.throttleMaxDelay);
  seconds('LEASE_SECONDS', settings.lease);
  if (settings.maxRetries !== undefined) env['MAX_RETRIES'] = String(settings.maxRetries);
  if (settings.sweepLimit !== undefined) env['SWEEP_LIMIT'] = String(settings.sweepLimit);
  if (settings.largeStateThresholdBytes !== undefined)
    env['LARGE_STATE_THRESHOLD_BYTES'] = String(settings.largeStateThresholdBytes);
  if (settings.maxStateBytes !== undefined) env['MAX_STATE_BYTES'] = String(settings.maxStateBytes);
  try {
    readHandlerEnv({ ...env, TABLE_NAME: 'synth-check', QUEUE_URL: 'synth-check' });
  } catch (err) {
    fail(`invalid runtime setting: ${err instanceof Error ? err.message : String(err)}`);
  }
  return env;
}

function userEnvironment(environment: Readonly<Record<string, string>>): Record<string, string> {
  for (const name of Object.keys(environment)) {
    if ((MANAGED_VARIABLES as readonly string[]).includes(name))
      fail(`environment cannot set ${name}: the construct manages it`);
    if (name.startsWith('AWS_') || name.startsWith('_')) fail(`environment cannot set ${name}: Lambda reserves it`);
  }
  return { ...environment };
}

function workflowsModule(path: string | undefined): string {
  if (path === undefined) return EXAMPLE_WORKFLOWS_MODULE;
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    fail(`workflowsModule ${absolute} does not exist (a relative path is taken from ${process.cwd()}, where cdk runs)`);
  }
  return absolute;
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function jwt(options: JwtAuthorizerOptions | undefined): JwtAuthorizerOptions | undefined {
  if (options === undefined) return undefined;
  if (!/^https:\/\/\S+$/.test(options.issuer))
    fail(`jwtAuthorizer.issuer must be an https URL, got "${options.issuer}"`);
  if (options.audience.length === 0 || options.audience.some((a) => a.trim() === '')) {
    fail('jwtAuthorizer.audience must list at least one non-empty audience');
  }
  return options;
}

/**
 * Fills in the defaults of {@link LongRunningWorkflowsProps} and checks them, so that a
 * configuration AWS would reject (or that would redeliver steps still running) fails at
 * synth time with a message naming the property.
 */
export function resolveProps(props: LongRunningWorkflowsProps): ResolvedProps {
  // Below 15 s a step would get no time: the worker keeps 2 s back, the runtime 5 s more.
  const workerTimeout = secondsIn('workerTimeout', props.workerTimeout ?? Duration.seconds(60), 15, 900);
  const minVisibility = VISIBILITY_TIMEOUT_FACTOR * workerTimeout.toSeconds();
  const queueVisibilityTimeout =
    props.queueVisibilityTimeout ?? Duration.seconds(Math.max(stepQueueSchema.visibilityTimeoutSeconds, minVisibility));
  const visibility = queueVisibilityTimeout.toSeconds();
  if (visibility < minVisibility) {
    fail(
      `queueVisibilityTimeout (${visibility} s) must be at least ${VISIBILITY_TIMEOUT_FACTOR} × workerTimeout (${minVisibility} s), ` +
        'or SQS redelivers step messages while the worker still runs them; raise queueVisibilityTimeout or lower workerTimeout',
    );
  }
  if (visibility > MAX_VISIBILITY_SECONDS)
    fail(`queueVisibilityTimeout must be at most ${MAX_VISIBILITY_SECONDS} seconds, got ${visibility}`);
  const throttle = (name: 'apiThrottle' | 'callbackThrottle', rate: number, burst: number) => {
    const given = props[name] ?? {};
    return {
      rateLimit: wholeIn(`${name}.rateLimit`, given.rateLimit ?? rate, 0, 10_000),
      burstLimit: wholeIn(`${name}.burstLimit`, given.burstLimit ?? burst, 0, 5_000),
    };
  };
  return {
    workflowsModule: workflowsModule(props.workflowsModule),
    environment: {
      ...userEnvironment(props.environment ?? {}),
      ...runtimeEnvironment(props.runtime ?? {}, props.logLevel ?? 'INFO', props.logState ?? false),
    },
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    deletionProtection: props.deletionProtection ?? true,
    tableEncryptionKey: props.tableEncryptionKey,
    stateRetention:
      props.stateRetention === undefined
        ? undefined
        : secondsIn('stateRetention', props.stateRetention, 86_400, 100 * 365 * 86_400),
    maxReceiveCount: wholeIn('maxReceiveCount', props.maxReceiveCount ?? stepQueueSchema.maxReceiveCount, 1, 1000),
    queueVisibilityTimeout,
    workerTimeout,
    sweeperTimeout: secondsIn('sweeperTimeout', props.sweeperTimeout ?? Duration.seconds(60), 1, 900),
    apiTimeout: secondsIn('apiTimeout', props.apiTimeout ?? Duration.seconds(29), 1, 30),
    memorySize: wholeIn('memorySize', props.memorySize ?? 512, 128, 10_240),
    batchSize: wholeIn('batchSize', props.batchSize ?? 10, 1, 10),
    maxConcurrency: wholeIn('maxConcurrency', props.maxConcurrency ?? 10, 2, 1000),
    sweepSchedule: props.sweepSchedule ?? Schedule.rate(Duration.minutes(1)),
    logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
    tracing: props.tracing ?? false,
    sourceMaps: props.sourceMaps ?? false,
    jwtAuthorizer: jwt(props.jwtAuthorizer),
    apiThrottle: throttle('apiThrottle', 50, 100),
    callbackThrottle: throttle('callbackThrottle', 10, 20),
    alarmTopic: props.alarmTopic,
    emulatorCompat: props.emulatorCompat ?? false,
    checkDeploy: flag('checkDeploy', props.checkDeploy),
  };
}
