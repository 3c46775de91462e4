import { describe, expect, it } from 'vitest';
import { LongRunningError } from '../../../lib/core/errors.js';
import { EventType } from '../../../lib/core/events.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { Logger } from '../../../lib/core/logger.js';
import type { Execution, NamedStep } from '../../../lib/core/types.js';
import { Executor } from '../../../lib/executor/executor.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { add, FAST, gate, harness, T0, until } from './helpers.js';

/** A memory store whose saves can be made to fail, or to wait, on demand. */
class FlakyStore extends MemoryCheckpointStore {
  failNext = 0;
  hold: Promise<void> | undefined;
  /** Holds only the saves of a paused snapshot. */
  holdPaused: Promise<void> | undefined;
  saves = 0;
  override async saveCheckpoint(exec: Execution): Promise<void> {
    this.saves++;
    if (this.hold) await this.hold;
    if (this.holdPaused && exec.state === ExecutionState.Paused) await this.holdPaused;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('disk unavailable');
    }
    await super.saveCheckpoint(exec);
  }
}

describe('Executor when saves fail', () => {
  it('fails an execution whose step result cannot be saved, keeping the last good checkpoint', async () => {
    const { executor, store } = harness();
    const exec = executor.createExecution('unserialisable', [add(1), () => ({ big: 10n })]);
    await executor.start(exec.id, 0);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.error).toMatch(/could not save the checkpoint after step 1/);
    const saved = await store.loadCheckpoint(exec.id);
    expect(saved).toMatchObject({ state: ExecutionState.Failed, currentStep: 1 });
    expect(saved.checkpoints.at(-1)).toMatchObject({ step: 1, state: 1 });
  });

  it('retries a transient save failure after a step and completes', async () => {
    const store = new FlakyStore();
    const clock = new ManualClock(T0);
    const executor = new Executor(FAST, { checkpointStore: store, clock });
    const hold = gate();
    const exec = executor.createExecution('flaky-disk', [async (s: number) => (await hold.wait, s + 1), add(1)]);
    await executor.start(exec.id, 0);
    store.failNext = 2;
    hold.open();
    await clock.advance(0);
    expect(store.saves).toBe(2); // the start, then the first try after the step
    await clock.advance(1);
    expect(store.saves).toBe(3); // after a 1 ms backoff
    await clock.advance(1);
    expect(store.saves).toBe(3);
    await clock.advance(1);
    const done = await executor.wait(exec.id);
    expect(store.saves).toBe(5); // after a 2 ms backoff, then the last step's checkpoint
    expect(done.state).toBe(ExecutionState.Completed);
    expect((await store.loadCheckpoint(exec.id)).checkpoints.at(-1)?.state).toBe(2);
  });

  it('rejects start when the first checkpoint cannot be saved, leaving the execution not started', async () => {
    const store = new FlakyStore();
    const executor = new Executor(FAST, { checkpointStore: store });
    const exec = executor.createExecution('no-disk', [add(1)]);
    store.failNext = 1;
    await expect(executor.start(exec.id, 0)).rejects.toThrow(/disk unavailable/);
    expect(executor.getExecution(exec.id)).toMatchObject({ state: ExecutionState.Initialized, checkpoints: [] });
    await executor.start(exec.id, 0);
    expect((await executor.wait(exec.id)).state).toBe(ExecutionState.Completed);
  });
});

