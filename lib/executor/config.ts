import { MAX_TIMER_MS } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';

/** Settings of an in-process {@link Executor}. Durations are milliseconds. */
export interface ExecutorConfig {
  /** How often a checkpoint is also saved while one long step runs. */
  checkpointIntervalMs: number;
  /** Directory of the default {@link FileCheckpointStore}. */
  checkpointDir: string;
  /** How many times a failing step is retried before the execution fails. */
  maxRetries: number;
  /** How often `lastUpdate` advances (and is saved) while a step runs. */
  heartbeatIntervalMs: number;
  /** When false, `autoResumeAll` only loads stored executions and resumes none. */
  autoResume: boolean;
  /** Backoff before the first retry; doubles for each further one. */
  retryBaseDelayMs: number;
  /** Upper bound of the backoff between retries. */
  retryMaxDelayMs: number;
  /** How many of the most recent checkpoints each saved snapshot keeps (at least 1). */
  maxCheckpoints: number;
}

/**
 * The defaults: checkpoint every 5 minutes during a long step, `./checkpoints`,
 * 3 retries, a 30 s heartbeat, auto-resume on, backoff 1 s doubling up to 30 s,
 * and the 10 most recent checkpoints kept.
 */
export function defaultExecutorConfig(): ExecutorConfig {
  return {
    checkpointIntervalMs: 300_000,
    checkpointDir: './checkpoints',
    maxRetries: 3,
    heartbeatIntervalMs: 30_000,
    autoResume: true,
    retryBaseDelayMs: 1_000,
    retryMaxDelayMs: 30_000,
    maxCheckpoints: 10,
  };
}

const POSITIVE: readonly (keyof ExecutorConfig)[] = ['checkpointIntervalMs', 'heartbeatIntervalMs'];
const NON_NEGATIVE: readonly (keyof ExecutorConfig)[] = ['retryBaseDelayMs', 'retryMaxDelayMs'];

/** Merges `partial` over the defaults and checks every field, naming the bad one. */
export function resolveExecutorConfig(partial: Partial<ExecutorConfig> = {}): ExecutorConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new ValidationError('executor config must be an object');
  }
  const defaults = defaultExecutorConfig();
  const known = new Set(Object.keys(defaults));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw new ValidationError(`unknown executor config field "${key}"`, { field: key });
  }
  const config: ExecutorConfig = { ...defaults };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of POSITIVE) checkNumber(config, key, 1);
  for (const key of NON_NEGATIVE) checkNumber(config, key, 0);
  if (!Number.isInteger(config.maxRetries) || config.maxRetries < 0) {
    throw new ValidationError(`maxRetries must be a whole number >= 0, got ${String(config.maxRetries)}`, {
      field: 'maxRetries',
    });
  }
  if (!Number.isInteger(config.maxCheckpoints) || config.maxCheckpoints < 1) {
    throw new ValidationError(`maxCheckpoints must be a whole number >= 1, got ${String(config.maxCheckpoints)}`, {
      field: 'maxCheckpoints',
    });
  }
  if (config.retryMaxDelayMs < config.retryBaseDelayMs) {
    throw new ValidationError('retryMaxDelayMs must be >= retryBaseDelayMs', { field: 'retryMaxDelayMs' });
  }
  if (typeof config.checkpointDir !== 'string' || config.checkpointDir.trim() === '') {
    throw new ValidationError('checkpointDir must be a non-empty path', { field: 'checkpointDir' });
  }
  if (typeof config.autoResume !== 'boolean') {
    throw new ValidationError('autoResume must be a boolean', { field: 'autoResume' });
  }
  return config;
}

function checkNumber(config: ExecutorConfig, key: keyof ExecutorConfig, min: number): void {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    throw new ValidationError(
      `${key} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}, got ${String(value)}`,
      { field: key },
    );
  }
}
