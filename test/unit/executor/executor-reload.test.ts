import { describe, expect, it } from 'vitest';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { NamedStep } from '../../../lib/core/types.js';
import { Executor } from '../../../lib/executor/executor.js';
import { FileCheckpointStore } from '../../../lib/stores/file-checkpoint-store.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { FAST, harness, T0, until, untilWaiting } from './helpers.js';

// Loading, resuming and starting executions that are (or were) waiting, paused or
// not yet started, and the checks the Executor's entry points make of their input.

const HOUR = 3_600_000;

/** nap (sleeps an hour) -> after, which records that it ran. */
function napSteps(ran: string[]): NamedStep<number>[] {
  return [
    { name: 'nap', fn: (s, ctx) => ctx.sleep(HOUR, s + 1) },
    { name: 'after', fn: (s) => (ran.push('after'), s * 10) },
  ];
}

describe('Executor: reloading and resuming', () => {
  it('resumeExecution of an execution paused in its sleep goes back to waiting until the same deadline', async () => {
    const ran: string[] = [];
    const { executor, clock } = harness();
    const exec = executor.createNamedExecution('nap', napSteps(ran));
    await executor.start(exec.id, 1);
    await untilWaiting(executor, exec.id);
    await executor.pause(exec.id);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Paused);
    const loaded = await executor.loadExecution(exec.id);
    await executor.resumeExecution(exec.id, loaded.checkpoints.at(-1)?.state);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Waiting);
    expect(ran).toEqual([]); // the next step waits for the sleep
    await clock.advance(HOUR - 1_000);
    expect(ran).toEqual([]);
    await clock.advance(1_000);
    await executor.wait(exec.id);
    expect(ran).toEqual(['after']);
    expect(executor.getExecution(exec.id)).toMatchObject({ state: ExecutionState.Completed });
  });

  it('refuses to load again an execution waiting here, whose sleep wait() then still sees end', async () => {
    const ran: string[] = [];
    const { executor, clock } = harness();
    const exec = executor.createNamedExecution('nap', napSteps(ran));
    await executor.start(exec.id, 1);
    await untilWaiting(executor, exec.id);
    await expect(executor.loadExecution(exec.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    const done = executor.wait(exec.id);
    await clock.advance(HOUR);
    await done;
    expect(ran).toEqual(['after']);
  });

  it('starts, in another process, an execution saved before its start (by setBudget)', async () => {
    const store = new MemoryCheckpointStore();
    const ran: string[] = [];
    const first = new Executor(FAST, { checkpointStore: store, clock: new ManualClock(T0) });
    const exec = first.createNamedExecution('budgeted', napSteps(ran));
    await first.setBudget(exec.id, { tokens: 10 });
    expect((await store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Initialized);

    const clock = new ManualClock(T0);
    const second = new Executor(FAST, { checkpointStore: store, clock });
    second.registerSteps(napSteps(ran));
    await second.autoResumeAll();
    await second.start(exec.id, 1);
    await untilWaiting(second, exec.id);
    await clock.advance(HOUR);
    await second.wait(exec.id);
    expect(second.getExecution(exec.id)).toMatchObject({ state: ExecutionState.Completed, budget: { tokens: 10 } });
    expect(ran).toEqual(['after']);
  });
});

describe('Executor: what its entry points are given', () => {
  it('refuses a start with a signal that is not an AbortSignal, or an unknown option, changing nothing', async () => {
    const { executor, store } = harness();
    const exec = executor.createNamedExecution('n', napSteps([]));
    for (const options of [{ signal: 'abc' }, { maxStepRun: 1 }, null]) {
      await expect(executor.start(exec.id, 1, options as never)).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
      });
      expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Initialized);
    }
    await expect(store.loadCheckpoint(exec.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Still startable, and cancellable.
    await executor.start(exec.id, 1);
    await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Waiting, 'waiting');
    await executor.cancel(exec.id);
    await executor.wait(exec.id);
  });

  it.each([
    [null, /Executor options must be an object/],
    [{ onEvnt: () => undefined }, /unknown Executor option "onEvnt"/],
    [{ checkpointStore: {} }, /checkpointStore must have the methods .*missing: saveCheckpoint/],
    [{ clock: {} }, /clock must have the methods now, setTimer/],
    [{ logger: console.log }, /logger must have the methods/],
    [{ onEvent: 5 }, /onEvent must be a function, got number/],
  ])('refuses the options %j at construction with VALIDATION_ERROR', (options, message) => {
    expect(() => new Executor(FAST, options as never)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringMatching(message) }),
    );
  });

  it('has its stores refuse a save of something that is not an execution, and a file store without a directory', async () => {
    for (const store of [new MemoryCheckpointStore(), new FileCheckpointStore('/nonexistent/never-made')]) {
      for (const bad of [null, 'exec_1', { id: '../x' }]) {
        await expect(store.saveCheckpoint(bad as never)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
      }
    }
    for (const dir of [undefined, '', 42]) {
      expect(() => new FileCheckpointStore(dir as never)).toThrow(/FileCheckpointStore needs the path of a directory/);
    }
  });
});
