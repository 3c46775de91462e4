import { assertCallbackSecret } from '../core/callback-tokens.js';
import { MAX_TIMER_MS } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';
import { validateBudget, type Budget } from '../core/usage.js';
import { assertMaxStepRuns, DEFAULT_MAX_STEP_RUNS } from '../core/waits.js';

/**
 * The default key that signs in-process callback tokens. In-process, a token's
 * nonce, recorded on the execution when the step that made it commits, is what
 * makes it valid; the signature only refuses a forged token without a lookup. Set
 * `callbackSecret` to make tokens unforgeable by whoever can read the stored executions.
 */
export const IN_PROCESS_CALLBACK_KEY = 'longrunning-in-process-callbacks';

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
  /**
   * The most step runs an execution may commit (loops count every run) before it
   * fails with STEP_LIMIT_EXCEEDED; `Infinity` for no limit. `start` may set its own.
   */
  maxStepRuns: number;
  /** Signs callback tokens (`ctx.callbackToken`): a string or Buffer of at least 16 bytes. */
  callbackSecret: string | Buffer;
  /**
   * The budget of every execution started without one of its own (`start`'s `budget`
   * wins); none by default: executions are not limited.
   */
  budget?: Budget;
}

/**
 * The defaults: checkpoint every 5 minutes during a long step, `./checkpoints`,
 * 3 retries, a 30 s heartbeat, auto-resume on, backoff 1 s doubling up to 30 s,
 * the 10 most recent checkpoints kept, at most 10,000 step runs per execution, and
 * callback tokens signed with {@link IN_PROCESS_CALLBACK_KEY}.
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
    maxStepRuns: DEFAULT_MAX_STEP_RUNS,
    callbackSecret: IN_PROCESS_CALLBACK_KEY,
  };
}

/** The durations of the config. */
type DurationKey = 'checkpointIntervalMs' | 'heartbeatIntervalMs' | 'retryBaseDelayMs' | 'retryMaxDelayMs';
const POSITIVE: readonly DurationKey[] = ['checkpointIntervalMs', 'heartbeatIntervalMs'];
const NON_NEGATIVE: readonly DurationKey[] = ['retryBaseDelayMs', 'retryMaxDelayMs'];

/** Merges `partial` over the defaults and checks every field, naming the bad one. */
export function resolveExecutorConfig(partial: Partial<ExecutorConfig> = {}): ExecutorConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new ValidationError('executor config must be an object');
  }
  const defaults = defaultExecutorConfig();
  const known = new Set([...Object.keys(defaults), 'budget']);
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
  withField('maxStepRuns', () => assertMaxStepRuns(config.maxStepRuns, 'executor config'));
  withField('callbackSecret', () => assertCallbackSecret(config.callbackSecret));
  if (config.budget !== undefined) {
    const budget = config.budget;
    withField('budget', () => (config.budget = validateBudget(budget)));
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

function checkNumber(config: ExecutorConfig, key: DurationKey, min: number): void {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    throw new ValidationError(
      `${key} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}, got ${String(value)}`,
      { field: key },
    );
  }
}

/** Runs `check`, adding `field` to the ValidationError it throws. */
function withField(field: keyof ExecutorConfig, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(err.message, { field });
    throw err;
  }
}
