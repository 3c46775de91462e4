import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  IllegalTransitionError,
  LongRunningError,
  NotFoundError,
  StepNotRegisteredError,
  ValidationError,
} from '../../../lib/core/errors.js';
import { EventType } from '../../../lib/core/events.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { Execution, NamedStep } from '../../../lib/core/types.js';
import { Executor } from '../../../lib/executor/executor.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { FAST, gate, harness, T0, until, untilWaiting } from './helpers.js';

interface S {
  n: number;
  trail: string[];
  edited?: boolean;
}

/** Ten named steps s0..s9: each adds one to `n` and its name to `trail`; `runs` counts the runs of each. */
function tenSteps(
  runs: number[] = new Array<number>(10).fill(0),
  hook?: (i: number, s: S) => void | Promise<void>,
): NamedStep<S>[] {
  return Array.from({ length: 10 }, (_, i) => ({
    name: `s${i}`,
    fn: async (s: S) => {
      runs[i] = (runs[i] ?? 0) + 1;
      await hook?.(i, s);
      return { ...s, n: s.n + 1, trail: [...s.trail, `s${i}`] };
    },
  }));
}

const START: S = { n: 0, trail: [] };

/**
 * Starts the ten-step execution on `h` and pauses it while step `at` runs its first
 * attempt: resolves once the pause is saved and announced (the loop parked).
 * `beforePause` runs after the step started and before the pause is asked for.
 */
async function pausedAt(
  h: ReturnType<typeof harness>,
  at: number,
  beforePause: (exec: Execution) => void = () => undefined,
): Promise<{ exec: Execution; runs: number[] }> {
  const hold = gate();
  const runs = new Array<number>(10).fill(0);
  const exec = h.executor.createNamedExecution(
    'ten',
    tenSteps(runs, async (i) => {
      if (i === at && runs[at] === 1) await hold.wait;
    }),
  );
  await h.executor.start(exec.id, START);
  await until(() => runs[at] === 1, `step ${at} to start`);
  beforePause(exec);
  await h.executor.pause(exec.id);
  hold.open();
  await until(() => h.events.some((e) => e.type === EventType.Paused && e.execId === exec.id), 'the pause');
  return { exec, runs };
}
const NAMES = Array.from({ length: 10 }, (_, i) => `s${i}`);

function caught(fn: () => Promise<unknown>): Promise<LongRunningError> {
  return fn().then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(LongRunningError);
      return err as LongRunningError;
    },
  );
}

/** The kept checkpoints as `seq:step` with the rewind marks, for short assertions. */
function listing(exec: Execution): string[] {
  return exec.checkpoints.map(
    (cp) =>
      `${cp.seq}:${cp.step}${cp.superseded ? ' superseded' : ''}${cp.rewoundTo !== undefined ? ` rewoundTo ${cp.rewoundTo}` : ''}`,
  );
}

