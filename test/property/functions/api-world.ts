import { makeApiHandler } from '../../../functions/http/api-handler.js';
import { arithmeticWorkflow } from '../../../examples/workflows.js';
import { noopLogger } from '../../../lib/core/logger.js';
import { ControlPlane } from '../../../lib/runtime/control-plane.js';
import type { RuntimeDeps } from '../../../lib/runtime/runtime-config.js';
import { processStepMessage } from '../../../lib/runtime/step-processor.js';
import { WorkflowRegistry } from '../../../lib/runtime/workflow-registry.js';
import { InMemoryExecutionStore } from '../../../lib/testing/in-memory-execution-store.js';
import { InMemoryStepQueue } from '../../../lib/testing/in-memory-step-queue.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';

/** The API over in-memory ports, with executions in every state the runtime uses. */
export interface ApiWorld {
  api: ReturnType<typeof makeApiHandler>;
  /** Ids of a running, a paused, a completed, a failed and a cancelled execution. */
  ids: string[];
  /** Idempotency keys already used by those executions. */
  keys: string[];
  /** Real page tokens: of a list of executions, and of a list of checkpoints. */
  tokens: { list: string; checkpoints: string };
  /** Everything stored and sent, as text: equal before and after means nothing changed. */
  contents: () => Promise<string>;
}

/** Builds a fresh world (the clock is manual: nothing depends on the wall clock). */
export async function apiWorld(): Promise<ApiWorld> {
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const store = new InMemoryExecutionStore();
  const queue = new InMemoryStepQueue({ clock });
  const workflows = new WorkflowRegistry().register(arithmeticWorkflow);
  const deps: RuntimeDeps = { store, queue, workflows, clock, maxRetries: 0 };
  const control = new ControlPlane(deps);
  const keys = ['key-running', 'key-paused', 'key-completed', 'key-failed', 'key-cancelled'];
  const ids: string[] = [];
  for (const [i, idempotencyKey] of keys.entries()) {
    // A null input makes the first step throw, so the execution with it fails.
    const input = idempotencyKey === 'key-failed' ? null : { value: i };
    ids.push((await control.start({ workflow: 'arithmetic', input, idempotencyKey })).head.id);
    await clock.advance(1);
  }
  const [running, paused, completed, , cancelled] = ids as [string, string, string, string, string];
  await control.pause(paused);
  await control.cancel(cancelled);
  await queue.drain((m) =>
    'executionId' in m && m.executionId === running
      ? Promise.resolve()
      : processStepMessage(m, { deadline: clock.now() + 60_000 }, deps),
  );
  const states = await Promise.all(ids.map(async (id) => (await control.get(id)).head.state));
  if (states.join() !== 'running,paused,completed,failed,cancelled')
    throw new Error(`the seeded executions are ${states.join()}`);
  const list = (await control.list({ limit: 1 })).nextToken;
  const checkpoints = (await control.get(completed, { checkpointsLimit: 1 })).checkpoints.nextToken;
  if (list === undefined || checkpoints === undefined) throw new Error('the seeded world has no second page');
  return {
    api: makeApiHandler({ control, workflows, logger: noopLogger }),
    ids,
    keys,
    tokens: { list, checkpoints },
    contents: async () => {
      const heads = await store.list({ limit: 100 });
      const all = await Promise.all(
        heads.items.map(async (head) => ({ head, checkpoints: await store.listCheckpoints(head.id, { limit: 100 }) })),
      );
      return JSON.stringify({ all, sent: queue.sent, pending: queue.pending() });
    },
  };
}
