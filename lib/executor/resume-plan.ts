import { ExecutionState, isTerminalState } from '../core/execution-state.js';
import type { Execution } from '../core/types.js';

/** What `autoResumeAll` does with one stored execution. */
export type ResumePlan =
  | { kind: 'skip' }
  /** Hold it, not running (paused or initialized: it waits for `resume` or `start`). */
  | { kind: 'adopt' }
  /** Hold it and resume it (running, resuming, or waiting: its wait is armed again). */
  | { kind: 'resume' }
  /** It cannot be rebuilt by its step names. */
  | { kind: 'unresumable'; reason: string };

/**
 * The plan for a stored execution. One this executor is running, or has finished,
 * is newer here than in the store (`held`); one it only loaded is resumed like any
 * other, as the Go package does.
 */
export function resumePlan(
  exec: Execution,
  held: { active: boolean; exec: Execution } | undefined,
  isRegistered: (stepName: string) => boolean,
): ResumePlan {
  if (isTerminalState(exec.state) || held?.active || (held && isTerminalState(held.exec.state)))
    return { kind: 'skip' };
  if (exec.state === ExecutionState.Paused || exec.state === ExecutionState.Initialized) return { kind: 'adopt' };
  const missing = (exec.stepNames ?? []).filter((n) => !isRegistered(n));
  if (!exec.stepNames?.length) return { kind: 'unresumable', reason: 'no step names' };
  if (missing.length > 0) return { kind: 'unresumable', reason: `unregistered steps: ${missing.join(', ')}` };
  return { kind: 'resume' };
}
