import { IllegalTransitionError } from './errors.js';
import { ExecutionState } from './execution-state.js';

/** The control actions a caller can ask for, and the lifecycle moves the engine makes itself. */
export type TransitionAction =
  'start' | 'pause' | 'resume' | 'cancel' | 'retry' | 'complete' | 'fail' | 'delete' | 'send an event to' | 'rewind';

const S = ExecutionState;

/** From which states each action is legal. One table, used by every face of the engine. */
const LEGAL_FROM: Readonly<Record<TransitionAction, readonly ExecutionState[]>> = {
  start: [S.Initialized],
  pause: [S.Running, S.Resuming, S.Waiting],
  resume: [S.Paused],
  cancel: [S.Initialized, S.Running, S.Resuming, S.Paused, S.Waiting],
  retry: [S.Failed],
  complete: [S.Running, S.Resuming],
  fail: [S.Running, S.Resuming],
  delete: [S.Completed, S.Failed, S.Cancelled],
  'send an event to': [S.Initialized, S.Running, S.Resuming, S.Paused, S.Waiting],
  rewind: [S.Paused, S.Failed, S.Cancelled, S.Completed],
};

/** The states from which `action` is legal. */
export function legalFrom(action: TransitionAction): readonly ExecutionState[] {
  return LEGAL_FROM[action];
}

/** True when `action` may be applied to an execution in `state`. */
export function canTransition(state: ExecutionState, action: TransitionAction): boolean {
  return LEGAL_FROM[action].includes(state);
}

/** Throws {@link IllegalTransitionError} (code `ILLEGAL_TRANSITION`) unless `action` is legal from `state`. */
export function assertTransition(execId: string, state: ExecutionState, action: TransitionAction): void {
  if (!canTransition(state, action)) {
    throw new IllegalTransitionError(execId, state, action, LEGAL_FROM[action]);
  }
}
