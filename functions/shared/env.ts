import { ValidationError } from '../../lib/core/errors.js';

/** The environment the handlers run with, read once at cold start. */
export interface HandlerEnv {
  tableName: string;
  queueUrl: string;
  stallAfterMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  leaseMs: number;
  sweepLimit: number;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Whether execution state may appear in logs. Off unless LOG_STATE=true. */
  logState: boolean;
  /** Set when talking to an emulator (LocalStack, moto). */
  endpoint: string | undefined;
}

type Source = Readonly<Record<string, string | undefined>>;

const FIX = 'deploy with the LongRunningWorkflows construct or export it';

function required(env: Source, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ValidationError(`${name} is not set: ${FIX}`, { variable: name });
  return value;
}

function seconds(env: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback * 1000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ValidationError(`${name} must be a number of seconds from ${min} to ${max}, got "${raw}"`, {
      variable: name,
    });
  }
  return Math.round(value * 1000);
}

function whole(env: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`, { variable: name });
  }
  return value;
}

function oneOf<T extends string>(env: Source, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toUpperCase();
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ValidationError(`${name} must be one of ${allowed.join(', ')}, got "${env[name]}"`, { variable: name });
  }
  return raw as T;
}

function flag(env: Source, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ValidationError(`${name} must be true or false, got "${env[name]}"`, { variable: name });
}

/**
 * Reads and checks every setting; a missing or bad variable throws at cold start
 * with a message naming it.
 *
 * @example
 * const env = readHandlerEnv(process.env); // throws "QUEUE_URL is not set: ..." when missing
 */
export function readHandlerEnv(env: Source): HandlerEnv {
  return {
    tableName: required(env, 'TABLE_NAME'),
    queueUrl: required(env, 'QUEUE_URL'),
    stallAfterMs: seconds(env, 'STALL_AFTER_SECONDS', 300, 1, 86_400),
    maxRetries: whole(env, 'MAX_RETRIES', 3, 0, 100),
    retryBaseDelayMs: seconds(env, 'RETRY_BASE_DELAY_SECONDS', 1, 0, 900),
    retryMaxDelayMs: seconds(env, 'RETRY_MAX_DELAY_SECONDS', 300, 0, 900),
    leaseMs: seconds(env, 'LEASE_SECONDS', 60, 1, 3_600),
    sweepLimit: whole(env, 'SWEEP_LIMIT', 100, 1, 1_000),
    logLevel: oneOf(env, 'LOG_LEVEL', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const, 'INFO'),
    logState: flag(env, 'LOG_STATE'),
    endpoint: env.AWS_ENDPOINT_URL?.trim() || undefined,
  };
}
