import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import type { NamedStep } from '../../../lib/core/types.js';
import type { Delivery, EventInput } from '../../../lib/core/waits.js';
import type { ManualClock } from '../../../lib/testing/manual-clock.js';
import { harness as executorHarness, until } from '../../unit/executor/helpers.js';
import { makeHarness } from '../../unit/runtime/harness.js';

/** What a scenario sees of an execution, the same on both drivers. */
export interface ScenarioView {
  state: string;
  stepRuns: number;
  /** The latest committed state. */
  data: unknown;
  errorCode?: string;
  wait?: { kind: string; eventType?: string };
}

/** One execution of the step model, driven by the Executor or by the serverless runtime. */
export interface ScenarioWorld {
  id: string;
  clock: ManualClock;
  /** Runs everything that is due at the clock's time, until nothing moves. */
  settle(): Promise<void>;
  /** Moves the clock on, then settles. */
  advance(ms: number): Promise<void>;
  view(): Promise<ScenarioView>;
  sendEvent(event: EventInput): Promise<Delivery>;
  completeCallback(token: string, payload?: unknown): Promise<Delivery>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  cancel(): Promise<void>;
  /** The step-run sequence numbers of the checkpoints, oldest first. */
  checkpointSeqs(): Promise<number[]>;
}

/** The state every scenario's steps pass along: a counter, and what each run saw of `ctx.event`. */
export interface ScenarioState {
  n: number;
  seen: unknown[];
}

/** Starts `steps` with `input` on one driver, settled. */
export type Driver = (
  steps: NamedStep<ScenarioState>[],
  input: ScenarioState,
  options?: { maxStepRuns?: number },
) => Promise<ScenarioWorld>;

const SWEEP_EVERY_MS = 60_000;

/** What the Executor and the control plane both offer a scenario: events and control actions by id. */
interface Controls {
  sendEvent(id: string, event: EventInput): Promise<{ delivery: Delivery }>;
  completeCallback(token: string, payload?: unknown): Promise<{ delivery: Delivery }>;
  pause(id: string): Promise<unknown>;
  resume(id: string): Promise<unknown>;
  cancel(id: string): Promise<unknown>;
}

/** The world's events and control actions on one face, each followed by a settle. */
function controlsOf(
  id: string,
  settle: () => Promise<void>,
  face: Controls,
): Pick<ScenarioWorld, 'sendEvent' | 'completeCallback' | 'pause' | 'resume' | 'cancel'> {
  const settled = async <T>(result: Promise<T>): Promise<T> => {
    const value = await result;
    await settle();
    return value;
  };
  return {
    sendEvent: async (event) => (await settled(face.sendEvent(id, event))).delivery,
    completeCallback: async (token, payload) => (await settled(face.completeCallback(token, payload))).delivery,
    pause: async () => void (await settled(face.pause(id))),
    resume: async () => void (await settled(face.resume(id))),
    cancel: async () => void (await settled(face.cancel(id))),
  };
}

const SETTLED = new Set(['waiting', 'paused', 'completed', 'failed', 'cancelled']);

/** The in-process Executor on the memory store and a manual clock. */
export const executorDriver: Driver = async (steps, input, options = {}) => {
  const h = executorHarness({ maxCheckpoints: 1_000 });
  const exec = h.executor.createNamedExecution('scenario', steps);
  const id = exec.id;
  const current = () => h.executor.getExecution(id);
  const settle = async (): Promise<void> => {
    await until(() => SETTLED.has(current()?.state ?? ''), `execution ${id} settled`);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  await h.executor.start(id, input, options.maxStepRuns === undefined ? {} : { maxStepRuns: options.maxStepRuns });
  await settle();
  return {
    id,
    clock: h.clock,
    settle,
    async advance(ms) {
      await h.clock.advance(ms);
      await settle();
    },
    async view() {
      const e = current();
      if (!e) throw new Error(`no execution ${id}`);
      return {
        state: e.state,
        stepRuns: e.stepRuns ?? 0,
        data: e.checkpoints.at(-1)?.state,
        ...(e.errorCode === undefined ? {} : { errorCode: e.errorCode }),
        ...(e.wait
          ? { wait: { kind: e.wait.kind, ...(e.wait.eventType ? { eventType: e.wait.eventType } : {}) } }
          : {}),
      };
    },
    ...controlsOf(id, settle, h.executor),
    async checkpointSeqs() {
      return (current()?.checkpoints ?? []).map((c) => c.seq ?? c.step);
    },
  };
};

/** The serverless runtime on the in-memory store and queue and a manual clock. */
export const runtimeDriver: Driver = async (steps, input, options = {}) => {
  const workflow = defineWorkflow<ScenarioState>({ name: 'scenario', steps });
  const h = makeHarness({ workflows: [workflow] });
  const { head } = await h.control.start({
    workflow: 'scenario',
    input,
    ...(options.maxStepRuns === undefined ? {} : { maxStepRuns: options.maxStepRuns }),
  });
  const id = head.id;
  // Worker and sweeper, as deployed: the sweeper sends the wake message of a wait
  // longer than SQS's longest delay when it comes due.
  const settle = async (): Promise<void> => {
    for (;;) {
      while ((await h.drain()) > 0);
      if ((await h.sweep()).reenqueued === 0) return;
    }
  };
  await settle();
  return {
    id,
    clock: h.clock,
    settle,
    async advance(ms) {
      // The sweeper runs every minute.
      for (let left = ms; left > 0; left -= SWEEP_EVERY_MS) {
        await h.clock.advance(Math.min(left, SWEEP_EVERY_MS));
        await settle();
      }
    },
    async view() {
      const hd = await h.store.get(id);
      if (!hd) throw new Error(`no execution ${id}`);
      return {
        state: hd.state,
        stepRuns: hd.stepRuns,
        data: hd.data,
        ...(hd.error ? { errorCode: hd.error.code } : {}),
        ...(hd.wait
          ? { wait: { kind: hd.wait.kind, ...(hd.wait.eventType ? { eventType: hd.wait.eventType } : {}) } }
          : {}),
      };
    },
    ...controlsOf(id, settle, h.control),
    async checkpointSeqs() {
      const page = await h.store.listCheckpoints(id, { limit: 1_000 });
      return page.items.map((c) => c.seq).reverse();
    },
  };
};
