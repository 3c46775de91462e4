import { describe, expect, it } from 'vitest';
import { EventType } from '../../../lib/core/events.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { StepContext } from '../../../lib/core/types.js';
import { add, gate, harness, T0, until } from './helpers.js';

describe('Executor retries', () => {
  it('retries a failing step with backoff, then succeeds, seeing the attempt number', async () => {
    const { executor, events, clock } = harness({ maxRetries: 3, retryBaseDelayMs: 10, retryMaxDelayMs: 15 });
    const attempts: number[] = [];
    const times: number[] = [];
    const exec = executor.createExecution('flaky', [
      (s: number, ctx: StepContext) => {
        attempts.push(ctx.attempt);
        times.push(clock.now() - T0);
        if (ctx.attempt < 2) throw new Error(`boom ${ctx.attempt}`);
        return s + 1;
      },
    ]);
    await executor.start(exec.id, 1);
    await clock.advance(0);
    expect(attempts).toEqual([0]);
    await clock.advance(9);
    expect(attempts).toEqual([0]);
    await clock.advance(1);
    expect(attempts).toEqual([0, 1]);
    await clock.advance(14);
    expect(attempts).toEqual([0, 1]);
    await clock.advance(1);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(attempts).toEqual([0, 1, 2]);
    expect(times).toEqual([0, 10, 25]);
    expect(done.endTime).toEqual(new Date(T0 + 25));
    const failed = events.filter((e) => e.type === EventType.StepFailed);
    expect(failed.map((e) => e.error?.message)).toEqual(['boom 0', 'boom 1']);
  });

  it('fails after maxRetries with the error, endTime and a saved checkpoint', async () => {
    const { executor, store, events, clock } = harness({ maxRetries: 2 });
    let calls = 0;
    const exec = executor.createExecution('doomed', [
      add(1),
      () => {
        calls++;
        throw new Error('always');
      },
    ]);
    await executor.start(exec.id, 0);
    const done = await clock.runUntilSettled(executor.wait(exec.id));
    expect(calls).toBe(3);
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.error).toBe('always');
    expect(done.endTime).toEqual(new Date(T0 + 1 + 2)); // after backoffs of 1 and 2 ms
    expect(done.currentStep).toBe(1);
    const saved = await store.loadCheckpoint(exec.id);
    expect(saved.state).toBe(ExecutionState.Failed);
    expect(saved.checkpoints.at(-1)).toMatchObject({ step: 1, state: 1 });
    expect(events.filter((e) => e.type === EventType.StepFailed)).toHaveLength(3);
    expect(events.at(-1)?.type).toBe(EventType.ExecutionFailed);
  });
});

describe('Executor pause and resume', () => {
  it('pauses at the next step boundary and resumes with the next step', async () => {
    const { executor, store, events } = harness();
    const hold = gate();
    const ran: number[] = [];
    const exec = executor.createExecution('pausable', [
      async (s: number) => (ran.push(0), await hold.wait, s + 1),
      (s: number) => (ran.push(1), s + 1),
    ]);
    await executor.start(exec.id, 0);
    await until(() => ran.length === 1, 'first step to start');
    await executor.pause(exec.id);
    hold.open();
    await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Paused, 'pause');
    expect(ran).toEqual([0]);
    const saved = await store.loadCheckpoint(exec.id);
    expect(saved).toMatchObject({ state: ExecutionState.Paused, currentStep: 1 });
    expect(events.some((e) => e.type === EventType.Paused && e.step === 1)).toBe(true);

    await executor.resume(exec.id);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(ran).toEqual([0, 1]);
    expect(events.some((e) => e.type === EventType.Resumed)).toBe(true);
  });

  it('rejects pause unless running and resume unless paused', async () => {
    const { executor } = harness();
    const exec = executor.createExecution('strict', [add(1)]);
    await expect(executor.pause(exec.id)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    await expect(executor.resume(exec.id)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    await executor.start(exec.id, 0);
    await executor.wait(exec.id);
    await expect(executor.pause(exec.id)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    await expect(executor.pause('exec_unknown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('pauses and resumes several times', async () => {
    const { executor } = harness();
    const gates = [gate(), gate(), gate()];
    const exec = executor.createExecution(
      'multi',
      gates.map((g) => async (s: number) => (await g.wait, s + 1)),
    );
    await executor.start(exec.id, 0);
    for (const g of gates.slice(0, 2)) {
      await executor.pause(exec.id);
      g.open();
      await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Paused, 'pause');
      await executor.resume(exec.id);
    }
    gates[2]!.open();
    const done = await executor.wait(exec.id);
    expect(done.checkpoints.at(-1)?.state).toBe(3);
  });
});

describe('Executor cancellation', () => {
  it('aborts the running step signal, ends cancelled and saves a checkpoint', async () => {
    const { executor, store, events } = harness();
    let aborted = false;
    const started = gate();
    const exec = executor.createExecution('cancel-me', [
      add(1),
      (s: unknown, ctx: StepContext) =>
        new Promise((_, reject) => {
          started.open();
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
      add(1),
    ]);
    await executor.start(exec.id, 0);
    await started.wait;
    await executor.cancel(exec.id);
    expect(aborted).toBe(true);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Cancelled);
    expect(done.currentStep).toBe(1);
    expect((await store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Cancelled);
    expect(events.at(-1)?.type).toBe(EventType.ExecutionCancelled);
  });

  it('does not wait for a step that ignores its signal', async () => {
    const { executor } = harness();
    const never = gate();
    const exec = executor.createExecution('stubborn', [async (s) => (await never.wait, s)]);
    await executor.start(exec.id, 0);
    await executor.cancel(exec.id);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Cancelled);
    never.open();
  });

  it('cancels when the start signal aborts, including during backoff', async () => {
    const { executor, events, clock } = harness({ retryBaseDelayMs: 60_000, retryMaxDelayMs: 60_000 });
    const controller = new AbortController();
    const exec = executor.createExecution('signal', [
      () => {
        throw new Error('fail then wait a minute');
      },
    ]);
    await executor.start(exec.id, 0, { signal: controller.signal });
    await until(() => events.some((e) => e.type === EventType.StepFailed), 'the first failure');
    await clock.advance(59_999);
    expect(events.filter((e) => e.type === EventType.StepFailed)).toHaveLength(1);
    controller.abort();
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Cancelled);
    expect(done.endTime).toEqual(new Date(T0 + 59_999));
    expect(clock.pendingTimers).toBe(0); // the backoff timer is gone with it
  });

  it('cancels a paused execution and an initialized one, and rejects cancelling a finished one', async () => {
    const { executor } = harness();
    const fresh = executor.createExecution('fresh', [add(1)]);
    await executor.cancel(fresh.id);
    expect(executor.getExecution(fresh.id)?.state).toBe(ExecutionState.Cancelled);
    await expect(executor.cancel(fresh.id)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });

    const hold = gate();
    const paused = executor.createExecution('paused', [async (s) => (await hold.wait, s), add(1)]);
    await executor.start(paused.id, 0);
    await executor.pause(paused.id);
    hold.open();
    await until(() => executor.getExecution(paused.id)?.state === ExecutionState.Paused, 'pause');
    await executor.cancel(paused.id);
    expect((await executor.wait(paused.id)).state).toBe(ExecutionState.Cancelled);
  });
});
