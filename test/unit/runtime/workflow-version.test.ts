import { describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../lib/runtime/control-plane.js';
import { executionView } from '../../../lib/runtime/execution-view.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { WorkflowRegistry } from '../../../lib/runtime/workflow-registry.js';
import { countingSteps, makeHarness } from './harness.js';

const input = { n: 0, trail: [] as string[] };
const v1 = defineWorkflow({ name: 'five', version: 'v1', steps: countingSteps(5) });
const v2 = defineWorkflow({ name: 'five', version: 'v2', steps: countingSteps(5) });

/** The same store and queue, with the workflows of a later deploy. */
function deployed(h: ReturnType<typeof makeHarness>, ...workflows: ReturnType<typeof defineWorkflow>[]) {
  const registry = new WorkflowRegistry();
  for (const wf of workflows) registry.register(wf);
  return new ControlPlane({ ...h.deps, workflows: registry });
}

describe('the workflow version on the execution', () => {
  it('records the version of the workflow a start runs, and the view shows it', async () => {
    const h = makeHarness({ workflows: [v1] });
    const { head } = await h.control.start({ workflow: 'five', input });
    expect(head.workflowVersion).toBe('v1');
    expect((await h.control.get(head.id)).head.workflowVersion).toBe('v1');
    expect(executionView(head).workflowVersion).toBe('v1');
    expect(executionView(head, true).workflowVersion).toBe('v1');
    // An explicit step list still runs under the workflow, and records its version.
    const { head: listed } = await h.control.start({ workflow: 'five', input, steps: ['s0', 's1'] });
    expect(listed.workflowVersion).toBe('v1');
  });

  it('keeps the version through the run: the head it completes with still names it', async () => {
    const h = makeHarness({ workflows: [v1] });
    const { head } = await h.control.start({ workflow: 'five', input });
    await h.drain();
    const done = (await h.control.get(head.id)).head;
    expect(done.state).toBe('completed');
    expect(done.workflowVersion).toBe('v1');
  });

  it('records no version (no field at all) for a workflow without one', async () => {
    const h = makeHarness();
    const { head } = await h.control.start({ workflow: 'five', input });
    expect('workflowVersion' in head).toBe(false);
    expect('workflowVersion' in executionView(head)).toBe(false);
  });

  it('records on a fork the version of the workflow deployed now, not the original one', async () => {
    const h = makeHarness({ workflows: [v1] });
    const { head: original } = await h.control.start({ workflow: 'five', input });
    await h.drain();
    const now = deployed(h, v2);
    const { head: fork } = await now.fork(original.id, { fromCheckpoint: 2 });
    expect(fork.workflowVersion).toBe('v2');
    expect(executionView(fork).workflowVersion).toBe('v2');
    expect((await h.control.get(original.id)).head.workflowVersion).toBe('v1');
  });

  it('records no version on a fork when the workflow deployed now has none', async () => {
    const h = makeHarness({ workflows: [v1] });
    const { head: original } = await h.control.start({ workflow: 'five', input });
    await h.drain();
    const unversioned = defineWorkflow({ name: 'five', steps: countingSteps(5) });
    const { head: fork } = await deployed(h, unversioned).fork(original.id, { fromCheckpoint: 1 });
    expect('workflowVersion' in fork).toBe(false);
  });
});