describe('Executor.fork', () => {
  it('forks from the middle of a 10-step execution with edited state, leaving the original unchanged', async () => {
    const { executor, store } = harness({ maxCheckpoints: 50 });
    const exec = executor.createNamedExecution('ten', tenSteps());
    await executor.start(exec.id, START);
    const original = await executor.wait(exec.id);
    expect(original.state).toBe(ExecutionState.Completed);
    const storedBefore = await store.loadCheckpoint(exec.id);
    const cp5 = original.checkpoints.find((cp) => cp.seq === 5);
    expect(cp5).toMatchObject({ step: 5, stepName: 's5', state: { n: 5 } });

    const fork = await executor.fork(exec.id, {
      fromCheckpoint: 5,
      state: { ...(cp5!.state as S), edited: true },
    });
    expect(fork.id).not.toBe(exec.id);
    expect(fork).toMatchObject({
      name: 'ten',
      state: ExecutionState.Running,
      currentStep: 5,
      stepNames: NAMES,
      forkedFrom: { executionId: exec.id, checkpoint: 5 },
      stepRuns: 0,
      maxStepRuns: original.maxStepRuns,
    });
    expect(fork.checkpoints).toEqual([expect.objectContaining({ seq: 0, step: 5, stepName: 's5' })]);

    const done = await executor.wait(fork.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.checkpoints.at(-1)?.state).toEqual({
      n: 10,
      edited: true,
      trail: NAMES,
    });
    expect(done.stepRuns).toBe(5);
    expect(done.forkedFrom).toEqual({ executionId: exec.id, checkpoint: 5 });
    expect(executor.getExecution(exec.id)).toEqual(original);
    expect(await store.loadCheckpoint(exec.id)).toEqual(storedBefore);
    expect((await store.loadCheckpoint(fork.id)).forkedFrom).toEqual({ executionId: exec.id, checkpoint: 5 });
  });

  it('forks a forked execution, recording its own origin', async () => {
    const { executor } = harness({ maxCheckpoints: 50 });
    const exec = executor.createNamedExecution('ten', tenSteps());
    await executor.start(exec.id, START);
    await executor.wait(exec.id);
    const first = await executor.fork(exec.id, { fromCheckpoint: 2, name: 'first fork' });
    await executor.wait(first.id);
    // The first fork's seq 3 is three steps after step 2: step 5.
    const second = await executor.fork(first.id, { fromCheckpoint: 3 });
    expect(second).toMatchObject({
      name: 'first fork',
      currentStep: 5,
      forkedFrom: { executionId: first.id, checkpoint: 3 },
    });
    const done = await executor.wait(second.id);
    expect(done.checkpoints.at(-1)?.state).toEqual({ n: 10, trail: NAMES });
    expect(executor.getExecution(first.id)?.forkedFrom).toEqual({ executionId: exec.id, checkpoint: 2 });
  });

  it('forks a running execution, which runs on untouched', async () => {
    const { executor } = harness({ maxCheckpoints: 50 });
    const hold = gate();
    const runs = new Array<number>(10).fill(0);
    const exec = executor.createNamedExecution(
      'ten',
      tenSteps(runs, async (i) => {
        if (i === 4 && runs[4] === 1) await hold.wait;
      }),
    );
    await executor.start(exec.id, START);
    await until(() => runs[4] === 1, 'the source to reach step 4');
    const fork = await executor.fork(exec.id, { fromCheckpoint: 2 });
    expect(fork.currentStep).toBe(2);
    const forked = await executor.wait(fork.id);
    expect(forked.state).toBe(ExecutionState.Completed);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Running);
    hold.open();
    const source = await executor.wait(exec.id);
    expect(source.state).toBe(ExecutionState.Completed);
    expect(source.forkedFrom).toBeUndefined();
    expect(source.checkpoints.at(-1)?.state).toEqual({ n: 10, trail: NAMES });
  });

  it('runs the given steps from their first step instead of the source steps', async () => {
    const { executor } = harness({ maxCheckpoints: 50 });
    const exec = executor.createNamedExecution('ten', tenSteps());
    executor.registry.register('double', (s: S) => ({ ...s, n: s.n * 2 }));
    await executor.start(exec.id, START);
    await executor.wait(exec.id);
    const fork = await executor.fork(exec.id, { fromCheckpoint: 3, steps: ['double', 's9'] });
    expect(fork).toMatchObject({ currentStep: 0, totalSteps: 2, stepNames: ['double', 's9'] });
    const done = await executor.wait(fork.id);
    expect(done.checkpoints.at(-1)?.state).toEqual({ n: 7, trail: ['s0', 's1', 's2', 's9'] });
  });

  it('does not let the fork change the checkpoint it started from', async () => {
    const { executor } = harness({ maxCheckpoints: 50 });
    const exec = executor.createNamedExecution('mutating', [
      { name: 'push', fn: (s: { list: number[] }) => (s.list.push(1), s) },
    ]);
    await executor.start(exec.id, { list: [] });
    await executor.wait(exec.id);
    const before = executor.getExecution(exec.id)!.checkpoints[0]!.state;
    expect(before).toEqual({ list: [1] }); // the first run pushed into its own input
    const fork = await executor.fork(exec.id, { fromCheckpoint: 0 });
    await executor.wait(fork.id);
    expect(executor.getExecution(exec.id)!.checkpoints[0]!.state).toEqual({ list: [1] });
    expect(executor.getExecution(fork.id)!.checkpoints.at(-1)!.state).toEqual({ list: [1, 1] });
  });

  it('rejects a checkpoint that is not kept with NOT_FOUND naming it and the execution', async () => {
    const { executor } = harness({ maxCheckpoints: 3 });
    const exec = executor.createNamedExecution('ten', tenSteps());
    await executor.start(exec.id, START);
    await executor.wait(exec.id);
    for (const seq of [0, 99]) {
      const err = await caught(() => executor.fork(exec.id, { fromCheckpoint: seq }));
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.code).toBe(ErrorCode.NotFound);
      expect(err.message).toContain(`checkpoint not found: ${seq} of execution ${exec.id}`);
      expect(err.message).toContain('keeps the last 3 checkpoints');
    }
    const unknown = await caught(() => executor.fork('exec_nope', { fromCheckpoint: 0 }));
    expect(unknown.code).toBe(ErrorCode.NotFound);
  });

  it('rejects a state that is not JSON-serialisable with VALIDATION_ERROR naming the reason', async () => {
    const { executor } = harness();
    const exec = executor.createNamedExecution('ten', tenSteps());
    await executor.start(exec.id, START);
    await executor.wait(exec.id);
    const big = await caught(() => executor.fork(exec.id, { fromCheckpoint: 3, state: { n: 10n } }));
    expect(big).toBeInstanceOf(ValidationError);
    expect(big.message).toBe('fork options.state must be JSON-serializable: $.n is a bigint');
    const date = await caught(() => executor.fork(exec.id, { fromCheckpoint: 3, state: { at: new Date(0) } }));
    expect(date.message).toContain('$.at is a Date');
    expect(executor.listExecutions()).toHaveLength(1);
  });

  it('rejects malformed options, unregistered steps and a source without step names', async () => {
    const { executor } = harness();
    const exec = executor.createNamedExecution('ten', tenSteps());
    await executor.start(exec.id, START);
    await executor.wait(exec.id);
    const cases: [unknown, RegExp][] = [
      [null, /fork options must be an object/],
      [{}, /fromCheckpoint must be a checkpoint sequence number/],
      [{ fromCheckpoint: -1 }, /\(a whole number >= 0\), got -1/],
      [{ fromCheckpoint: 1.5 }, /got 1.5/],
      [{ fromCheckpoint: 1, colour: 'red' }, /unknown fork option "colour"/],
      [{ fromCheckpoint: 1, name: ' ' }, /execution name must be/],
      [{ fromCheckpoint: 1, steps: [] }, /steps must be a non-empty array/],
      [{ fromCheckpoint: 1, steps: [7] }, /step name must be/],
    ];
    for (const [options, message] of cases) {
      const err = await caught(() => executor.fork(exec.id, options as never));
      expect(err.code).toBe(ErrorCode.Validation);
      expect(err.message).toMatch(message);
    }
    const missing = await caught(() => executor.fork(exec.id, { fromCheckpoint: 1, steps: ['s1', 'nope'] }));
    expect(missing).toBeInstanceOf(StepNotRegisteredError);
    expect(missing.message).toContain('"nope"');

    const anonymous = executor.createExecution('anon', [(s: number) => s + 1]);
    await executor.start(anonymous.id, 1);
    await executor.wait(anonymous.id);
    const noNames = await caught(() => executor.fork(anonymous.id, { fromCheckpoint: 0 }));
    expect(noNames.code).toBe(ErrorCode.Validation);
    expect(noNames.message).toContain('has no step names');
    expect(executor.listExecutions()).toHaveLength(2);
  });
});

