import { newId } from '../core/ids.js';
import type { Checkpoint, Execution } from '../core/types.js';

/**
 * A copy of an execution that callers may keep or change without touching the
 * executor's own record. Step data is shared, not deep-copied.
 */
export function cloneExecution(exec: Execution): Execution {
  const copy: Execution = {
    ...exec,
    startTime: new Date(exec.startTime),
    lastUpdate: new Date(exec.lastUpdate),
    checkpoints: exec.checkpoints.map((cp) => ({ ...cp, timestamp: new Date(cp.timestamp) })),
    metadata: { ...exec.metadata },
  };
  if (exec.stepNames) copy.stepNames = [...exec.stepNames];
  if (exec.endTime) copy.endTime = new Date(exec.endTime);
  return copy;
}

/**
 * Appends a checkpoint of `data` taken at `timestamp` at the execution's current step
 * and keeps only the `max` most recent, so the cost of a save does not grow with the
 * steps done.
 */
export function recordCheckpoint(exec: Execution, data: unknown, max: number, timestamp: Date): Checkpoint {
  const cp: Checkpoint = { id: newId('cp'), step: exec.currentStep, state: data, timestamp };
  exec.checkpoints.push(cp);
  if (exec.checkpoints.length > max) exec.checkpoints.splice(0, exec.checkpoints.length - max);
  return cp;
}
