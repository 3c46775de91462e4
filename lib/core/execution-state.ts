/**
 * The lifecycle states of an execution. The string values are stored in
 * checkpoints and DynamoDB items, and match the Go package's.
 */
export const ExecutionState = {
  Initialized: 'initialized',
  Running: 'running',
  Paused: 'paused',
  Resuming: 'resuming',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
  /** Committed a sleep or an event wait; the next step runs when it ends. */
  Waiting: 'waiting',
} as const;

/** One of the values of {@link ExecutionState}. */
export type ExecutionState = (typeof ExecutionState)[keyof typeof ExecutionState];

const ALL_STATES: ReadonlySet<string> = new Set(Object.values(ExecutionState));
const TERMINAL: ReadonlySet<ExecutionState> = new Set([
  ExecutionState.Completed,
  ExecutionState.Failed,
  ExecutionState.Cancelled,
]);

/** True for a string that names one of the execution states. */
export function isExecutionState(value: unknown): value is ExecutionState {
  return typeof value === 'string' && ALL_STATES.has(value);
}

/** True once an execution can no longer change: completed, failed or cancelled. */
export function isTerminalState(state: ExecutionState): boolean {
  return TERMINAL.has(state);
}
