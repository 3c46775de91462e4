import type { Clock } from '../core/clock.js';
import { toError } from '../core/errors.js';
import type { EventType, ExecutionEvent } from '../core/events.js';
import type { LimitSpec } from '../core/limits.js';
import type { Logger } from '../core/logger.js';
import type { ExecutorConfig } from './config.js';
import type { Limiter } from './limiter.js';

/** What the run loop needs from its Executor. */
export interface RunLoopDeps {
  config: ExecutorConfig;
  /** Where the loop reads the time and sets its backoff, heartbeat and checkpoint timers. */
  clock: Clock;
  logger: Logger;
  emit(type: EventType, extra?: Partial<ExecutionEvent>): void;
  /**
   * Records a checkpoint (stamped `at`, else now) and saves it. Once saved, emits
   * `stepCompleted` for `completedStep` when given, then `checkpointed`.
   */
  checkpoint(completedStep?: number, at?: Date): Promise<void>;
  /** Saves the snapshot without a new checkpoint (heartbeats). */
  persist(): Promise<void>;
  /** The Executor's flow control, shared by all its executions. */
  limiter: Limiter;
  /** The limits declared for the step called `stepName` (undefined: none, or an anonymous step). */
  limitsOf(stepName: string | undefined): readonly LimitSpec[] | undefined;
}

/** The clock's time as a Date. */
export function now(deps: Pick<RunLoopDeps, 'clock'>): Date {
  return new Date(deps.clock.now());
}

/** Logs a failed lifecycle save instead of throwing: the next save writes the whole snapshot again. */
export async function bestEffort(
  save: Promise<void>,
  deps: Pick<RunLoopDeps, 'logger'>,
  executionId: string,
): Promise<void> {
  try {
    await save;
  } catch (err) {
    deps.logger.error('checkpoint save failed', { executionId, error: toError(err).message });
  }
}
