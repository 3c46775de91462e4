import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import { EventType } from '../../../lib/core/events.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { Execution, NamedStep, StepContext } from '../../../lib/core/types.js';
import { Executor } from '../../../lib/executor/executor.js';
import { FileCheckpointStore } from '../../../lib/stores/file-checkpoint-store.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { tempDir } from '../stores/fixtures.js';
import { FAST, gate, harness, T0, until } from './helpers.js';

/** A step that reports `usage` and adds 1 to the state, recording that it ran. */
function spending(name: string, usage: Record<string, number>, ran: string[]): NamedStep<number> {
  return {
    name,
    fn: (s: number, ctx: StepContext) => {
      ran.push(name);
      ctx.reportUsage(usage);
      return s + 1;
    },
  };
}

/** Five steps that each cost 0.5 USD. */
function fiveSteps(ran: string[]): NamedStep<number>[] {
  return ['s1', 's2', 's3', 's4', 's5'].map((name) => spending(name, { costUsd: 0.5, tokens: 10 }, ran));
}

describe('Executor budgets', () => {
  it('pauses before step 4 of 5 with BUDGET_EXCEEDED when step 3 takes costUsd past the budget', async () => {
    const { executor, store, events } = harness();
    const ran: string[] = [];
    const exec = executor.createNamedExecution('spend', fiveSteps(ran));
    await executor.start(exec.id, 0, { budget: { costUsd: 1.2 } });
    await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Paused, 'budget pause');
    expect(ran).toEqual(['s1', 's2', 's3']);
    const paused = executor.getExecution(exec.id);
    expect(paused).toMatchObject({
      state: ExecutionState.Paused,
      currentStep: 3,
      usage: { costUsd: 1.5, tokens: 30 },
      budget: { costUsd: 1.2 },
      errorCode: ErrorCode.BudgetExceeded,
      error: 'budget exceeded: costUsd 1.5 of 1.2; raise the budget to resume',
    });
    const pausedEvent = events.find((e) => e.type === EventType.Paused);
    expect(pausedEvent).toMatchObject({ step: 3, state: 3 });
    expect(pausedEvent?.error).toMatchObject({ code: ErrorCode.BudgetExceeded });
    await until(() => events.some((e) => e.type === EventType.Paused), 'paused saved');
    expect(await store.loadCheckpoint(exec.id)).toMatchObject({
      state: ExecutionState.Paused,
      usage: { costUsd: 1.5, tokens: 30 },
      budget: { costUsd: 1.2 },
      errorCode: ErrorCode.BudgetExceeded,
    });
  });

  it('refuses resume while over the budget, and resumes to the end once setBudget raises it', async () => {
    const { executor, store, events } = harness();
    const ran: string[] = [];
    const exec = executor.createNamedExecution('spend', fiveSteps(ran));
    await executor.start(exec.id, 0, { budget: { costUsd: 1.2 } });
    await until(() => events.some((e) => e.type === EventType.Paused), 'budget pause');

    await expect(executor.resume(exec.id)).rejects.toMatchObject({
      code: ErrorCode.BudgetExceeded,
      message: 'budget exceeded: costUsd 1.5 of 1.2; raise the budget to resume',
    });
    // Raised, but not enough: it stays paused, and the message names the new bound.
    const still = await executor.setBudget(exec.id, { costUsd: 1.4 });
    expect(still).toMatchObject({ state: ExecutionState.Paused, budget: { costUsd: 1.4 } });
    expect(still.error).toBe('budget exceeded: costUsd 1.5 of 1.4; raise the budget to resume');
    expect((await store.loadCheckpoint(exec.id)).budget).toEqual({ costUsd: 1.4 });
    expect(ran).toHaveLength(3);

    await executor.setBudget(exec.id, { costUsd: 3 });
    const done = await executor.wait(exec.id);
    expect(ran).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(done).toMatchObject({ state: ExecutionState.Completed, usage: { costUsd: 2.5, tokens: 50 } });
    expect(done.budget).toEqual({ costUsd: 3 });
    expect(done.error).toBeUndefined();
    expect(done.errorCode).toBeUndefined();
    expect(events.filter((e) => e.type === EventType.Resumed)).toHaveLength(1);
    expect(await store.loadCheckpoint(exec.id)).toMatchObject({ usage: { costUsd: 2.5, tokens: 50 } });
  });

  it('runs to the end when the last step crosses the budget (no next step to hold back)', async () => {
    const { executor } = harness();
    const ran: string[] = [];
    const exec = executor.createNamedExecution('spend', fiveSteps(ran));
    await executor.start(exec.id, 0, { budget: { costUsd: 2.2 } });
    const done = await executor.wait(exec.id);
    expect(done).toMatchObject({ state: ExecutionState.Completed, usage: { costUsd: 2.5 } });
    expect(done.errorCode).toBeUndefined();
  });

  it('counts the usage of a step that reported usage, threw and was retried once', async () => {
    const { executor, clock } = harness({ maxRetries: 2 });
    const exec = executor.createExecution('retried', [
      (s: number, ctx: StepContext) => {
        ctx.reportUsage({ tokens: 100 });
        if (ctx.attempt === 0) throw new Error('flaky');
        ctx.reportUsage({ tokens: 5 });
        return s + 1;
      },
      (s: number, ctx: StepContext) => (ctx.reportUsage({ tokens: 1, costUsd: 0.25 }), s + 1),
    ]);
    await executor.start(exec.id, 0);
    const done = await clock.runUntilSettled(executor.wait(exec.id));
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.usage).toEqual({ tokens: 106, costUsd: 0.25 });
  });

  it('does not count the usage of a step whose attempts all failed', async () => {
    const { executor, clock, store } = harness({ maxRetries: 1 });
    const exec = executor.createExecution('doomed', [
      (s: number, ctx: StepContext) => (ctx.reportUsage({ tokens: 3 }), s + 1),
      (_s: number, ctx: StepContext) => {
        ctx.reportUsage({ tokens: 50 });
        throw new Error('always');
      },
    ]);
    await executor.start(exec.id, 0);
    const done = await clock.runUntilSettled(executor.wait(exec.id));
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.usage).toEqual({ tokens: 3 });
    expect((await store.loadCheckpoint(exec.id)).usage).toEqual({ tokens: 3 });
  });

  it('takes the executor config budget by default; a budget given to start wins', async () => {
    const { executor } = harness({ budget: { costUsd: 0.7 } });
    const ran: string[] = [];
    const byDefault = executor.createNamedExecution('default', fiveSteps(ran));
    await executor.start(byDefault.id, 0);
    await until(() => executor.getExecution(byDefault.id)?.state === ExecutionState.Paused, 'pause');
    expect(executor.getExecution(byDefault.id)).toMatchObject({ currentStep: 2, budget: { costUsd: 0.7 } });
    const own = executor.createNamedExecution('own', fiveSteps([]));
    await executor.start(own.id, 0, { budget: { tokens: 1000 } });
    const done = await executor.wait(own.id);
    expect(done).toMatchObject({ state: ExecutionState.Completed, budget: { tokens: 1000 } });
    expect(executor.config.budget).toEqual({ costUsd: 0.7 });
    // A budget set before the start wins over the config's too.
    const set = executor.createNamedExecution('set', fiveSteps([]));
    expect(await executor.setBudget(set.id, { costUsd: 100 })).toMatchObject({ state: ExecutionState.Initialized });
    await executor.start(set.id, 0);
    expect(await executor.wait(set.id)).toMatchObject({ state: ExecutionState.Completed, budget: { costUsd: 100 } });
  });

  it('holds a running execution to a budget lowered by setBudget from its next step boundary', async () => {
    const { executor } = harness();
    const hold = gate();
    const ran: string[] = [];
    const steps = fiveSteps(ran);
    const second = steps[1]!;
    steps[1] = { name: 's2', fn: async (s, ctx) => (await hold.wait, second.fn(s, ctx)) };
    const exec = executor.createNamedExecution('lowered', steps);
    await executor.start(exec.id, 0);
    await until(() => ran.length === 1, 'step 1');
    await executor.setBudget(exec.id, { costUsd: 0.8 });
    hold.open();
    await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Paused, 'pause');
    expect(executor.getExecution(exec.id)).toMatchObject({ currentStep: 2, errorCode: ErrorCode.BudgetExceeded });
    // Removing the budget resumes it.
    await executor.setBudget(exec.id, null);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect('budget' in done).toBe(false);
  });

  it('holds a waiting execution whose budget was lowered under its usage when its event ends the wait, as the runtime does', async () => {
    const { executor } = harness();
    const ran: string[] = [];
    const exec = executor.createNamedExecution<number>('waits', [
      {
        name: 'spend',
        fn: (s, ctx) => (ctx.reportUsage({ costUsd: 1 }), ctx.waitForEvent('go', { state: s })),
      },
      { name: 'next', fn: (s, ctx) => (ran.push(`next: ${ctx.event?.type ?? 'no event'}`), s + 1) },
    ]);
    await executor.start(exec.id, 0);
    await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Waiting, 'waiting');
    await executor.setBudget(exec.id, { costUsd: 0.5 });
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Waiting);
    expect((await executor.sendEvent(exec.id, { type: 'go' })).delivery).toBe('resumed');
    await until(() => executor.getExecution(exec.id)?.state === ExecutionState.Paused, 'budget pause');
    expect(ran).toEqual([]);
    expect(executor.getExecution(exec.id)).toMatchObject({ currentStep: 1, errorCode: ErrorCode.BudgetExceeded });
    await executor.setBudget(exec.id, { costUsd: 5 });
    expect((await executor.wait(exec.id)).state).toBe(ExecutionState.Completed);
    expect(ran).toEqual(['next: go']);
  });

  it('fails the attempt of a step whose report would take the execution past 16 units, naming them', async () => {
    const { executor } = harness({ maxRetries: 0 });
    const units = (prefix: string) => Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`${prefix}${i}`, 1]));
    const exec = executor.createNamedExecution<number>('many-units', [
      { name: 'a', fn: (s, ctx) => (ctx.reportUsage(units('a')), s + 1) },
      { name: 'b', fn: (s, ctx) => (ctx.reportUsage(units('b')), s + 1) },
    ]);
    await executor.start(exec.id, 0);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.error).toMatch(/reportUsage: the execution would use 18 units in all, at most 16/);
    expect(Object.keys(done.usage ?? {})).toHaveLength(9);
    expect(done.currentStep).toBe(1);
  });

  it('keeps no usage or budget on an execution that reports none and has none', async () => {
    const { executor, store } = harness();
    const exec = executor.createExecution('plain', [(s: number) => s + 1]);
    await executor.start(exec.id, 0);
    const done = await executor.wait(exec.id);
    expect('usage' in done).toBe(false);
    expect('budget' in done).toBe(false);
    const saved = await store.loadCheckpoint(exec.id);
    expect('usage' in saved || 'budget' in saved).toBe(false);
  });

  it('gives a fork the source budget and a usage of its own', async () => {
    const { executor } = harness();
    const exec = executor.createNamedExecution('source', fiveSteps([]));
    await executor.start(exec.id, 0, { budget: { costUsd: 10 } });
    await executor.wait(exec.id);
    const fork = await executor.fork(exec.id, { fromCheckpoint: 3 });
    const done = await executor.wait(fork.id);
    expect(done).toMatchObject({ budget: { costUsd: 10 }, usage: { costUsd: 1, tokens: 20 } });
  });
});

