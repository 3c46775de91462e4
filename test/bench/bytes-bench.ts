/**
 * Bytes the serverless runtime writes to DynamoDB per step, as the length of an
 * execution and the number of events it has seen grow. Item sizes are DynamoDB's
 * (attribute names plus values, `itemSizeBytes`) of the items the DynamoDB store
 * writes (`headToItem`, `checkpointToItem`), for the heads and checkpoints the
 * runtime produces on the in-memory store: deterministic, so no emulator is needed.
 */
import { checkpointToItem, headToItem } from '../../lib/aws/execution-store/items.js';
import { itemSizeBytes } from '../../lib/core/item-size.js';
import {
  ControlPlane,
  defineWorkflow,
  processStepMessage,
  type RuntimeDeps,
  WorkflowRegistry,
} from '../../lib/index.js';
import type { ExecutionStore } from '../../lib/runtime/ports.js';
import { overriding } from '../unit/runtime/harness.js';
import { InMemoryExecutionStore, InMemoryStepQueue, ManualClock } from '../../lib/testing/index.js';

/** One measured execution: its length, the events it saw, and the bytes it wrote per step. */
export interface BytesRow {
  shape: string;
  steps: number;
  events: number;
  /** Head and checkpoint bytes written by claims and commits, per step. */
  bytesPerStep: number;
  /** The head's size at the end of the run. */
  headBytes: number;
}

type Loop = { n: number; of: number; note: string };

/** A loop of `runs` step runs over one step (goto), optionally waiting for an event before each. */
function loopWorkflow(name: string, withEvents: boolean) {
  return defineWorkflow<Loop>({
    name,
    steps: [
      {
        name: `${name}-work`,
        fn: (s, ctx) => {
          const next = { ...s, n: s.n + 1 };
          if (next.n >= s.of) return next;
          return withEvents
            ? ctx.waitForEvent('tick', { state: next, next: `${name}-work` })
            : ctx.goto(`${name}-work`, next);
        },
      },
    ],
  });
}

/** Wraps a store so that every claim and commit adds the size of what it wrote to `bytes`. */
function sizing(store: ExecutionStore, bytes: { total: number }): ExecutionStore {
  return overriding(store, {
    claim: async (req) => {
      const head = await store.claim(req);
      if (head) bytes.total += itemSizeBytes(headToItem(head));
      return head;
    },
    commit: async (req) => {
      const head = await store.commit(req);
      bytes.total += itemSizeBytes(headToItem(head));
      const [latest] = (await store.listCheckpoints(head.id, { limit: 1 })).items;
      if (req.checkpoint !== false && latest) bytes.total += itemSizeBytes(checkpointToItem(latest));
      return head;
    },
  });
}

async function measure(steps: number, withEvents: boolean): Promise<BytesRow> {
  const clock = new ManualClock(Date.UTC(2026, 11, 2));
  const memory = new InMemoryExecutionStore();
  const bytes = { total: 0 };
  const workflow = loopWorkflow(withEvents ? 'ticks' : 'loop', withEvents);
  const deps: RuntimeDeps = {
    store: sizing(memory, bytes),
    queue: new InMemoryStepQueue({ clock }),
    workflows: new WorkflowRegistry().register(workflow),
    clock,
  };
  const control = new ControlPlane({ ...deps, store: memory });
  const input: Loop = { n: 0, of: steps, note: 'a typical small agent state' };
  const { head } = await control.start({ workflow: workflow.name, input, maxStepRuns: Infinity });
  const queue = deps.queue as InMemoryStepQueue;
  let events = 0;
  for (;;) {
    const [pending] = queue.receive();
    if (pending) {
      await processStepMessage(pending.message, { deadline: clock.now() + 60_000 }, deps);
      continue;
    }
    const now = await memory.get(head.id);
    if (now?.state !== 'waiting') break;
    await control.sendEvent(head.id, { type: 'tick', eventId: `tick-${events++}` });
  }
  const end = await memory.get(head.id);
  if (end?.state !== 'completed') throw new Error(`bench execution ended ${String(end?.state)}`);
  return {
    shape: withEvents ? 'a wait for an event before each step' : 'a goto loop',
    steps,
    events,
    bytesPerStep: bytes.total / steps,
    headBytes: itemSizeBytes(headToItem(end)),
  };
}

/** Bytes per step for executions of 10 to 10,000 step runs, without and with an event per step. */
export async function benchBytes(): Promise<BytesRow[]> {
  const rows: BytesRow[] = [];
  for (const steps of [10, 100, 1_000, 10_000]) rows.push(await measure(steps, false));
  for (const steps of [10, 100, 1_000]) rows.push(await measure(steps, true));
  return rows;
}
