import { assertCallbackSecret } from '../core/callback-tokens.js';
import { type Clock, MAX_TIMER_MS, systemClock } from '../core/clock.js';
import { MAX_THROTTLE_DELAY_SECONDS } from './limit-decision.js';
import { CHAIN_MIN_REMAINING_MS } from './step-chain.js';
import { ValidationError } from '../core/errors.js';
import type { ExecutionEvent } from '../core/events.js';
import { noopLogger, type Logger } from '../core/logger.js';
import type { ExecutionStore, Limiter, StepQueue } from './ports.js';
import type { JobStore } from './bulk-model.js';
import type { WorkflowRegistry } from './workflow-registry.js';

/** The runtime's timing and retry settings, in milliseconds. */
export interface RuntimeConfig {
  /** How long a claim (and each heartbeat) keeps the step leased to its worker. */
  leaseMs: number;
  /** Retries of a failing step before the execution fails (attempts = maxRetries + 1). */
  maxRetries: number;
  /** Backoff before the first retry; doubles for each further one. */
  retryBaseDelayMs: number;
  /** Upper bound of the backoff (SQS caps any delay at 900 s anyway). */
  retryMaxDelayMs: number;
  /** Time kept back before the invocation deadline to record the attempt's outcome. */
  deadlineBufferMs: number;
  /** How often a running step's lease is extended (and cancel noticed). Below leaseMs. */
  heartbeatMs: number;
  /** How long after its next message was due a running execution counts as stalled. */
  stallAfterMs: number;
  /**
   * The longest delay one queue message carries, in seconds: 900 (SQS's limit). A
   * longer wait is reached by the sweeper and by wake messages that re-send
   * themselves. Only tests set it lower, to make the chain of a long wait short.
   */
  maxDelaySeconds: number;
  /**
   * The longest delay, in seconds, before a step a limit refused is tried again
   * (the delay doubles from 1 s with each refusal in a row, jittered, up to this).
   */
  throttleMaxDelaySeconds: number;
  /**
   * The least time, after `deadlineBufferMs`, an invocation must have left to run a
   * step of a `chainSteps` workflow in it after the one its message named (the
   * rule also keeps twice the chain's longest step). Tests with short invocations
   * set it lower.
   */
  chainMinRemainingMs: number;
}

/**
 * The defaults: 60 s leases extended every 20 s, 3 retries backing off from 1 s to
 * 5 min, 5 s kept before the deadline, stalled after 5 min, and a step chained
 * only with 10 s left.
 */
export const DEFAULT_RUNTIME_CONFIG: Readonly<RuntimeConfig> = Object.freeze({
  leaseMs: 60_000,
  maxRetries: 3,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 300_000,
  deadlineBufferMs: 5_000,
  heartbeatMs: 20_000,
  stallAfterMs: 300_000,
  maxDelaySeconds: 900,
  throttleMaxDelaySeconds: 30,
  chainMinRemainingMs: CHAIN_MIN_REMAINING_MS,
});

/** What the worker, the control plane and the sweeper are built on: the ports and the settings. */
export interface RuntimeDeps extends Partial<RuntimeConfig> {
  store: ExecutionStore;
  queue: StepQueue;
  workflows: WorkflowRegistry;
  /**
   * Where the runtime reads the time (claims, commits, events, sweeps) and sets the
   * step's deadline and heartbeat timers; {@link systemClock} by default. Tests pass a
   * `ManualClock` from longrunning/testing.
   */
  clock?: Clock;
  /** This worker's lease owner id (for example the Lambda request id); a fresh one per message by default. */
  owner?: string;
  /** Called at each lifecycle event; what it throws or rejects with is logged, never propagated. */
  onEvent?: (event: ExecutionEvent) => void | Promise<void>;
  logger?: Logger;
  /**
   * The secrets of callback tokens (each at least 16 bytes): the first signs new
   * tokens, every one verifies, so a secret can be rotated by putting the new one
   * first and dropping the old one once its tokens are used. Without it,
   * `ctx.callbackToken` and `completeCallback` fail with a VALIDATION_ERROR that
   * says so; nothing else needs it.
   */
  callbackSecrets?: readonly (string | Buffer)[];
  /** Where bulk operations keep their progress; without it, bulk operations fail with a VALIDATION_ERROR that says so. */
  jobs?: JobStore;
  /** Where limit keys are counted; needed only by workflows with limits (a limited step fails without it). */
  limiter?: Limiter;
}