/** A memory store whose saves fail while `failing` says so for the execution saved. */
class FailingStore extends MemoryCheckpointStore {
  failing: (exec: Execution) => boolean = () => false;
  override saveCheckpoint(exec: Execution): Promise<void> {
    if (this.failing(exec)) return Promise.reject(new Error('disk full'));
    return super.saveCheckpoint(exec);
  }
}

describe('Executor usage when a save fails', () => {
  it('takes back the usage of a step whose commit could not be saved', async () => {
    const store = new FailingStore();
    store.failing = (e) => e.stepRuns === 1 && e.state === ExecutionState.Running;
    const { executor } = harness({ maxRetries: 0 }, { checkpointStore: store });
    const exec = executor.createExecution('unsaved', [
      (s: number, ctx: StepContext) => (ctx.reportUsage({ tokens: 5 }), s + 1),
      (s: number) => s + 1,
    ]);
    await executor.start(exec.id, 0);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.error).toContain('could not save the checkpoint after step 0');
    expect(done.usage).toBeUndefined();
  });

  it('keeps the old budget when setBudget cannot save the new one', async () => {
    const store = new FailingStore();
    const { executor } = harness({}, { checkpointStore: store });
    const exec = executor.createExecution('x', [(s: number) => s]);
    await executor.setBudget(exec.id, { tokens: 10 });
    store.failing = () => true;
    await expect(executor.setBudget(exec.id, { tokens: 20 })).rejects.toThrow('disk full');
    expect(executor.getExecution(exec.id)?.budget).toEqual({ tokens: 10 });
  });
});

