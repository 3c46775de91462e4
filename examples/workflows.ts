/**
 * The deployed workflow registry: every workflow the worker can run and the API
 * can start. To add your own, define it with `defineWorkflow` (in this file or a
 * module of yours), register it below, and redeploy (`npx cdk deploy`). Keep step
 * names stable: running executions find their steps by name.
 */
import { agentSteps } from './agent-steps.js';
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

/** Simulated work per agent step, in milliseconds (AGENT_STEP_MS, default 2000). */
function agentStepMs(): number {
  const raw = process.env.AGENT_STEP_MS;
  const value = raw === undefined || raw === '' ? 2_000 : Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 600_000) {
    throw new Error(`AGENT_STEP_MS must be a number of milliseconds from 0 to 600000, got "${raw}"`);
  }
  return value;
}

/**
 * An agent-style workflow with simulated work and no network: plan, research,
 * draft, review, publish. The simulated work per step is read from AGENT_STEP_MS
 * when the registry is built (at cold start).
 */
export function agentWorkflow(): Workflow {
  return defineWorkflow({ name: 'agent-research', version: '1', steps: agentSteps(agentStepMs()) });
}

/** Builds the registry of deployed workflows. Add yours here. */
export function deployedWorkflows(): WorkflowRegistry {
  return new WorkflowRegistry().register(agentWorkflow()).register(arithmeticWorkflow);
}