describe('Executor under concurrent calls', () => {
  const named = (log: string[]): NamedStep<number>[] => [
    { name: 'r1', fn: (s) => (log.push('r1'), s + 1) },
    { name: 'r2', fn: (s) => (log.push('r2'), s + 1) },
  ];

  it('runs one loop when resumeExecution is called twice at once', async () => {
    const store = new MemoryCheckpointStore();
    const first = new Executor(FAST, { checkpointStore: store });
    const exec = first.createNamedExecution('twice', named([]));
    await store.saveCheckpoint({
      ...exec,
      state: ExecutionState.Running,
      checkpoints: [{ id: 'cp', step: 0, state: 0, timestamp: new Date() }],
    });
    const log: string[] = [];
    const executor = new Executor(FAST, { checkpointStore: store });
    for (const s of named(log)) executor.registry.register(s.name, s.fn);
    await executor.loadExecution(exec.id);
    const results = await Promise.allSettled([
      executor.resumeExecution(exec.id, 0),
      executor.resumeExecution(exec.id, 0),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    await executor.wait(exec.id);
    expect(log).toEqual(['r1', 'r2']);
  });

  it('ends cancelled once when cancel arrives during start', async () => {
    const store = new FlakyStore();
    const events: string[] = [];
    const executor = new Executor(FAST, { checkpointStore: store, onEvent: (e) => events.push(e.type) });
    const exec = executor.createExecution('cancel-early', [add(1)]);
    const hold = gate();
    store.hold = hold.wait;
    const starting = executor.start(exec.id, 0);
    const cancelling = executor.cancel(exec.id);
    hold.open();
    await Promise.all([starting, cancelling]);
    expect((await executor.wait(exec.id)).state).toBe(ExecutionState.Cancelled);
    expect(events.filter((t) => t === EventType.ExecutionCancelled)).toHaveLength(1);
  });

  it('keeps wait() attached when a paused execution is loaded again, then resumed', async () => {
    const store = new MemoryCheckpointStore();
    const seed = new Executor(FAST, { checkpointStore: store });
    const exec = seed.createNamedExecution('reload', named([]));
    await store.saveCheckpoint({
      ...exec,
      state: ExecutionState.Paused,
      checkpoints: [{ id: 'cp', step: 0, state: 5, timestamp: new Date() }],
    });
    const executor = new Executor(FAST, { checkpointStore: store });
    for (const s of named([])) executor.registry.register(s.name, s.fn);
    await executor.loadExecution(exec.id);
    const waiting = executor.wait(exec.id);
    await executor.loadExecution(exec.id);
    await executor.resume(exec.id);
    expect((await waiting).checkpoints.at(-1)?.state).toBe(7);
  });

  it('pauses a loaded running execution that nothing is running at once', async () => {
    const store = new MemoryCheckpointStore();
    const seed = new Executor(FAST, { checkpointStore: store });
    const exec = seed.createNamedExecution('idle', named([]));
    await store.saveCheckpoint({
      ...exec,
      state: ExecutionState.Running,
      checkpoints: [{ id: 'cp', step: 0, state: 0, timestamp: new Date() }],
    });
    const executor = new Executor(FAST, { checkpointStore: store });
    await executor.loadExecution(exec.id);
    await executor.pause(exec.id);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Paused);
    expect((await store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Paused);
  });

  it('announces paused before resumed when resume arrives during the pause save', async () => {
    const store = new FlakyStore();
    const events: string[] = [];
    const executor = new Executor(FAST, { checkpointStore: store, onEvent: (e) => events.push(e.type) });
    const step = gate();
    const exec = executor.createExecution('order', [async (s: number) => (await step.wait, s), add(1)]);
    await executor.start(exec.id, 0);
    await executor.pause(exec.id);
    const save = gate();
    store.holdPaused = save.wait;
    step.open();
    await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Paused, 'the loop to pause');
    const resuming = executor.resume(exec.id);
    save.open();
    await resuming;
    await executor.wait(exec.id);
    expect(events.indexOf(EventType.Paused)).toBeLessThan(events.indexOf(EventType.Resumed));
  });

  it('fails the execution instead of hanging when the run loop itself throws', async () => {
    const throwing: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => {
        throw new LongRunningError('LOGGER_DOWN', 'log sink unreachable');
      },
      error: () => undefined,
    };
    const executor = new Executor(
      { ...FAST, maxRetries: 1 },
      { checkpointStore: new MemoryCheckpointStore(), logger: throwing },
    );
    const exec = executor.createExecution('bad-logger', [
      () => {
        throw new Error('step error');
      },
    ]);
    await executor.start(exec.id, 0);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.error).toMatch(/internal error: log sink unreachable/);
  });
});
