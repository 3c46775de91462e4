/**
 * longrunning/testing: what you need to unit-test your own workflows without AWS.
 * In-memory adapters of the runtime's two ports, with the DynamoDB store's rules
 * and SQS's delay rules, the in-memory checkpoint stores of the Executor, and a
 * manual clock that drives timeouts, backoff and heartbeats without waiting.
 */
export { InMemoryExecutionStore } from './in-memory-execution-store.js';
export type { InMemoryExecutionStoreOptions } from './in-memory-execution-store.js';
export { InMemoryJobStore } from './in-memory-job-store.js';
export { InMemoryLimiter } from './in-memory-limiter.js';
export { InMemoryStepQueue } from './in-memory-step-queue.js';
export type { InMemoryStepQueueOptions, QueuedMessage } from './in-memory-step-queue.js';
export { ManualClock } from './manual-clock.js';
export { MemoryCheckpointStore } from '../stores/memory-checkpoint-store.js';
export { MemoryTaskStore } from '../stores/memory-task-store.js';
export { testStepContext } from './step-context.js';
export type { TestStepContextOptions } from './step-context.js';