describe('Executor budget input', () => {
  it('refuses a negative budget given to start with VALIDATION_ERROR naming the unit, leaving it startable', async () => {
    const { executor } = harness();
    const exec = executor.createExecution('bad', [(s: number) => s]);
    await expect(executor.start(exec.id, 0, { budget: { costUsd: -1 } })).rejects.toMatchObject({
      code: ErrorCode.Validation,
      message: 'budget.costUsd must be greater than 0, got -1',
    });
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Initialized);
    await executor.start(exec.id, 0);
    expect((await executor.wait(exec.id)).state).toBe(ExecutionState.Completed);
  });

  it('refuses a bad budget in the config and in setBudget, and setBudget of a finished execution', async () => {
    expect(() => harness({ budget: { tokens: -5 } })).toThrow(
      expect.objectContaining({ code: ErrorCode.Validation, message: 'budget.tokens must be greater than 0, got -5' }),
    );
    const { executor } = harness();
    const exec = executor.createExecution('x', [(s: number) => s]);
    await expect(executor.setBudget(exec.id, { tokens: 0 })).rejects.toMatchObject({
      code: ErrorCode.Validation,
      message: 'budget.tokens must be greater than 0, got 0',
    });
    await expect(executor.setBudget('exec_unknown', { tokens: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await executor.start(exec.id, 0);
    await executor.wait(exec.id);
    await expect(executor.setBudget(exec.id, { tokens: 1 })).rejects.toMatchObject({
      code: ErrorCode.IllegalTransition,
    });
  });

  it('fails the attempt of a step that reports a negative amount, with a message naming the unit', async () => {
    const { executor, events } = harness({ maxRetries: 0 });
    const exec = executor.createExecution('negative', [
      (s: number, ctx: StepContext) => (ctx.reportUsage({ tokens: -5 }), s + 1),
    ]);
    await executor.start(exec.id, 0);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.error).toBe('reportUsage.tokens must be 0 or more, got -5');
    expect(done.usage).toBeUndefined();
    expect(events.find((e) => e.type === EventType.StepFailed)?.error?.message).toBe(
      'reportUsage.tokens must be 0 or more, got -5',
    );
  });
});

describe('Executor budgets across a restart (file store)', () => {
  let remove: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await remove?.();
    remove = undefined;
  });

  it('keeps usage and budget through auto-resume, pauses there, and setBudget finishes it after another restart', async () => {
    const dir = await tempDir();
    remove = dir.remove;
    // An executor on the directory, and promises of its events (each emitted once saved).
    const open = (): { executor: Executor; paused: Promise<void>; completed: Promise<void> } => {
      let onPaused!: () => void;
      let onCompleted!: () => void;
      const paused = new Promise<void>((r) => (onPaused = r));
      const completed = new Promise<void>((r) => (onCompleted = r));
      const executor = new Executor(FAST, {
        checkpointStore: new FileCheckpointStore(dir.path),
        clock: new ManualClock(T0),
        onEvent: (e) => {
          if (e.type === EventType.Paused) onPaused();
          if (e.type === EventType.ExecutionCompleted) onCompleted();
        },
      });
      return { executor, paused, completed };
    };
    const ran: string[] = [];
    const steps = ['a', 'b', 'c', 'd'].map((n) => spending(n, { tokens: 100 }, ran));

    // The first process commits step a, then dies in step b (after b reported usage).
    const first = open().executor;
    let reachedB!: () => void;
    const inB = new Promise<void>((r) => (reachedB = r));
    const exec = first.createNamedExecution('restarted', [
      steps[0]!,
      {
        name: 'b',
        fn: async (_s: number, ctx: StepContext) => {
          ctx.reportUsage({ tokens: 999 });
          reachedB();
          return new Promise<number>(() => undefined);
        },
      },
      steps[2]!,
      steps[3]!,
    ]);
    await first.start(exec.id, 0, { budget: { tokens: 250 } });
    await inB;

    const second = open();
    for (const s of steps) second.executor.registry.register(s.name, s.fn);
    expect(await second.executor.autoResumeAll()).toBe(1);
    await second.paused;
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(second.executor.getExecution(exec.id)).toMatchObject({
      state: ExecutionState.Paused,
      currentStep: 3,
      usage: { tokens: 300 },
      budget: { tokens: 250 },
      errorCode: ErrorCode.BudgetExceeded,
    });

    const reopened = open();
    const third = reopened.executor;
    for (const s of steps) third.registry.register(s.name, s.fn);
    expect(await third.autoResumeAll()).toBe(0); // paused: loaded, not resumed
    expect(third.getExecution(exec.id)).toMatchObject({
      usage: { tokens: 300 },
      budget: { tokens: 250 },
      errorCode: ErrorCode.BudgetExceeded,
    });
    await expect(third.resume(exec.id)).rejects.toMatchObject({ code: ErrorCode.BudgetExceeded });
    await third.setBudget(exec.id, { tokens: 500 });
    await reopened.completed; // wait() may resolve before the last save lands; the event comes after it
    const done = await third.wait(exec.id);
    expect(done).toMatchObject({ state: ExecutionState.Completed, usage: { tokens: 400 }, budget: { tokens: 500 } });
    expect(done.errorCode).toBeUndefined();
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    const stored = await new FileCheckpointStore(dir.path).loadCheckpoint(exec.id);
    expect(stored).toMatchObject({ state: ExecutionState.Completed, usage: { tokens: 400 }, budget: { tokens: 500 } });
  });
});
