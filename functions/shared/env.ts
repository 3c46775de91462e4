import { MAX_DELAY_SECONDS, MAX_THROTTLE_DELAY_SECONDS, ValidationError } from '../../lib/index.js';

/** An environment to read settings from (`process.env`, or a record in tests). */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/**
 * The one reader of environment variables, for the Lambda handlers, the apps and the
 * example workflows: each method reads one variable, applies its default when it is
 * unset or empty, and throws VALIDATION_ERROR naming the variable and what it must be.
 *
 * @example
 * const port = new EnvReader(process.env).whole('PORT', 3000, 0, 65_535);
 */
export class EnvReader {
  readonly #env: EnvSource;
  readonly #fix: string;

  /** `fix` is added to the message of a missing required variable (how to set it). */
  constructor(env: EnvSource, fix = 'export it') {
    this.#env = env;
    this.#fix = fix;
  }

  /** The trimmed value, or undefined when unset or empty. */
  optional(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** The trimmed value; throws when unset or empty. */
  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw this.#error(name, `${name} is not set: ${this.#fix}`);
    return value;
  }

  /** A whole number from `min` to `max`. */
  whole(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw this.#error(name, `${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  }

  /** A number of milliseconds from `min` to `max`. */
  milliseconds(name: string, fallback: number, min: number, max: number): number {
    return this.#number(name, fallback, min, max, 'milliseconds');
  }

  /** A number of seconds from `min` to `max`, returned in milliseconds. */
  seconds(name: string, fallbackSeconds: number, min: number, max: number): number {
    return Math.round(this.#number(name, fallbackSeconds, min, max, 'seconds') * 1000);
  }

  /** One of `allowed`, compared in upper case. */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const upper = raw.toUpperCase();
    if (!(allowed as readonly string[]).includes(upper)) {
      throw this.#error(name, `${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    }
    return upper as T;
  }

  /** `true`/`1` or `false`/`0`; false when unset. */
  flag(name: string): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined || raw === 'false' || raw === '0') return false;
    if (raw === 'true' || raw === '1') return true;
    throw this.#error(name, `${name} must be true or false, got "${this.#env[name]}"`);
  }

  #number(name: string, fallback: number, min: number, max: number, unit: string): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw this.#error(name, `${name} must be a number of ${unit} from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  }

  #error(name: string, message: string): ValidationError {
    return new ValidationError(message, { variable: name });
  }
}

/** The environment the handlers run with, read once at cold start. */
export interface HandlerEnv {
  tableName: string;
  queueUrl: string;
  stallAfterMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** The longest delay before a step a limit refused is tried again (THROTTLE_MAX_DELAY_SECONDS, 30 s). */
  throttleMaxDelaySeconds: number;
  leaseMs: number;
  sweepLimit: number;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Whether execution state may appear in logs. Off unless LOG_STATE=true. */
  logState: boolean;
  /** Set when talking to an emulator (LocalStack, moto). */
  endpoint: string | undefined;
  /** The S3 bucket for large states (STATE_BUCKET); without one, a state must fit in a 400 KB item. */
  stateBucket: string | undefined;
  /** States larger than this many bytes of JSON go to the bucket (LARGE_STATE_THRESHOLD_BYTES, 32 KiB). */
  largeStateThresholdBytes: number;
  /** The largest state accepted with a bucket (MAX_STATE_BYTES, 50 MiB). */
  maxStateBytes: number;
}

/**
 * Reads and checks every setting; a missing or bad variable throws at cold start
 * with a message naming it.
 *
 * @example
 * const env = readHandlerEnv(process.env); // throws "QUEUE_URL is not set: ..." when missing
 */
export function readHandlerEnv(source: EnvSource): HandlerEnv {
  const env = new EnvReader(source, 'deploy with the LongRunningWorkflows construct or export it');
  return {
    tableName: env.required('TABLE_NAME'),
    queueUrl: env.required('QUEUE_URL'),
    stallAfterMs: env.seconds('STALL_AFTER_SECONDS', 300, 1, 86_400),
    maxRetries: env.whole('MAX_RETRIES', 3, 0, 100),
    retryBaseDelayMs: env.seconds('RETRY_BASE_DELAY_SECONDS', 1, 0, MAX_DELAY_SECONDS),
    retryMaxDelayMs: env.seconds('RETRY_MAX_DELAY_SECONDS', 300, 0, MAX_DELAY_SECONDS),
    throttleMaxDelaySeconds: env.whole('THROTTLE_MAX_DELAY_SECONDS', 30, 1, MAX_THROTTLE_DELAY_SECONDS),
    leaseMs: env.seconds('LEASE_SECONDS', 60, 1, 3_600),
    sweepLimit: env.whole('SWEEP_LIMIT', 100, 1, 1_000),
    logLevel: env.oneOf('LOG_LEVEL', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const, 'INFO'),
    logState: env.flag('LOG_STATE'),
    endpoint: env.optional('AWS_ENDPOINT_URL'),
    stateBucket: env.optional('STATE_BUCKET'),
    largeStateThresholdBytes: env.whole('LARGE_STATE_THRESHOLD_BYTES', 32 * 1024, 0, 350 * 1024),
    maxStateBytes: env.whole('MAX_STATE_BYTES', 50 * 1024 * 1024, 1, 1024 * 1024 * 1024),
  };
}
