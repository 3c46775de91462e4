// Type-checked (never run) against the installed package's declarations: every
// entry point resolves through the exports map, with the types a user relies on.
import { Executor, type Execution, type WorkflowRegistry } from 'longrunning';
import { InMemoryExecutionStore, InMemoryStepQueue } from 'longrunning/testing';
import { startEmulator, type Emulator } from 'longrunning/local';
import { defaultDeps, makeStepWorker, type StepWorkerDeps } from 'longrunning/handlers';
import { LongRunningWorkflows, type LongRunningWorkflowsProps } from 'longrunning/cdk';
import { deployedWorkflows, type Order } from './workflows.js';

const registry: WorkflowRegistry = deployedWorkflows();
const order: Order = { items: 2 };
const executor = new Executor({ maxRetries: 1 });
const created: Execution = executor.createNamedExecution<Order>('typed', [{ name: 'noop', fn: (o) => o }]);
const props: LongRunningWorkflowsProps = { workflowsModule: 'workflows.ts' };
const emulator: Promise<Emulator> = startEmulator({});
const worker = (deps: StepWorkerDeps) => makeStepWorker(deps);
const wire = () => defaultDeps('step-worker', { TABLE_NAME: 't', QUEUE_URL: 'q' }, registry);
export const used = [
  registry,
  order,
  created,
  props,
  emulator,
  worker,
  wire,
  InMemoryExecutionStore,
  InMemoryStepQueue,
  LongRunningWorkflows,
];
