import type { ExecutionEvent } from '../../../lib/core/events.js';
import type { Logger, LogFields } from '../../../lib/core/logger.js';
import { Executor, type ExecutorOptions } from '../../../lib/executor/executor.js';
import type { ExecutorConfig } from '../../../lib/executor/config.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';

/** Fast settings for tests: short backoff, no real multi-second waits. */
export const FAST: Partial<ExecutorConfig> = {
  retryBaseDelayMs: 1,
  retryMaxDelayMs: 4,
  heartbeatIntervalMs: 60_000,
  checkpointIntervalMs: 60_000,
};

export interface Harness {
  executor: Executor;
  store: MemoryCheckpointStore;
  events: ExecutionEvent[];
  logs: { level: string; message: string; fields?: LogFields }[];
}

export function harness(config: Partial<ExecutorConfig> = {}, options: ExecutorOptions = {}): Harness {
  const store = new MemoryCheckpointStore();
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
    { checkpointStore: store, logger, onEvent: (e) => events.push(e), ...options },
  );
  return { executor, store, events, logs };
}

/** A promise that a test resolves by hand, to hold a step at a known point. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** Polls `predicate` on the event loop until it holds (no fixed sleeps). */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

export const add =
  (n: number) =>
  (s: unknown): number =>
    (s as number) + n;
