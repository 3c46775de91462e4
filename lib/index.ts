/**
 * longrunning: durable long-running (AI agent) executions, in-process and on AWS
 * serverless. This is the package's one entry point; import from here only.
 */

// Core domain
export { ExecutionState, isExecutionState, isTerminalState } from './core/execution-state.js';
export { EventType } from './core/events.js';
export type { ExecutionEvent } from './core/events.js';
export type { Checkpoint, Execution, NamedStep, StepContext, StepFunc } from './core/types.js';
export {
  ErrorCode,
  IllegalTransitionError,
  LongRunningError,
  NotFoundError,
  StateTooLargeError,
  StepNotRegisteredError,
  ValidationError,
} from './core/errors.js';
export type { ErrorInfo, LongRunningErrorOptions } from './core/errors.js';
export type { Logger, LogFields } from './core/logger.js';
export { noopLogger } from './core/logger.js';
export { backoffDelayMs } from './core/backoff.js';
export type { BackoffPolicy } from './core/backoff.js';
export { canTransition, legalFrom } from './core/transitions.js';
export type { TransitionAction } from './core/transitions.js';

// In-process executor
export { Executor } from './executor/executor.js';
export type { ExecutorOptions, StartOptions } from './executor/executor.js';
export { defaultExecutorConfig } from './executor/config.js';
export type { ExecutorConfig } from './executor/config.js';
export { StepRegistry } from './executor/step-registry.js';

// Checkpoint stores
export type { CheckpointStore } from './stores/checkpoint-store.js';
export { FileCheckpointStore } from './stores/file-checkpoint-store.js';
export { MemoryCheckpointStore } from './stores/memory-checkpoint-store.js';
export { PersistentCheckpointStore } from './stores/persistent-checkpoint-store.js';
export { MemoryTaskStore } from './stores/memory-task-store.js';
export type { TaskRecord, TaskStoreAdapter } from './stores/task-store.js';
export { decodeExecution, encodeExecution, parseExecution, serializeExecution } from './stores/execution-codec.js';
export type { GoCheckpointDocument, GoExecutionDocument } from './stores/go-execution-document.js';
