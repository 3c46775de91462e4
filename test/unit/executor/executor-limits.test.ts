import { describe, expect, it } from 'vitest';
import { EventType } from '../../../lib/core/events.js';
import type { LimitSpec } from '../../../lib/core/limits.js';
import type { NamedStep } from '../../../lib/core/types.js';
import type { Executor } from '../../../lib/executor/executor.js';
import { T0, gate, harness, until } from './helpers.js';

/**
 * One step, `call`, with `limits`, that holds its keys until the test releases it
 * (`release`), counting how many runs are in it at once.
 */
function heldStep<S>(limits: LimitSpec<S>[]) {
  const held: { input: S; release: () => void }[] = [];
  const seen = { inStep: 0, most: 0, started: [] as S[], attempts: [] as number[] };
  const steps: NamedStep<S>[] = [
    {
      name: 'call',
      limits,
      fn: async (s, ctx) => {
        seen.inStep++;
        seen.most = Math.max(seen.most, seen.inStep);
        seen.started.push(s);
        seen.attempts.push(ctx.attempt);
        await new Promise<void>((release) => held.push({ input: s, release }));
        seen.inStep--;
        return s;
      },
    },
  ];
  /** Releases every run held in the step now. */
  const releaseAll = (): void => held.splice(0).forEach((h) => h.release());
  return { steps, held, seen, releaseAll };
}