describe('Executor.rewind', () => {
  it('rewinds a failed execution at step 5 to checkpoint 3: steps 3-9 run again, 4-5 are superseded', async () => {
    const { executor, store, events } = harness({ maxCheckpoints: 50, maxRetries: 0 });
    const runs = new Array<number>(10).fill(0);
    const exec = executor.createNamedExecution(
      'ten',
      tenSteps(runs, (i) => {
        if (i === 5 && runs[5] === 1) throw new Error('step 5 broke');
      }),
    );
    await executor.start(exec.id, START);
    const failed = await executor.wait(exec.id);
    expect(failed).toMatchObject({ state: ExecutionState.Failed, currentStep: 5, stepRuns: 5, error: 'step 5 broke' });

    const rewound = await executor.rewind(exec.id, { toCheckpoint: 3 });
    expect(rewound).toMatchObject({ state: ExecutionState.Running, currentStep: 3, stepRuns: 6 });
    expect(rewound.superseded).toEqual([[4, 5]]);
    expect(rewound.error).toBeUndefined();
    expect(rewound.errorCode).toBeUndefined();
    expect(rewound.endTime).toBeUndefined();
    expect(rewound.checkpoints.at(-1)).toMatchObject({ seq: 6, step: 3, rewoundTo: 3, state: { n: 3 } });
    expect(events.filter((e) => e.type === EventType.Rewound)).toEqual([
      expect.objectContaining({ execId: exec.id, step: 3, state: { n: 3, trail: ['s0', 's1', 's2'] } }),
    ]);

    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(runs).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1, 1]);
    expect(done.checkpoints.at(-1)?.state).toEqual({ n: 10, trail: NAMES });
    expect(done.stepRuns).toBe(13);
    expect(listing(done)).toEqual([
      '0:0',
      '1:1',
      '2:2',
      '3:3',
      '4:4 superseded',
      '5:5 superseded',
      '5:5 superseded', // the failure's own checkpoint
      '6:3 rewoundTo 3',
      '7:4',
      '8:5',
      '9:6',
      '10:7',
      '11:8',
      '12:9',
      '13:10',
    ]);
    expect(await store.loadCheckpoint(exec.id)).toEqual(done);
    // A superseded checkpoint is not in its history any more: nothing runs on from it.
    await expect(executor.rewind(exec.id, { toCheckpoint: 4 })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('superseded') as unknown,
    });
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Completed);
  });

  it('rewinds a completed execution with edited state, and wait() waits for the new end', async () => {
    const { executor } = harness({ maxCheckpoints: 50 });
    const exec = executor.createNamedExecution('ten', tenSteps());
    await executor.start(exec.id, START);
    const first = await executor.wait(exec.id);
    expect(first.stepRuns).toBe(10);
    const rewound = await executor.rewind(exec.id, { toCheckpoint: 8, state: { n: 100, trail: [] } });
    expect(rewound.superseded).toEqual([[9, 10]]);
    expect(rewound.progress).toBe(80);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.checkpoints.at(-1)?.state).toEqual({ n: 102, trail: ['s8', 's9'] });
    expect(done.stepRuns).toBe(13);
    expect(done.endTime).toBeDefined();

    // Again, to an earlier checkpoint: the ranges merge.
    await executor.rewind(exec.id, { toCheckpoint: 2 });
    const again = await executor.wait(exec.id);
    expect(again.superseded).toEqual([[3, 13]]);
    expect(again.checkpoints.find((cp) => cp.seq === 11)).toMatchObject({ rewoundTo: 8, superseded: true });
    expect(again.checkpoints.find((cp) => cp.seq === 14)).toMatchObject({ rewoundTo: 2, step: 2 });
    expect(again.checkpoints.at(-1)?.state).toEqual({ n: 10, trail: NAMES });
  });

  it('rewinds a cancelled execution and runs on to completion', async () => {
    const { executor } = harness({ maxCheckpoints: 50 });
    const hold = gate();
    const runs = new Array<number>(10).fill(0);
    const exec = executor.createNamedExecution(
      'ten',
      tenSteps(runs, async (i) => {
        if (i === 6 && runs[6] === 1) await hold.wait;
      }),
    );
    await executor.start(exec.id, START);
    await until(() => runs[6] === 1, 'step 6 to start');
    await executor.cancel(exec.id);
    const cancelled = executor.getExecution(exec.id)!;
    expect(cancelled.state).toBe(ExecutionState.Cancelled);
    const rewound = await executor.rewind(exec.id, { toCheckpoint: 6 });
    expect(rewound).toMatchObject({ state: ExecutionState.Running, currentStep: 6, stepRuns: 7 });
    expect(rewound.superseded).toBeUndefined(); // nothing past checkpoint 6 was committed
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.checkpoints.at(-1)?.state).toEqual({ n: 10, trail: NAMES });
    hold.open();
  });

  it('rewinds a paused execution whose loop is parked: the old loop saves nothing more', async () => {
    const h = harness({ maxCheckpoints: 50 });
    const { executor, store, events } = h;
    const waiters: Promise<Execution>[] = [];
    const { exec, runs } = await pausedAt(h, 4, (e) => waiters.push(executor.wait(e.id)));
    expect(executor.getExecution(exec.id)).toMatchObject({ state: ExecutionState.Paused, currentStep: 5 });

    const rewound = await executor.rewind(exec.id, { toCheckpoint: 1 });
    expect(rewound).toMatchObject({ state: ExecutionState.Running, currentStep: 1, stepRuns: 6 });
    expect(rewound.superseded).toEqual([[2, 5]]);
    expect(waiters).toHaveLength(1);
    const done = await (waiters[0] as Promise<Execution>);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(runs).toEqual([1, 2, 2, 2, 2, 1, 1, 1, 1, 1]);
    expect(done.checkpoints.at(-1)?.state).toEqual({ n: 10, trail: NAMES });
    expect(events.filter((e) => e.type === EventType.Resumed)).toEqual([]);
    expect(await store.loadCheckpoint(exec.id)).toEqual(done);
  });

  it('rewinds a paused execution loaded from the store (no loop), rebuilding its steps by name', async () => {
    const { executor, store } = harness({ maxCheckpoints: 50 });
    const hold = gate();
    const runs = new Array<number>(10).fill(0);
    const exec = executor.createNamedExecution(
      'ten',
      tenSteps(runs, async (i) => {
        if (i === 3 && runs[3] === 1) await hold.wait;
      }),
    );
    await executor.start(exec.id, START);
    await until(() => runs[3] === 1, 'step 3 to start');
    await executor.pause(exec.id);
    hold.open();
    await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Paused, 'the pause');

    const clock = new ManualClock(T0);
    const other = new Executor({ ...FAST, maxCheckpoints: 50 }, { checkpointStore: store, clock });
    for (const step of tenSteps()) other.registry.register(step.name, step.fn);
    await other.loadExecution(exec.id);
    await other.rewind(exec.id, { toCheckpoint: 0 });
    const done = await other.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.superseded).toEqual([[1, 4]]);
    expect(done.checkpoints.at(-1)?.state).toEqual({ n: 10, trail: NAMES });
  });

  it('refuses other control calls with CONFLICT while a rewind stops a parked loop', async () => {
    const h = harness({ maxCheckpoints: 50 });
    const { executor } = h;
    const { exec, runs } = await pausedAt(h, 1);
    const rewinding = executor.rewind(exec.id, { toCheckpoint: 0 });
    for (const call of [
      () => executor.resume(exec.id),
      () => executor.cancel(exec.id),
      () => executor.sendEvent(exec.id, { type: 'ping' }),
      () => executor.rewind(exec.id, { toCheckpoint: 0 }),
    ]) {
      const err = await caught(call);
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toContain('is being rewound');
    }
    await rewinding;
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(runs).toEqual([2, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('rewinds an execution paused in a wait: the wait and its timer are gone, the inbox stays', async () => {
    const { executor, clock } = harness({ maxCheckpoints: 50 });
    const ran: string[] = [];
    const exec = executor.createNamedExecution<number>('napper', [
      { name: 'one', fn: (s) => (ran.push('one'), s + 1) },
      { name: 'nap', fn: (s, ctx) => (ran.push('nap'), ran.length > 2 ? s + 10 : ctx.sleep(1_000, s + 1)) },
      { name: 'three', fn: (s) => (ran.push('three'), s + 1) },
    ]);
    await executor.start(exec.id, 0);
    await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Waiting, 'the sleep');
    await executor.sendEvent(exec.id, { type: 'note', payload: 1 });
    await executor.pause(exec.id);
    const rewound = await executor.rewind(exec.id, { toCheckpoint: 1 });
    expect(rewound.wait).toBeUndefined();
    expect(rewound.inbox).toEqual([expect.objectContaining({ type: 'note', payload: 1 })]);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.checkpoints.at(-1)?.state).toBe(12);
    expect(ran).toEqual(['one', 'nap', 'nap', 'three']);
    await clock.advance(2_000); // the old sleep's timer does not wake anything
    expect(executor.getExecution(exec.id)).toEqual(done);
  });

  it('rejects a running execution with ILLEGAL_TRANSITION listing the legal states', async () => {
    const { executor } = harness();
    const hold = gate();
    const runs = new Array<number>(10).fill(0);
    const exec = executor.createNamedExecution(
      'ten',
      tenSteps(runs, async (i) => {
        if (i === 2) await hold.wait;
      }),
    );
    const fresh = await caught(() => executor.rewind(exec.id, { toCheckpoint: 0 }));
    expect(fresh).toBeInstanceOf(IllegalTransitionError);
    await executor.start(exec.id, START);
    await until(() => runs[2] === 1, 'step 2 to start');
    const err = await caught(() => executor.rewind(exec.id, { toCheckpoint: 0 }));
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect(err.code).toBe(ErrorCode.IllegalTransition);
    expect(err.message).toBe(
      `cannot rewind execution ${exec.id}: it is running (allowed from: paused, failed, cancelled, completed)`,
    );
    hold.open();
    await executor.wait(exec.id);
  });

  it('rejects bad options, an unknown checkpoint and an unserialisable state, changing nothing', async () => {
    const { executor } = harness({ maxCheckpoints: 50 });
    const exec = executor.createNamedExecution('ten', tenSteps());
    await executor.start(exec.id, START);
    const before = await executor.wait(exec.id);
    const notFound = await caught(() => executor.rewind(exec.id, { toCheckpoint: 42 }));
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect(notFound.message).toContain(`checkpoint not found: 42 of execution ${exec.id}`);
    const bad = await caught(() => executor.rewind(exec.id, { toCheckpoint: 1, state: { f: () => 1 } }));
    expect(bad.message).toBe('rewind options.state must be JSON-serializable: $.f is a function');
    const unknown = await caught(() => executor.rewind(exec.id, { toCheckpoint: 1, name: 'x' } as never));
    expect(unknown.message).toContain('unknown rewind option "name"');
    const noSeq = await caught(() => executor.rewind(exec.id, {} as never));
    expect(noSeq.code).toBe(ErrorCode.Validation);
    expect(executor.getExecution(exec.id)).toEqual(before);
  });

  it('after a restart loads forkedFrom, superseded and rewoundTo, and resumes the rewound execution', async () => {
    const { executor, store } = harness({ maxCheckpoints: 50, maxRetries: 0 });
    const runs = new Array<number>(10).fill(0);
    const never = new Promise<void>(() => {});
    const exec = executor.createNamedExecution(
      'ten',
      tenSteps(runs, async (i) => {
        if (i === 5 && runs[5] === 1) throw new Error('step 5 broke');
        if (i === 7) await never; // the first process stops here after the rewind
      }),
    );
    await executor.start(exec.id, START);
    await executor.wait(exec.id);
    const fork = await executor.fork(exec.id, { fromCheckpoint: 2, state: { n: 0, trail: ['edited'] } });
    await executor.rewind(exec.id, { toCheckpoint: 3 });
    await until(() => runs[7] === 2, 'step 7 of the rewound run and of the fork to start');

    const clock = new ManualClock(T0);
    const restarted = new Executor({ ...FAST, maxCheckpoints: 50 }, { checkpointStore: store, clock });
    for (const step of tenSteps()) restarted.registry.register(step.name, step.fn);
    expect(await restarted.autoResumeAll()).toBe(2); // the rewound one, and the fork stuck at step 7
    const loaded = restarted.getExecution(exec.id)!;
    expect(loaded.superseded).toEqual([[4, 5]]);
    expect(listing(loaded).slice(3, 8)).toEqual([
      '3:3',
      '4:4 superseded',
      '5:5 superseded',
      '5:5 superseded',
      '6:3 rewoundTo 3',
    ]);
    const done = await restarted.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.checkpoints.at(-1)?.state).toEqual({ n: 10, trail: NAMES });
    expect(done.superseded).toEqual([[4, 5]]);
    const forkDone = await restarted.wait(fork.id);
    expect(forkDone.forkedFrom).toEqual({ executionId: exec.id, checkpoint: 2 });
    expect(forkDone.checkpoints.at(-1)?.state).toEqual({
      n: 8,
      trail: ['edited', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9'],
    });
  });
});

