import type { ExecutionEvent } from '../../../lib/core/events.js';
import type { NamedStep } from '../../../lib/core/types.js';
import { ControlPlane } from '../../../lib/runtime/control-plane.js';
import { InMemoryExecutionStore } from '../../../lib/testing/in-memory-execution-store.js';
import { InMemoryStepQueue } from '../../../lib/testing/in-memory-step-queue.js';
import { InMemoryJobStore } from '../../../lib/testing/in-memory-job-store.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import type { ExecutionStore } from '../../../lib/runtime/ports.js';
import type { RuntimeConfig, RuntimeDeps } from '../../../lib/runtime/runtime-config.js';
import { processStepMessage } from '../../../lib/runtime/step-processor.js';
import type { StepOutcome } from '../../../lib/runtime/step-outcome.js';
import { sweep } from '../../../lib/runtime/sweeper.js';
import { defineWorkflow, type Workflow } from '../../../lib/runtime/workflow.js';
import { WorkflowRegistry } from '../../../lib/runtime/workflow-registry.js';

/** The callback secret the harness signs with. */
export const TEST_CALLBACK_SECRET = 'harness-callback-secret-0123456789';

/** A fixed start time, so that failures print the same numbers every run. */
export const T0 = Date.UTC(2025, 0, 1);

/** A store wrapper that counts calls per method (the cost invariant). */
export function countingStore(inner: ExecutionStore): { store: ExecutionStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}

/** Steps that add their index to `trail` and a counter, so the folded state is easy to predict. */
export function countingSteps(n: number, prefix = 's'): NamedStep<{ n: number; trail: string[] }>[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `${prefix}${i}`,
    fn: (state: { n: number; trail: string[] }) => ({ n: state.n + 1, trail: [...state.trail, `${prefix}${i}`] }),
  }));
}

/**
 * A harness of in-memory ports, a manual clock at {@link T0} (advance it with
 * `await h.clock.advance(ms)`: step deadlines and heartbeats fire only then), the
 * control plane and a queue driver.
 */
export function makeHarness(
  options: {
    workflows?: Workflow[];
    config?: Partial<RuntimeConfig>;
    maxItemBytes?: number;
    onEvent?: RuntimeDeps['onEvent'];
  } = {},
) {
  const clock = new ManualClock(T0);
  const memory = new InMemoryExecutionStore(
    options.maxItemBytes === undefined ? {} : { maxItemBytes: options.maxItemBytes },
  );
  const { store, calls } = countingStore(memory);
  const queue = new InMemoryStepQueue({ clock });
  const workflows = new WorkflowRegistry();
  for (const wf of options.workflows ?? [defineWorkflow({ name: 'five', steps: countingSteps(5) })])
    workflows.register(wf);
  const events: ExecutionEvent[] = [];
  const jobs = new InMemoryJobStore();
  const deps: RuntimeDeps = {
    store,
    queue,
    jobs,
    workflows,
    clock,
    callbackSecrets: [TEST_CALLBACK_SECRET],
    onEvent: options.onEvent ?? ((e) => void events.push(e)),
    ...options.config,
  };
  const control = new ControlPlane(deps);
  const process = (
    message: unknown,
    overrides: Partial<RuntimeDeps> = {},
    deadline = clock.now() + 60_000,
  ): Promise<StepOutcome> => processStepMessage(message, { deadline }, { ...deps, ...overrides });
  const outcomes: StepOutcome[] = [];
  return {
    memory,
    jobs,
    store,
    calls,
    queue,
    workflows,
    deps,
    control,
    events,
    outcomes,
    clock,
    process,
    /** Feeds visible messages to the worker until none is visible; returns how many. */
    drain(overrides: Partial<RuntimeDeps> = {}): Promise<number> {
      return queue.drain(async (m) => {
        outcomes.push(await process(m, overrides));
      });
    },
    sweep(limit = 100) {
      return sweep({ limit }, deps);
    },
  };
}

/** A promise with its resolve function, for steps that wait on the test. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A flag that turns true once `promise` settles, either way (read it after `await h.clock.advance(...)`). */
export function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

/** Lets pending promise callbacks (the in-memory adapters') run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

const STORE_METHODS = [
  'create',
  'claim',
  'extendLease',
  'commit',
  'releaseForRetry',
  'fail',
  'park',
  'replaceHead',
  'transition',
  'get',
  'getCheckpoint',
  'rewind',
  'listCheckpoints',
  'list',
  'countByState',
  'findStalled',
  'delete',
] as const satisfies readonly (keyof ExecutionStore)[];

/** `inner` with some methods replaced (to inject transient failures). */
export function overriding(inner: ExecutionStore, overrides: Partial<ExecutionStore>): ExecutionStore {
  const entries = STORE_METHODS.map((name) => [name, overrides[name] ?? (inner[name].bind(inner) as unknown)]);
  return Object.fromEntries(entries) as ExecutionStore;
}