/** {@link RuntimeDeps} with every default filled in and every setting checked. */
export interface ResolvedRuntime extends RuntimeConfig {
  store: ExecutionStore;
  queue: StepQueue;
  workflows: WorkflowRegistry;
  clock: Clock;
  owner: string | undefined;
  onEvent: ((event: ExecutionEvent) => void | Promise<void>) | undefined;
  logger: Logger;
  /** Empty when none were given. */
  callbackSecrets: readonly (string | Buffer)[];
  jobs: JobStore | undefined;
  limiter: Limiter | undefined;
}

/** Fills in the defaults and checks each setting, naming the bad one (VALIDATION_ERROR). */
export function resolveRuntime(deps: RuntimeDeps): ResolvedRuntime {
  const config: RuntimeConfig = { ...DEFAULT_RUNTIME_CONFIG };
  for (const key of Object.keys(DEFAULT_RUNTIME_CONFIG) as (keyof RuntimeConfig)[]) {
    const value = deps[key];
    if (value !== undefined) config[key] = value;
    const min = key === 'leaseMs' || key === 'heartbeatMs' || key === 'stallAfterMs' ? 1 : 0;
    const v = config[key];
    if (!Number.isSafeInteger(v) || v < min || v > MAX_TIMER_MS) {
      throw new ValidationError(
        `runtime setting ${key} must be a whole number from ${min} to ${MAX_TIMER_MS}, got ${String(v)}`,
        {
          field: key,
        },
      );
    }
  }
  if (config.heartbeatMs >= config.leaseMs) {
    throw new ValidationError(
      `heartbeatMs (${config.heartbeatMs}) must be below leaseMs (${config.leaseMs}), or leases lapse between heartbeats`,
    );
  }
  if (config.throttleMaxDelaySeconds < 1 || config.throttleMaxDelaySeconds > MAX_THROTTLE_DELAY_SECONDS)
    throw new ValidationError(
      `throttleMaxDelaySeconds must be from 1 to ${MAX_THROTTLE_DELAY_SECONDS} (a waiter retrying less often loses its place in the queue), got ${config.throttleMaxDelaySeconds}`,
      { field: 'throttleMaxDelaySeconds' },
    );
  if (config.maxDelaySeconds < 1 || config.maxDelaySeconds > DEFAULT_RUNTIME_CONFIG.maxDelaySeconds)
    throw new ValidationError(`maxDelaySeconds must be from 1 to 900 (SQS's limit), got ${config.maxDelaySeconds}`);
  if (!deps.store || !deps.queue || !deps.workflows)
    throw new ValidationError('runtime deps need a store, a queue and workflows');
  const given: unknown = deps.callbackSecrets ?? [];
  if (!Array.isArray(given) || (deps.callbackSecrets !== undefined && given.length === 0))
    throw new ValidationError('callbackSecrets must be a non-empty list of secrets (the first signs, all verify)');
  const secrets = (given as unknown[]).map((secret) => {
    assertCallbackSecret(secret);
    return secret;
  });
  return {
    ...config,
    store: deps.store,
    queue: deps.queue,
    workflows: deps.workflows,
    clock: deps.clock ?? systemClock,
    owner: deps.owner,
    onEvent: deps.onEvent,
    logger: deps.logger ?? noopLogger,
    callbackSecrets: secrets,
    jobs: deps.jobs,
    limiter: deps.limiter,
  };
}
