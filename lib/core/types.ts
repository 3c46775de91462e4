import type { ExecutionState } from './execution-state.js';

/** What a step is given besides its input state. */
export interface StepContext {
  /** Aborted when the execution is cancelled or the step runs out of time. */
  signal: AbortSignal;
  /** The execution this step belongs to. */
  executionId: string;
  /** 0-based index of the step in the execution's step list. */
  step: number;
  /** 0 on the first try of this step, 1 on the first retry, and so on. */
  attempt: number;
  /**
   * Marks the step as alive. Long steps call it to extend their lease (serverless)
   * or advance `lastUpdate` (in-process); it resolves once recorded.
   */
  heartbeat: () => Promise<void>;
}

/** A step: takes the previous step's state and returns the next one. */
export type StepFunc<S = unknown> = (state: S, ctx: StepContext) => S | Promise<S>;

/** A step with a stable name, so that it can be found again after a restart. */
export interface NamedStep<S = unknown> {
  name: string;
  fn: StepFunc<S>;
}

/** A saved point an execution can resume from: the input state of step `step`. */
export interface Checkpoint {
  id: string;
  /** The index of the next step to run from this checkpoint. */
  step: number;
  /** The state at this point: the input of step `step`. */
  state: unknown;
  timestamp: Date;
  metadata?: Record<string, unknown>;
}

/** One long-running execution: an ordered list of steps and where it is in them. */
export interface Execution {
  id: string;
  name: string;
  state: ExecutionState;
  /** Completed steps as a percentage of all steps, 0 to 100. */
  progress: number;
  /** Index of the next step to run (equals `totalSteps` once all are done). */
  currentStep: number;
  totalSteps: number;
  /** Step names, present when the execution can be resumed by name. */
  stepNames?: string[];
  startTime: Date;
  lastUpdate: Date;
  endTime?: Date;
  /** The most recent checkpoints, oldest first (a bounded number of them). */
  checkpoints: Checkpoint[];
  metadata: Record<string, unknown>;
  /** The last error's message, once failed. */
  error?: string;
}
