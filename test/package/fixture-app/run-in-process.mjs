// Runs a two-step execution with the installed package, on both faces: the
// in-process Executor (default file checkpoint store) and the serverless runtime
// on the in-memory ports of longrunning/testing. Prints what happened as JSON.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ControlPlane, Executor, defineWorkflow, processStepMessage, WorkflowRegistry } from 'longrunning';
import { InMemoryExecutionStore, InMemoryStepQueue } from 'longrunning/testing';

const steps = [
  { name: 'double', fn: (n) => n * 2 },
  { name: 'add-one', fn: async (n) => n + 1 },
];

const checkpointDir = join(process.cwd(), 'checkpoints');
const executor = new Executor({ checkpointDir });
const exec = executor.createNamedExecution('fixture', steps);
await executor.start(exec.id, 20);
const done = await executor.wait(exec.id);

const workflows = new WorkflowRegistry().register(defineWorkflow({ name: 'fixture', steps }));
const queue = new InMemoryStepQueue();
const deps = { store: new InMemoryExecutionStore(), queue, workflows };
const { head } = await new ControlPlane(deps).start({ workflow: 'fixture', input: 5 });
await queue.drain((message) => processStepMessage(message, { deadline: Date.now() + 60_000 }, deps));
const runtime = (await new ControlPlane(deps).get(head.id)).head;

console.log(
  JSON.stringify({
    executor: { state: done.state, result: done.checkpoints.at(-1)?.state },
    checkpointFile: existsSync(join(checkpointDir, `${exec.id}.json`)),
    runtime: { state: runtime.state, result: runtime.data },
  }),
);
