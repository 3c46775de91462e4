import { describe, expect, it } from 'vitest';
import { EventType } from '../../../lib/core/events.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import { defaultExecutorConfig, IN_PROCESS_CALLBACK_KEY } from '../../../lib/executor/config.js';
import { Executor } from '../../../lib/executor/executor.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { add, gate, harness, T0 } from './helpers.js';

describe('Executor lifecycle', () => {
  it('runs steps in order, feeding each result to the next, and completes at 100%', async () => {
    const { executor } = harness();
    const calls: string[] = [];
    const exec = executor.createExecution('order', [
      (s: number) => (calls.push(`a:${s}`), s + 1),
      async (s: number) => (calls.push(`b:${s}`), s * 10),
      (s: number) => (calls.push(`c:${s}`), s - 3),
    ]);
    expect(exec.state).toBe(ExecutionState.Initialized);
    expect(exec.totalSteps).toBe(3);
    await executor.start(exec.id, 1);
    const done = await executor.wait(exec.id);
    expect(calls).toEqual(['a:1', 'b:2', 'c:20']);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.progress).toBe(100);
    expect(done.currentStep).toBe(3);
    expect(done.endTime).toBeInstanceOf(Date);
    expect(done.checkpoints.at(-1)?.state).toBe(17);
  });

  it('emits step and checkpoint events in order, with the completed step index', async () => {
    const { executor, events } = harness();
    const exec = executor.createExecution('events', [add(1), add(2)]);
    await executor.start(exec.id, 0);
    await executor.wait(exec.id);
    expect(events.map((e) => `${e.type}@${e.step}`)).toEqual([
      'checkpointed@0',
      'step_started@0',
      'step_completed@0',
      'checkpointed@1',
      'step_started@1',
      'step_completed@1',
      'checkpointed@2',
      'execution_completed@2',
    ]);
    expect(events.every((e) => e.execId === exec.id && e.timestamp instanceof Date)).toBe(true);
  });

  it('resolves start once running, before the steps finish', async () => {
    const { executor } = harness();
    const hold = gate();
    const exec = executor.createExecution('bg', [async (s) => (await hold.wait, s)]);
    await executor.start(exec.id, 'x');
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Running);
    hold.open();
    expect((await executor.wait(exec.id)).state).toBe(ExecutionState.Completed);
  });

  it('saves a checkpoint after every completed step, so the store always has the last step done', async () => {
    const { executor, store } = harness();
    const seen: number[] = [];
    const exec = executor.createExecution('cp', [
      add(1),
      async (s) => {
        seen.push((await store.loadCheckpoint(exec.id)).currentStep);
        return s;
      },
      add(1),
    ]);
    await executor.start(exec.id, 0);
    await executor.wait(exec.id);
    expect(seen).toEqual([1]);
    const saved = await store.loadCheckpoint(exec.id);
    expect(saved.state).toBe(ExecutionState.Completed);
    expect(saved.checkpoints.map((c) => c.step)).toEqual([0, 1, 2, 3]);
  });

  it('completes an execution with no steps at once', async () => {
    const { executor } = harness();
    const exec = executor.createExecution('empty', []);
    await executor.start(exec.id, { a: 1 });
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.progress).toBe(100);
  });

  it('rejects start for an unknown id and a second start', async () => {
    const { executor } = harness();
    await expect(executor.start('exec_nope', 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const exec = executor.createExecution('twice', [add(1)]);
    await executor.start(exec.id, 1);
    await expect(executor.start(exec.id, 1)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    await executor.wait(exec.id);
  });

  it('gives unique exec_ ids of 32 lowercase hex characters', () => {
    const { executor } = harness();
    const ids = new Set(Array.from({ length: 500 }, () => executor.createExecution('id', []).id));
    expect(ids.size).toBe(500);
    for (const id of ids) expect(id).toMatch(/^exec_[0-9a-f]{32}$/);
  });

  it('lists and gets executions as snapshots that callers cannot corrupt', () => {
    const { executor } = harness();
    const a = executor.createExecution('a', [add(1)]);
    const b = executor.createExecution('b', [add(1)]);
    expect(
      executor
        .listExecutions()
        .map((e) => e.name)
        .sort(),
    ).toEqual(['a', 'b']);
    const got = executor.getExecution(a.id);
    expect(got?.name).toBe('a');
    got!.state = ExecutionState.Failed;
    expect(executor.getExecution(a.id)?.state).toBe(ExecutionState.Initialized);
    expect(executor.getExecution('exec_missing')).toBeUndefined();
    expect(b.id).not.toBe(a.id);
  });

  it('has the documented default config', () => {
    expect(defaultExecutorConfig()).toEqual({
      checkpointIntervalMs: 300_000,
      checkpointDir: './checkpoints',
      maxRetries: 3,
      heartbeatIntervalMs: 30_000,
      autoResume: true,
      retryBaseDelayMs: 1_000,
      retryMaxDelayMs: 30_000,
      maxCheckpoints: 10,
      maxStepRuns: 10_000,
      callbackSecret: IN_PROCESS_CALLBACK_KEY,
    });
  });

  it('rejects bad config with an error naming the field', () => {
    expect(() => new Executor({ maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => new Executor({ heartbeatIntervalMs: 0 })).toThrow(/heartbeatIntervalMs/);
    expect(() => new Executor({ retryBaseDelayMs: 10, retryMaxDelayMs: 5 })).toThrow(/retryMaxDelayMs/);
    expect(() => new Executor({ bogus: 1 } as never)).toThrow(/bogus/);
    expect(() => new Executor({ maxStepRuns: 0 })).toThrow(/maxStepRuns/);
    expect(() => new Executor({ maxStepRuns: 2.5 })).toThrow(/maxStepRuns/);
    expect(() => new Executor({ callbackSecret: 'short' })).toThrow(/callback secret/);
    expect(new Executor({ maxStepRuns: Infinity }).config.maxStepRuns).toBe(Infinity);
  });

  it('rejects bad steps and names when creating', () => {
    const { executor } = harness();
    expect(() => executor.createExecution('', [])).toThrow(/name/);
    expect(() => executor.createExecution('x', [1 as never])).toThrow(/steps\[0\]/);
    expect(() => executor.createNamedExecution('x', [{ name: '', fn: add(1) }])).toThrow(/step name/);
    expect(() =>
      executor.createNamedExecution('x', [
        { name: 'dup', fn: add(1) },
        { name: 'dup', fn: add(2) },
      ]),
    ).toThrow(/dup/);
  });

  it('keeps a bounded number of checkpoints in the snapshot', async () => {
    const { executor, store } = harness({ maxCheckpoints: 3 });
    const exec = executor.createExecution(
      'bounded',
      Array.from({ length: 20 }, () => add(1)),
    );
    await executor.start(exec.id, 0);
    await executor.wait(exec.id);
    const saved = await store.loadCheckpoint(exec.id);
    expect(saved.checkpoints.map((c) => c.step)).toEqual([18, 19, 20]);
    expect(saved.checkpoints.at(-1)?.state).toBe(20);
  });

  it('keeps running when the onEvent handler throws, and logs it', async () => {
    const { executor, logs } = harness(
      {},
      {
        onEvent: () => {
          throw new Error('handler bug');
        },
      },
    );
    const exec = executor.createExecution('throwing-hook', [add(1), add(1)]);
    await executor.start(exec.id, 0);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(logs.some((l) => l.level === 'error' && l.message === 'onEvent handler threw')).toBe(true);
  });

  it('lets onEvent be set after construction', async () => {
    const { executor } = harness();
    const types: string[] = [];
    executor.onEvent = (e) => types.push(e.type);
    const exec = executor.createExecution('late-hook', [add(1)]);
    await executor.start(exec.id, 0);
    await executor.wait(exec.id);
    expect(types).toContain(EventType.StepCompleted);
  });

  it('advances and saves lastUpdate on heartbeats while a long step runs', async () => {
    const { executor, store, clock } = harness({ heartbeatIntervalMs: 5 });
    const hold = gate();
    const exec = executor.createExecution('hb', [async (s) => (await hold.wait, s)]);
    await executor.start(exec.id, 0);
    const lastUpdate = () => executor.getExecution(exec.id)!.lastUpdate.getTime() - T0;
    const savedLastUpdate = async () => (await store.loadCheckpoint(exec.id)).lastUpdate.getTime() - T0;
    expect(await savedLastUpdate()).toBe(0);
    await clock.advance(4);
    expect(lastUpdate()).toBe(0);
    await clock.advance(1);
    expect(lastUpdate()).toBe(5);
    expect(await savedLastUpdate()).toBe(5);
    await clock.advance(15);
    expect(lastUpdate()).toBe(20);
    expect(await savedLastUpdate()).toBe(20);
    hold.open();
    await executor.wait(exec.id);
  });

  it('does not keep the process running for the heartbeat and checkpoint timers of a running step', async () => {
    const liveTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const executor = new Executor({ heartbeatIntervalMs: 1_000 }, { checkpointStore: new MemoryCheckpointStore() });
    const hold = gate();
    const started = gate();
    const exec = executor.createExecution('background', [async (s) => (started.open(), await hold.wait, s)]);
    const idle = liveTimers();
    await executor.start(exec.id, 0);
    await started.wait;
    expect(liveTimers()).toBe(idle);
    hold.open();
    await executor.wait(exec.id);
  });

  it('saves periodic checkpoints during a long step', async () => {
    const { executor, events, clock } = harness({ checkpointIntervalMs: 5 });
    const hold = gate();
    const exec = executor.createExecution('periodic', [async (s) => (await hold.wait, s)]);
    await executor.start(exec.id, 0);
    const checkpointTimes = () =>
      events.filter((e) => e.type === EventType.Checkpointed).map((e) => e.timestamp.getTime() - T0);
    await clock.advance(4);
    expect(checkpointTimes()).toEqual([0]);
    await clock.advance(1);
    expect(checkpointTimes()).toEqual([0, 5]);
    await clock.advance(5);
    expect(checkpointTimes()).toEqual([0, 5, 10]);
    hold.open();
    await executor.wait(exec.id);
  });
});
