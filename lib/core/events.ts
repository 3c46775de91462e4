import type { ExecutionState } from './execution-state.js';

/**
 * Lifecycle event types. The first six keep the Go package's meaning and values.
 * `waiting` (a step committed a sleep or an event wait) goes to `onEvent` and the
 * logs only; `resumed` also marks the end of a wait. `rewound`: the execution went
 * back to an earlier checkpoint (`rewind`) and runs on from there.
 */
export const EventType = {
  StepStarted: 'step_started',
  StepCompleted: 'step_completed',
  StepFailed: 'step_failed',
  Checkpointed: 'checkpointed',
  Paused: 'paused',
  Resumed: 'resumed',
  Waiting: 'waiting',
  /** An execution went back to an earlier checkpoint (`rewind`) and runs on from there. */
  Rewound: 'rewound',
  ExecutionCompleted: 'execution_completed',
  ExecutionFailed: 'execution_failed',
  ExecutionCancelled: 'execution_cancelled',
} as const;

/** One of the values of {@link EventType}. */
export type EventType = (typeof EventType)[keyof typeof EventType];

/** An event emitted at a lifecycle transition, in order, to `onEvent`. */
export interface ExecutionEvent {
  type: EventType;
  execId: string;
  /** The step index the event is about. */
  step: number;
  timestamp: Date;
  error?: Error;
  /** The execution state (data) at the event, when there is one. */
  state?: unknown;
}

/** Maps a terminal execution state to the event that announces it. */
export function terminalEventFor(state: ExecutionState): EventType | undefined {
  switch (state) {
    case 'completed':
      return EventType.ExecutionCompleted;
    case 'failed':
      return EventType.ExecutionFailed;
    case 'cancelled':
      return EventType.ExecutionCancelled;
    default:
      return undefined;
  }
}
