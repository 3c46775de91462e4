import type { FaultLayer, FaultRates } from './options.js';

/**
 * The runtime timing of a chaos run: short enough that every recovery path (lease
 * expiry, sweeper, redelivery, retry backoff) happens many times within the run.
 * A step gets `functionTimeoutMs - WORKER_DEADLINE_BUFFER_MS (2000) - deadlineBufferMs`
 * = 3.5 s from the batch's start before it is abandoned as timed out: ample for steps
 * of at most 20 ms of work, even when every DynamoDB write waits its turn at the
 * serializing proxy on a busy machine (a claim can take seconds there).
 */
export const CHAOS_TIMING = {
  leaseMs: 5_000,
  heartbeatMs: 1_500,
  stallAfterMs: 5_000,
  maxRetries: 3,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 2_000,
  deadlineBufferMs: 500,
  /** A chained step needs this much of the batch's 3.5 s left (the runtime's default, 10 s, is more than a batch). */
  chainMinRemainingMs: 1_000,
  /** The deadline the poller gives each batch, like a Lambda function timeout. */
  functionTimeoutMs: 6_000,
  /** The step queue's visibility timeout: a killed worker's messages come back after this. */
  visibilityTimeoutSeconds: 8,
  /** How long a hung step sleeps, ignoring its signal: well past its deadline. */
  hangMs: 8_000,
  /** Work per step, milliseconds, drawn uniformly. */
  workMs: { min: 0, max: 20 },
  pollWaitSeconds: 10,
} as const;

/**
 * How many shards a run gets by default: about 200 items per table (moto copies the
 * whole table, twice, for every TransactWriteItems of two items), at most 32.
 */
export function defaultShardCount(executions: number, steps: number): number {
  return Math.min(32, Math.max(1, Math.ceil((executions * (steps + 2)) / 200)));
}

/**
 * Each shard poller's concurrent batches and batch size, so that a worker has about
 * 8 messages in flight in all, in several small batches: a batch is one invocation,
 * which returns when its slowest record is done, and only then is the next received.
 */
export function pollingFor(shards: number): { concurrency: number; batchSize: number } {
  const concurrency = Math.max(1, Math.floor(4 / shards));
  return { concurrency, batchSize: Math.max(1, Math.floor(8 / (shards * concurrency))) };
}

/**
 * How often each shard is swept: every 1.5 s per shard, so that the sweepers cost
 * the emulator a steady 5 or so index queries a second (8 per sweep) however many
 * shards there are; left unchecked they would take more of it than the workers.
 */
export function sweepEveryMsFor(shards: number): number {
  return 1_500 * shards;
}

/** The timing as a compact text, for the summary line. */
export function timingText(shards: number): string {
  const t = CHAOS_TIMING;
  return `lease=${t.leaseMs} hb=${t.heartbeatMs} stall=${t.stallAfterMs} sweep=${sweepEveryMsFor(shards)} fn=${t.functionTimeoutMs} vis=${t.visibilityTimeoutSeconds * 1000} retries=${t.maxRetries}`;
}

/** One shard: a whole deployment's table and step queue (with its dead-letter queue). */
export interface Shard {
  index: number;
  tableName: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/** What the driver passes a worker process (as JSON in the CHAOS_WORKER environment variable). */
export interface WorkerConfig {
  index: number;
  generation: number;
  seed: number;
  /** DynamoDB endpoint (the serializing proxy in front of moto). */
  dynamoEndpoint: string;
  sqsEndpoint: string;
  /** The bucket of large states and the S3 endpoint it is on (no faults are injected on S3). */
  stateBucket: string;
  s3Endpoint: string;
  shards: Shard[];
  steps: number;
  rates: FaultRates;
  slowMs: number;
  faultLayer: FaultLayer;
  sdkMaxAttempts: number;
  /** True once the driver has entered the drain phase: no faults, no crashes. */
  calm: boolean;
}

/**
 * The most bytes of JSON a chaos state may have: DynamoDB's item limit, so that an
 * `oversize` step (450 KB) still fails with STATE_TOO_LARGE as it does on a table
 * alone, while a large execution's 40 KB states go to S3.
 */
export const CHAOS_MAX_STATE_BYTES = 400 * 1024;

/** The environment variable that carries the {@link WorkerConfig}. */
export const WORKER_CONFIG_ENV = 'CHAOS_WORKER';

/** The worker's label in trace lines. */
export function workerLabel(index: number, generation: number): string {
  return `w${index}.${generation}`;
}