async function startMany<S>(executor: Executor, steps: NamedStep<S>[], inputs: S[]): Promise<string[]> {
  const ids: string[] = [];
  for (const input of inputs) {
    const exec = executor.createNamedExecution('limited', steps);
    await executor.start(exec.id, input);
    ids.push(exec.id);
  }
  return ids;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('Executor limits', () => {
  it('runs at most `concurrency` attempts of a key at once, shows the waiting ones throttled, and counts no wait as an attempt', async () => {
    const { executor, events } = harness();
    const { steps, held, seen, releaseAll } = heldStep<number>([{ key: 'openai', concurrency: 3 }]);
    const ids = await startMany(executor, steps, range(40));
    await until(() => held.length === 3, 'three runs in the step');

    expect(executor.limits()).toEqual([{ key: 'openai', concurrency: 3, inUse: 3, waiting: 37 }]);
    expect(executor.getExecution(ids[39]!)?.throttled).toEqual({
      key: 'openai',
      inUse: 3,
      limit: 3,
      since: new Date(T0),
    });
    expect(executor.getExecution(ids[0]!)?.throttled).toBeUndefined();
    expect(executor.listExecutions().filter((e) => e.throttled).length).toBe(37);

    let rounds = 0;
    while (seen.started.length < 40) {
      const next = Math.min(seen.started.length + 3, 40);
      releaseAll();
      await until(() => seen.started.length === next, `${next} runs started`);
      expect(seen.inStep).toBeLessThanOrEqual(3);
      rounds++;
    }
    releaseAll();
    const done = await Promise.all(ids.map((id) => executor.wait(id)));

    expect(done.every((e) => e.state === 'completed')).toBe(true);
    expect(seen.most).toBe(3);
    expect(rounds).toBe(13);
    expect(seen.attempts.every((a) => a === 0)).toBe(true);
    expect(events.filter((e) => e.type === EventType.StepFailed)).toEqual([]);
    expect(executor.listExecutions().some((e) => e.throttled)).toBe(false);
    expect(executor.limits()).toEqual([]);
  });

  it('serves a saturated key in arrival order, late arrivals behind the ones already waiting', async () => {
    const { executor } = harness();
    const { steps, held, seen } = heldStep<number>([{ key: 'db', concurrency: 1 }]);
    const ids = await startMany(executor, steps, range(5));
    const releaseNext = async (count: number): Promise<void> => {
      held.shift()!.release();
      await until(() => seen.started.length === count, `run ${count} started`);
    };
    await until(() => held.length === 1, 'the first run in the step');
    await releaseNext(2);
    await releaseNext(3);
    ids.push(...(await startMany(executor, steps, [100, 101])));
    for (let n = 4; n <= 7; n++) await releaseNext(n);
    held.shift()!.release();
    await Promise.all(ids.map((id) => executor.wait(id)));

    expect(seen.started).toEqual([0, 1, 2, 3, 4, 100, 101]);
  });

  it('spreads 150 starts under perMinute 60 evenly over about two and a half minutes of clock time', async () => {
    const { executor, clock } = harness();
    const startedAt: number[] = [];
    const steps: NamedStep<number>[] = [
      { name: 'call', limits: [{ key: 'api', perMinute: 60 }], fn: (s) => (startedAt.push(clock.now()), s) },
    ];
    const ids = await startMany(executor, steps, range(150));
    await clock.runUntilSettled(Promise.all(ids.map((id) => executor.wait(id))));

    expect(startedAt).toHaveLength(150);
    expect(startedAt[0]).toBe(T0);
    expect(startedAt.at(-1)! - T0).toBe(149_000);
    for (const [i, at] of startedAt.entries()) {
      const inWindow = startedAt.filter((t) => t >= at && t < at + 60_000).length;
      expect(inWindow, `starts in the minute from start ${i}`).toBeLessThanOrEqual(60);
    }
  });

  it('fails the attempt, as any failed attempt, when a key function throws, naming the step', async () => {
    const { executor, clock, events } = harness({ maxRetries: 1 });
    let ran = 0;
    const steps: NamedStep<{ tenant?: string }>[] = [
      {
        name: 'call-model',
        limits: [
          {
            key: (s) => {
              if (!s.tenant) throw new Error('no tenant');
              return `openai:${s.tenant}`;
            },
            concurrency: 2,
          },
        ],
        fn: (s) => (ran++, s),
      },
    ];
    const [id] = await startMany(executor, steps, [{}]);
    const failed = await clock.runUntilSettled(executor.wait(id!));

    expect(failed.state).toBe('failed');
    expect(failed.error).toBe('the limit key function of step "call-model" threw: no tenant');
    expect(events.filter((e) => e.type === EventType.StepFailed)).toHaveLength(2);
    expect(ran).toBe(0);
    expect(executor.limits()).toEqual([]);
  });

  it('gives the slot back when an attempt fails: the retry waits behind the runs already waiting', async () => {
    const { executor, clock } = harness({ maxRetries: 1 });
    const order: string[] = [];
    const other = gate();
    const steps: NamedStep<string>[] = [
      {
        name: 'call',
        limits: [{ key: 'db', concurrency: 1 }],
        fn: async (s, ctx) => {
          order.push(`${s}#${ctx.attempt}`);
          if (s === 'flaky' && ctx.attempt === 0) throw new Error('flaky');
          if (s === 'other') await other.wait;
          return s;
        },
      },
    ];
    const [flaky, second] = await startMany(executor, steps, ['flaky', 'other']);
    await until(() => order.length === 2, 'the other run in the step');
    await clock.advance(10);
    await until(() => executor.getExecution(flaky!)?.throttled !== undefined, 'the retry throttled');
    expect(order).toEqual(['flaky#0', 'other#0']);

    other.open();
    await Promise.all([executor.wait(flaky!), executor.wait(second!)]);
    expect(order).toEqual(['flaky#0', 'other#0', 'flaky#1']);
    expect(executor.getExecution(flaky!)?.state).toBe('completed');
  });

  it('ends the wait on cancel and gives back only the keys the cancelled run took', async () => {
    const { executor } = harness();
    const a = heldStep<string>([{ key: 'b', concurrency: 1 }]);
    const both = heldStep<string>([
      { key: 'b', concurrency: 1 },
      { key: 'a', concurrency: 1 },
    ]);
    const [holder] = await startMany(executor, a.steps, ['holder']);
    await until(() => a.held.length === 1, 'the holder in its step');
    const [waiter] = await startMany(executor, both.steps, ['waiter']);
    // Keys are taken in key order: the waiter holds "a" and waits for "b".
    await until(() => executor.getExecution(waiter!)?.throttled?.key === 'b', 'the waiter throttled by b');
    expect(executor.limits()).toEqual([
      { key: 'b', concurrency: 1, inUse: 1, waiting: 1 },
      { key: 'a', concurrency: 1, inUse: 1, waiting: 0 },
    ]);

    await executor.cancel(waiter!);

    expect((await executor.wait(waiter!)).state).toBe('cancelled');
    expect(executor.getExecution(waiter!)?.throttled).toBeUndefined();
    expect(both.seen.started).toEqual([]);
    expect(executor.limits()).toEqual([{ key: 'b', concurrency: 1, inUse: 1, waiting: 0 }]);
    a.releaseAll();
    expect((await executor.wait(holder!)).state).toBe('completed');
    expect(executor.limits()).toEqual([]);
  });

  it('ends the wait on pause, and runs the step on resume', async () => {
    const { executor, events } = harness();
    const { steps, held, seen, releaseAll } = heldStep<number>([{ key: 'db', concurrency: 1 }]);
    const [first, second] = await startMany(executor, steps, [1, 2]);
    await until(() => held.length === 1 && executor.getExecution(second!)?.throttled !== undefined, 'one held');

    await executor.pause(second!);
    await until(() => executor.getExecution(second!)?.state === 'paused', 'the second paused');
    expect(executor.getExecution(second!)?.throttled).toBeUndefined();
    expect(executor.limits()).toEqual([{ key: 'db', concurrency: 1, inUse: 1, waiting: 0 }]);
    releaseAll();
    await executor.wait(first!);
    expect(seen.started).toEqual([1]);

    await executor.resume(second!);
    await until(() => held.length === 1, 'the second in its step');
    releaseAll();
    expect((await executor.wait(second!)).state).toBe('completed');
    expect(seen.attempts).toEqual([0, 0]);
    expect(events.filter((e) => e.type === EventType.StepFailed)).toEqual([]);
  });

  it('keeps the limits of steps registered with registerSteps for executions resumed after a restart', async () => {
    const before = harness();
    const old = heldStep<number>([]);
    const ids = await startMany(before.executor, old.steps, [1, 2, 3]);
    await until(() => old.held.length === 3, 'three runs in the old process');

    const after = harness({}, { checkpointStore: before.store });
    const { steps, held, seen, releaseAll } = heldStep<number>([{ key: 'db', concurrency: 1 }]);
    after.executor.registerSteps(steps);
    expect(await after.executor.autoResumeAll()).toBe(3);
    await until(() => held.length === 1 && after.executor.limits()[0]?.waiting === 2, 'one resumed run in the step');
    expect(after.executor.limits()).toEqual([{ key: 'db', concurrency: 1, inUse: 1, waiting: 2 }]);
    for (let n = 2; n <= 3; n++) {
      releaseAll();
      await until(() => seen.started.length === n, `${n} runs started`);
    }
    releaseAll();
    const done = await Promise.all(ids.map((id) => after.executor.wait(id)));
    expect(done.every((e) => e.state === 'completed')).toBe(true);
    expect(seen.most).toBe(1);
    old.releaseAll();
  });

  it('holds two keys of one step, each to its own bound', async () => {
    const { executor } = harness();
    const { steps, held, seen, releaseAll } = heldStep<{ tenant: string; n: number }>([
      { key: (s) => `tenant:${s.tenant}`, concurrency: 1 },
      { key: 'openai', concurrency: 2 },
    ]);
    const inputs = range(8).map((n) => ({ tenant: n % 2 === 0 ? 'x' : 'y', n }));
    const ids = await startMany(executor, steps, inputs);
    await until(() => held.length === 2, 'two runs in the step');
    while (seen.started.length < 8) {
      // One run per tenant (one each of x and y), two in all: each key holds to its bound.
      expect(held.map((h) => h.input.tenant).sort()).toEqual(['x', 'y']);
      expect(seen.inStep).toBe(2);
      const next = seen.started.length + 2;
      releaseAll();
      await until(() => seen.started.length === next, `${next} runs started`);
    }
    expect(seen.most).toBe(2);
    releaseAll();
    const done = await Promise.all(ids.map((id) => executor.wait(id)));
    expect(done.every((e) => e.state === 'completed')).toBe(true);
    expect(seen.started.map((s) => s.n).sort((a, b) => a - b)).toEqual(range(8));
  });
});
