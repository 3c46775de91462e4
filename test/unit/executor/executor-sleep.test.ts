import { describe, expect, it } from 'vitest';
import { type Clock, MAX_TIMER_MS } from '../../../lib/core/clock.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { NamedStep, StepContext } from '../../../lib/core/types.js';
import { T0, harness, untilWaiting } from './helpers.js';

const HOUR = 3_600_000;

/** draft -> (sleep `ms`) -> publish, recording what each step saw. */
function sleepy(ms: number, seen: { step: string; stepRun: number; event: unknown; at: number }[], now: () => number) {
  const record = (step: string, ctx: StepContext): void => {
    seen.push({ step, stepRun: ctx.stepRun, event: ctx.event, at: now() });
  };
  const steps: NamedStep<number>[] = [
    { name: 'draft', fn: (s, ctx) => (record('draft', ctx), ctx.sleep(ms, s + 1)) },
    { name: 'publish', fn: (s, ctx) => (record('publish', ctx), s * 10) },
  ];
  return steps;
}

describe('Executor sleep', () => {
  it('commits the state, waits, and runs the next step once the clock reaches the end of the sleep, not before', async () => {
    const { executor, clock, store } = harness();
    const seen: Parameters<typeof sleepy>[1] = [];
    const exec = executor.createNamedExecution(
      'sleepy',
      sleepy(HOUR, seen, () => clock.now()),
    );
    const told: string[] = [];
    executor.onEvent = (e) => (e.type === 'waiting' || e.type === 'resumed') && told.push(e.type);
    await executor.start(exec.id, 1);
    await untilWaiting(executor, exec.id);
    const waiting = executor.getExecution(exec.id)!;
    expect(told).toEqual(['waiting']);
    expect(waiting.wait).toEqual({ kind: 'sleep', until: new Date(T0 + HOUR) });
    expect(waiting.currentStep).toBe(1);
    expect(waiting.stepRuns).toBe(1);
    expect(waiting.progress).toBe(50);
    expect(waiting.checkpoints.at(-1)).toMatchObject({ step: 1, seq: 1, stepName: 'publish', state: 2 });
    expect((await store.loadCheckpoint(exec.id)).wait?.until).toEqual(new Date(T0 + HOUR));

    await clock.advance(HOUR - 1);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Waiting);
    expect(seen.map((s) => s.step)).toEqual(['draft']);

    await clock.advance(1);
    const done = await executor.wait(exec.id);
    expect(told).toEqual(['waiting', 'resumed']);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.progress).toBe(100);
    expect(done.wait).toBeUndefined();
    expect(done.checkpoints.at(-1)?.state).toBe(20);
    expect(seen).toEqual([
      { step: 'draft', stepRun: 0, event: undefined, at: T0 },
      { step: 'publish', stepRun: 1, event: undefined, at: T0 + HOUR },
    ]);
  });

  it('sleeps until a Date with sleepUntil, and runs on at once when that time has passed', async () => {
    const { executor, clock } = harness();
    const at = new Date(T0 + 5_000);
    const exec = executor.createNamedExecution('until', [
      { name: 'a', fn: (s: number, ctx) => ctx.sleepUntil(at, s + 1) },
      { name: 'b', fn: (s: number, ctx) => ctx.sleepUntil(T0 - 1, s + 1) },
      { name: 'c', fn: (s: number) => s + 1 },
    ]);
    await executor.start(exec.id, 0);
    await untilWaiting(executor, exec.id);
    expect(executor.getExecution(exec.id)?.wait?.until).toEqual(at);
    await clock.advance(4_999);
    expect(executor.getExecution(exec.id)?.currentStep).toBe(1);
    await clock.advance(1);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.checkpoints.at(-1)?.state).toBe(3);
    expect(done.stepRuns).toBe(3);
  });

  it('chains timers for a sleep longer than the longest timer', async () => {
    const { executor, clock } = harness();
    const days30 = 30 * 24 * HOUR;
    expect(days30).toBeGreaterThan(MAX_TIMER_MS);
    const exec = executor.createNamedExecution(
      'long',
      sleepy(days30, [], () => clock.now()),
    );
    await executor.start(exec.id, 1);
    await untilWaiting(executor, exec.id);
    expect(clock.nextTimerAt).toBe(T0 + MAX_TIMER_MS);
    await clock.advance(MAX_TIMER_MS);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Waiting);
    expect(clock.nextTimerAt).toBe(T0 + days30);
    await clock.advance(days30 - MAX_TIMER_MS - 1);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Waiting);
    await clock.advance(1);
    expect((await executor.wait(exec.id)).state).toBe(ExecutionState.Completed);
  });

  it('combines a sleep with a goto through next', async () => {
    const { executor, clock } = harness();
    const exec = executor.createNamedExecution('next', [
      { name: 'a', fn: (s: number, ctx) => (s < 2 ? ctx.sleep(10, s + 1, { next: 'a' }) : s) },
      { name: 'b', fn: (s: number) => s * 100 },
    ]);
    await executor.start(exec.id, 0);
    const done = await clock.runUntilSettled(executor.wait(exec.id));
    expect(done.checkpoints.at(-1)?.state).toBe(200);
    expect(done.stepRuns).toBe(4);
    expect(clock.now()).toBe(T0 + 20);
  });

  it("keeps the process alive with a sleep's timer but not with an event wait's timeout", async () => {
    const clock = new ManualClock(T0);
    const keepAlive: (boolean | undefined)[] = [];
    const recording: Clock = {
      now: () => clock.now(),
      setTimer: (ms, callback, options) => (keepAlive.push(options?.keepAlive), clock.setTimer(ms, callback)),
    };
    const { executor } = harness(
      { heartbeatIntervalMs: MAX_TIMER_MS, checkpointIntervalMs: MAX_TIMER_MS },
      { clock: recording },
    );
    const exec = executor.createNamedExecution('alive', [
      { name: 'nap', fn: (s: number, ctx) => ctx.sleep(HOUR, s) },
      { name: 'ask', fn: (s: number, ctx) => ctx.waitForEvent('go', { state: s, timeoutMs: HOUR }) },
    ]);
    await executor.start(exec.id, 0);
    await untilWaiting(executor, exec.id);
    const afterSleep = keepAlive.length;
    await clock.advance(HOUR);
    await untilWaiting(executor, exec.id);
    expect(keepAlive[afterSleep - 1]).toBe(true);
    expect(keepAlive.at(-1)).toBe(false);
  });
});

describe('Executor wait after the last step', () => {
  it('completes the execution when the sleep ends, and when the event arrives', async () => {
    const { executor, clock } = harness();
    const sleeper = executor.createNamedExecution('tail-sleep', [
      { name: 'only', fn: (s: number, ctx: StepContext) => ctx.sleep(HOUR, s + 1) },
    ]);
    await executor.start(sleeper.id, 1);
    await untilWaiting(executor, sleeper.id);
    await clock.advance(HOUR);
    const slept = await executor.wait(sleeper.id);
    expect(slept).toMatchObject({ state: ExecutionState.Completed, progress: 100 });
    expect(slept.checkpoints.at(-1)?.state).toBe(2);

    const waiter = executor.createNamedExecution('tail-event', [
      { name: 'only', fn: (s: number, ctx: StepContext) => ctx.waitForEvent('done', { state: s + 1 }) },
    ]);
    await executor.start(waiter.id, 1);
    await untilWaiting(executor, waiter.id);
    expect((await executor.sendEvent(waiter.id, { type: 'done' })).delivery).toBe('resumed');
    expect(await executor.wait(waiter.id)).toMatchObject({ state: ExecutionState.Completed, progress: 100 });
  });
});