describe('fork and rewind around an event wait', () => {
  it('marks the checkpoint a wait began and refuses it; the one before runs the waiting step again', async () => {
    const { executor, store } = harness();
    const exec = executor.createNamedExecution<number>('asks', [
      { name: 'ask', fn: (s, ctx) => ctx.waitForEvent('approval', { state: s + 1 }) },
      { name: 'use', fn: (s) => s * 10 },
    ]);
    await executor.start(exec.id, 1);
    await untilWaiting(executor, exec.id);
    await executor.cancel(exec.id);
    const cancelled = executor.getExecution(exec.id);
    const awaiting = cancelled?.checkpoints.find((cp) => cp.awaits !== undefined);
    expect(awaiting).toMatchObject({ seq: 1, step: 1, awaits: 'approval' });
    expect((await store.loadCheckpoint(exec.id)).checkpoints.find((cp) => cp.seq === 1)?.awaits).toBe('approval');
    const refused = await caught(() => executor.rewind(exec.id, { toCheckpoint: 1 }));
    expect(refused).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('"approval"') as unknown,
    });
    await expect(executor.fork(exec.id, { fromCheckpoint: 1 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await executor.rewind(exec.id, { toCheckpoint: 0 });
    await untilWaiting(executor, exec.id);
    expect(executor.getExecution(exec.id)).toMatchObject({ state: 'waiting', currentStep: 1 });
  });
});
