/**
 * longrunning: durable long-running (AI agent) executions, in-process and on AWS
 * serverless. This is the package's one entry point; import from here only.
 */

// Core domain
export { ExecutionState, isExecutionState, isTerminalState } from './core/execution-state.js';
export { EventType } from './core/events.js';
export type { ExecutionEvent } from './core/events.js';
export type {
  Checkpoint,
  Execution,
  ForkOptions,
  ForkOrigin,
  NamedStep,
  RewindOptions,
  SeqRange,
  StepContext,
  StepFunc,
} from './core/types.js';
export {
  ErrorCode,
  ExecutionCancelledError,
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
export { MAX_TIMER_MS, setRepeatingTimer, systemClock } from './core/clock.js';
export type { CancelTimer, Clock, TimerOptions } from './core/clock.js';
export { itemSizeBytes, MAX_ITEM_BYTES } from './core/item-size.js';
export type { BackoffPolicy } from './core/backoff.js';
export { canTransition, legalFrom } from './core/transitions.js';
export { assertSafeId, EXECUTION_ID_PATTERN, isSafeId, newExecutionId, SAFE_ID_RULE } from './core/ids.js';
export {
  assertExecutionName,
  assertStepName,
  checkNamedSteps,
  isPrintableName,
  MAX_EXECUTION_NAME_LENGTH,
  MAX_STEP_NAME_LENGTH,
} from './core/step-list.js';
export type { TransitionAction } from './core/transitions.js';

// Waits, events and loops (the step model, on both faces)
export { assertEventType, isStepDirective, MAX_EVENT_TYPE_LENGTH, StepDirective } from './core/directives.js';
export type { OnTimeout, SleepOptions, StepResult, WaitForEventOptions } from './core/directives.js';
export { DEFAULT_MAX_STEP_RUNS, MAX_INBOX_BYTES, MAX_INBOX_EVENTS, MAX_SEEN_EVENT_IDS } from './core/waits.js';
export type { Delivery, EventInput, InboxEvent, StepEvent } from './core/waits.js';
export { assertCallbackSecret, MAX_CALLBACK_TOKEN_LENGTH, MAX_OPEN_CALLBACKS } from './core/callback-tokens.js';
export type { OpenCallback } from './core/callback-tokens.js';
export type { ExecutionWait } from './core/types.js';
export { addUsage, overBudget, validateBudget, validateUsage } from './core/usage.js';
export type { Budget, BudgetOverrun, Usage } from './core/usage.js';
export { limitKeyOf, validateLimits, MAX_CONCURRENCY, MAX_LIMITS_PER_STEP } from './core/limits.js';
export type { LimitSpec } from './core/limits.js';

// In-process executor
export { Executor } from './executor/executor.js';
export type {
  ExecutionStatus,
  ExecutorOptions,
  LimitInfo,
  StartOptions,
  ThrottledInfo as ExecutorThrottledInfo,
} from './executor/executor.js';
export { defaultExecutorConfig, IN_PROCESS_CALLBACK_KEY } from './executor/config.js';
export type { SendEventResult } from './executor/wait-driver.js';
export type { ExecutorConfig } from './executor/config.js';
export { StepRegistry } from './core/step-registry.js';

// Checkpoint stores
export type { CheckpointStore } from './stores/checkpoint-store.js';
export { FileCheckpointStore } from './stores/file-checkpoint-store.js';
export { MemoryCheckpointStore } from './stores/memory-checkpoint-store.js';
export { PersistentCheckpointStore } from './stores/persistent-checkpoint-store.js';
export { MemoryTaskStore } from './stores/memory-task-store.js';
export type { TaskRecord, TaskStoreAdapter } from './stores/task-store.js';
export { decodeExecution, encodeExecution, parseExecution, serializeExecution } from './stores/execution-codec.js';
export type {
  GoCheckpointDocument,
  GoExecutionDocument,
  GoInboxEventDocument,
  GoWaitDocument,
} from './stores/go-execution-document.js';

// Serverless runtime (the durable step protocol, over two ports)
export { defineWorkflow, stepLimits, WORKFLOW_NAME_PATTERN, WORKFLOW_NAME_RULE } from './runtime/workflow.js';
export type { CheckpointHistory, Workflow, WorkflowDefinition } from './runtime/workflow.js';
export { WorkflowRegistry } from './runtime/workflow-registry.js';
export {
  checkDeploy,
  DEPLOY_CHECK_MAX_IDS,
  DEPLOY_CHECK_STATES,
  formatDeployCheck,
  listUnfinishedExecutions,
  stepListsHash,
} from './runtime/deploy-check.js';
export type {
  ChangedStepsGroup,
  DeployCheckExecution,
  DeployCheckOptions,
  DeployCheckReport,
  DeployedWorkflows,
  ListExecutions,
  StrandedGroup,
  VersionChangedGroup,
} from './runtime/deploy-check.js';
export { ControlPlane } from './runtime/control-plane.js';
export { COUNTS_CAP } from './runtime/control-plane.js';
export { USAGE_CAP } from './runtime/budget-actions.js';
export type {
  ActionResult,
  BudgetResult,
  ExecutionDetails,
  ForkRequest,
  ListRequest,
  StateCountsView,
  WorkflowUsage,
} from './runtime/control-plane.js';
export { MAX_COUNT_CAP, MAX_NAME_FILTER_LENGTH } from './runtime/list-filter.js';
export type { StartRequest } from './runtime/start-request.js';
export { processStepMessage } from './runtime/step-processor.js';
export { decodePageToken, encodePageToken, MAX_PAGE_TOKEN_LENGTH, PAGE_TOKEN_PATTERN } from './runtime/paging.js';
export { MAX_DELAY_SECONDS } from './runtime/step-message.js';
export { checkpointView, describeThrottle, describeUsage, executionView, jobView } from './runtime/execution-view.js';
export type { CheckpointView, ExecutionView, JobView } from './runtime/execution-view.js';
export {
  BULK_CONCURRENCY,
  BULK_PAGE_SIZE,
  BULK_STATES,
  DEFAULT_BULK_MAX,
  MAX_BULK_EXECUTIONS,
  validateBulkRequest,
} from './runtime/bulk-jobs.js';
export type { BulkRequest, JobPageResult } from './runtime/bulk-jobs.js';
export type { BulkAction, BulkCounts, BulkFilter, BulkJob, JobMessage, JobStore } from './runtime/bulk-model.js';
export type { DropReason, StepOutcome } from './runtime/step-outcome.js';
export { sweep } from './runtime/sweeper.js';
export type { SweepRequest, SweepResult } from './runtime/sweeper.js';
export { DEFAULT_RUNTIME_CONFIG } from './runtime/runtime-config.js';
export type { RuntimeConfig, RuntimeDeps } from './runtime/runtime-config.js';
export type {
  EpochMs,
  ExecutionHead,
  Page,
  RecordedEvent,
  StepMessage,
  StoredCheckpoint,
  ThrottledInfo,
} from './runtime/model.js';
export { MAX_SUPERSEDED_RANGES } from './runtime/model.js';
export type {
  ClaimRequest,
  CommitRequest,
  ExecutionStore,
  Fence,
  Limiter,
  ListQuery,
  NewExecution,
  ReplaceRequest,
  ReplaceResult,
  RewindRequest,
  StateCounts,
  StepQueue,
  TransitionRequest,
} from './runtime/ports.js';
export type { EventResult } from './runtime/event-delivery.js';
export {
  decideAcquire,
  decideRelease,
  limitUseOf,
  MAX_THROTTLE_DELAY_SECONDS,
  WAITER_STALE_MS,
} from './runtime/limit-decision.js';
export type { AcquireRequest, AcquireResult, LimitRecord, LimitUse, RateBound } from './runtime/limit-decision.js';
export type { WaitTiming } from './runtime/wait-timing.js';
export { LeaseConflictError, StaleTokenError } from './runtime/errors.js';

// AWS adapters
export { DynamoDbExecutionStore } from './aws/execution-store/dynamodb-execution-store.js';
export { DynamoDbJobStore } from './aws/dynamodb-job-store.js';
export { DynamoDbLimiter, LIMITS_PK } from './aws/dynamodb-limiter.js';
export type { DynamoDbExecutionStoreOptions } from './aws/execution-store/dynamodb-execution-store.js';
export {
  DEFAULT_LARGE_STATE_THRESHOLD,
  DEFAULT_MAX_STATE_BYTES,
  DEFAULT_STATE_PREFIX,
  INPUT_UPLOAD_PREFIX,
  LargeStateExecutionStore,
} from './aws/large-state/large-state-store.js';
export type { LargeStateOptions } from './aws/large-state/large-state-store.js';
export { S3StateObjects } from './aws/large-state/state-objects.js';
export type { S3StateObjectsOptions, StateObjects } from './aws/large-state/state-objects.js';
export { isStoredStateRef, STATE_REF_FIELD, StoredStateRef } from './aws/large-state/state-ref.js';
export type { StateRefFields } from './aws/large-state/state-ref.js';
export { DynamoDbCheckpointStore } from './aws/dynamodb-checkpoint-store.js';
export type { DynamoDbCheckpointStoreOptions } from './aws/dynamodb-checkpoint-store.js';
export { SqsStepQueue } from './aws/sqs-step-queue.js';
export type { SqsStepQueueOptions } from './aws/sqs-step-queue.js';
export { createTableInput, IndexNames, tableSchema, TableKeys, TTL_ATTRIBUTE } from './aws/schema/table-schema.js';
export type { IndexDefinition, KeyAttribute, TableSchema } from './aws/schema/table-schema.js';
export { deadLetterQueueAttributes, stepQueueAttributes, stepQueueSchema } from './aws/schema/queue-schema.js';
export type { QueueSchema } from './aws/schema/queue-schema.js';
