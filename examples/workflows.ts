/**
 * The deployed workflow registry: every workflow the worker can run and the API
 * can start. To add your own, define it with `defineWorkflow` (in this file or a
 * module of yours), register it below, and redeploy (`npx cdk deploy`). Keep step
 * names stable: running executions find their steps by name.
 */
import { agentSteps } from './agent-steps.js';
import { approvalSteps } from './approval-steps.js';
import { EnvReader } from '../functions/shared/env.js';
import { defineWorkflow, type Workflow, WorkflowRegistry } from '../lib/index.js';

/** Input and state of the `arithmetic` workflow. */
export interface ArithmeticState {
  value: number;
  history?: string[];
}

const record = (s: ArithmeticState, entry: string, value: number): ArithmeticState => ({
  value,
  history: [...(s.history ?? []), entry],
});

/** A small deterministic workflow: ((value + 10) * 2) - 3, recording each step. */
export const arithmeticWorkflow = defineWorkflow<ArithmeticState>({
  name: 'arithmetic',
  version: '1',
  steps: [
    { name: 'add-ten', fn: (s) => record(s, 'add-ten', s.value + 10) },
    { name: 'double', fn: (s) => record(s, 'double', s.value * 2) },
    { name: 'subtract-three', fn: (s) => record(s, 'subtract-three', s.value - 3) },
  ],
});

/**
 * An agent-style workflow with simulated work and no network: plan, research,
 * draft, review, publish. The simulated work per step is read from AGENT_STEP_MS
 * when the registry is built (at cold start).
 */
export function agentWorkflow(): Workflow {
  return defineWorkflow({
    name: 'agent-research',
    version: '1',
    steps: agentSteps(new EnvReader(process.env).milliseconds('AGENT_STEP_MS', 2_000, 0, 600_000)),
  });
}

/**
 * A human in the loop: draft, wait up to 24 h for an `approval` event (sent with
 * `longrunning send-event`, or by the callback link the compose step logs), then
 * publish, or go back to compose with the reviewer's comments (at most 3 drafts).
 */
export function approvalWorkflow(): Workflow {
  return defineWorkflow({
    name: 'approval',
    version: '1',
    steps: approvalSteps(new EnvReader(process.env).milliseconds('AGENT_STEP_MS', 2_000, 0, 600_000), (line) =>
      console.log(line),
    ),
  });
}

/** Builds the registry of deployed workflows. Add yours here. */
export function deployedWorkflows(): WorkflowRegistry {
  return new WorkflowRegistry().register(agentWorkflow()).register(arithmeticWorkflow).register(approvalWorkflow());
}
