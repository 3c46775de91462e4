import type { ExecutionEvent } from '../../../lib/core/events.js';
import type { Logger, LogFields } from '../../../lib/core/logger.js';
import { Executor, type ExecutorOptions } from '../../../lib/executor/executor.js';
import type { ExecutorConfig } from '../../../lib/executor/config.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';

/** The harness clock's start, so that failures print the same times every run. */
export const T0 = Date.UTC(2025, 0, 1);

/** Settings for tests: a short backoff, and heartbeats and periodic checkpoints out of the way. */
export const FAST: Partial<ExecutorConfig> = {
  retryBaseDelayMs: 1,
  retryMaxDelayMs: 4,
  heartbeatIntervalMs: 60_000,
  checkpointIntervalMs: 60_000,
};

export interface Harness {
  executor: Executor;
  /** The executor's clock: backoff, heartbeats and periodic checkpoints fire only when it is advanced. */
  clock: ManualClock;
  store: MemoryCheckpointStore;
  events: ExecutionEvent[];
  logs: { level: string; message: string; fields?: LogFields }[];
}

export function harness(config: Partial<ExecutorConfig> = {}, options: ExecutorOptions = {}): Harness {
  const store = new MemoryCheckpointStore();
  const clock = new ManualClock(T0);
  const events: ExecutionEvent[] = [];
  const logs: Harness['logs'] = [];
  const logger: Logger = {
    debug: (message, fields) => logs.push({ level: 'debug', message, ...(fields ? { fields } : {}) }),
    info: (message, fields) => logs.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => logs.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => logs.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
  const executor = new Executor(
    { ...FAST, ...config },
    { checkpointStore: store, logger, onEvent: (e) => events.push(e), clock, ...options },
  );
  return { executor, clock, store, events, logs };
}

/** A promise that a test resolves by hand, to hold a step at a known point. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/**
 * Lets pending promise callbacks run until `predicate` holds, checking after each
 * turn of the event loop. No real time is waited for: what it waits for must
 * follow from promises alone (advance the clock for anything timed), so it fails
 * after `turns` turns however fast or slow the machine is.
 */
export async function until(predicate: () => boolean, what: string, turns = 1_000): Promise<void> {
  for (let turn = 0; !predicate(); turn++) {
    if (turn >= turns) throw new Error(`${what} did not happen within ${turns} turns of the event loop`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets pending callbacks run until the execution is `waiting` (its wait committed). */
export async function untilWaiting(executor: Executor, execId: string): Promise<void> {
  await until(() => executor.getExecution(execId)?.state === 'waiting', `execution ${execId} waiting`);
}

export const add =
  (n: number) =>
  (s: unknown): number =>
    (s as number) + n;
