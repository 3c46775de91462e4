import { expect, it } from 'vitest';
import { LargeStateExecutionStore } from '../../../../lib/aws/large-state/large-state-store.js';
import { ErrorCode, LongRunningError } from '../../../../lib/core/errors.js';
import { ControlPlane } from '../../../../lib/runtime/control-plane.js';
import { processStepMessage } from '../../../../lib/runtime/step-processor.js';
import { defineWorkflow } from '../../../../lib/runtime/workflow.js';
import { MemoryStateObjects } from '../../../support/memory-state-objects.js';
import { makeHarness, overriding } from '../../runtime/harness.js';

type S = { text: string; tagged?: boolean };

it('runs the step on the state, not its S3 reference, when the claim landed but its response was lost', async () => {
  const wf = defineWorkflow<S>({ name: 'big', steps: [{ name: 'tag', fn: (s) => ({ ...s, tagged: true }) }] });
  const h = makeHarness({ workflows: [wf] });
  let lose = true;
  // The claim lands, but its response is lost (a timeout after the write): a retryable error.
  const inner = overriding(h.memory, {
    claim: async (req) => {
      const head = await h.memory.claim(req);
      if (lose) {
        lose = false;
        throw new LongRunningError(ErrorCode.StoreUnavailable, 'socket timeout', { retryable: true });
      }
      return head;
    },
  });
  const store = new LargeStateExecutionStore(inner, { objects: new MemoryStateObjects(), thresholdBytes: 100 });
  const deps = { ...h.deps, store };
  const { head: started } = await new ControlPlane(deps).start({ workflow: 'big', input: { text: 'x'.repeat(500) } });
  const [m] = h.queue.receive();
  const outcome = await processStepMessage(m!.message, { deadline: h.clock.now() + 60_000 }, deps);
  expect(outcome.status).toBe('completed');
  const done = await store.get(started.id);
  // The completed state must be the input with `tagged` added.
  expect(await store.readState(done?.data)).toEqual({ text: 'x'.repeat(500), tagged: true });
});
