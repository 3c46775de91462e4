import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { NamedStep } from '../../../lib/core/types.js';
import { harness } from './helpers.js';

/** plan -> act -> (goto act while n < rounds) -> done. */
function loop(rounds: number, stepRuns: number[] = []): NamedStep<number>[] {
  return [
    { name: 'plan', fn: (s, ctx) => (stepRuns.push(ctx.stepRun), s) },
    { name: 'act', fn: (s, ctx) => (stepRuns.push(ctx.stepRun), s + 1 < rounds ? ctx.goto('act', s + 1) : s + 1) },
    { name: 'done', fn: (s, ctx) => (stepRuns.push(ctx.stepRun), s) },
  ];
}

describe('Executor goto loops', () => {
  it('runs a goto loop of 50 runs and keeps 51 checkpoints, one per step run, with sequence, index and name', async () => {
    const { executor } = harness({ maxCheckpoints: 100 });
    const stepRuns: number[] = [];
    const steps: NamedStep<number>[] = [
      { name: 'work', fn: (s, ctx) => (stepRuns.push(ctx.stepRun), s + 1 < 49 ? ctx.goto('work', s + 1) : s + 1) },
      { name: 'finish', fn: (s, ctx) => (stepRuns.push(ctx.stepRun), s * 2) },
    ];
    const exec = executor.createNamedExecution('loop', steps);
    await executor.start(exec.id, 0);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.stepRuns).toBe(50);
    expect(stepRuns).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(done.checkpoints).toHaveLength(51);
    expect(done.checkpoints.map((cp) => cp.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i));
    expect(done.checkpoints.slice(0, 49).every((cp) => cp.step === 0 && cp.stepName === 'work')).toBe(true);
    expect(done.checkpoints[49]).toMatchObject({ seq: 49, step: 1, stepName: 'finish', state: 49 });
    expect(done.checkpoints[50]).toMatchObject({ seq: 50, step: 2, state: 98 });
    expect(done.checkpoints[50]?.stepName).toBeUndefined();
    expect(new Set(done.checkpoints.map((cp) => cp.id)).size).toBe(51);
  });

  it('keeps a loop position as progress: the index of the next step over the step count', async () => {
    const { executor } = harness();
    const progress: number[] = [];
    executor.onEvent = (e) => {
      if (e.type === 'step_completed') progress.push(executor.getExecution(e.execId)!.progress);
    };
    const exec = executor.createNamedExecution('progress', loop(3));
    await executor.start(exec.id, 0);
    await executor.wait(exec.id);
    expect(progress).toEqual([(1 / 3) * 100, (1 / 3) * 100, (1 / 3) * 100, (2 / 3) * 100, 100]);
  });

  it('fails the attempt with VALIDATION_ERROR when goto names a step the execution does not have', async () => {
    const { executor, clock } = harness({ maxRetries: 1 });
    let attempts = 0;
    const exec = executor.createNamedExecution('bad-goto', [
      { name: 'a', fn: (s: number, ctx) => (attempts++, ctx.goto('nowhere', s)) },
    ]);
    await executor.start(exec.id, 0);
    const done = await clock.runUntilSettled(executor.wait(exec.id));
    expect(attempts).toBe(2);
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.errorCode).toBe(ErrorCode.Validation);
    expect(done.error).toMatch(/"nowhere" is not a step of this execution/);
    expect(done.stepRuns).toBe(0);
  });

  it('fails with STEP_LIMIT_EXCEEDED once a loop reaches the configured maxStepRuns, after committing its state', async () => {
    const { executor } = harness({ maxStepRuns: 10 });
    const exec = executor.createNamedExecution('runaway', [
      { name: 'spin', fn: (s: number, ctx) => ctx.goto('spin', s + 1) },
    ]);
    await executor.start(exec.id, 0);
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Failed);
    expect(done.errorCode).toBe(ErrorCode.StepLimitExceeded);
    expect(done.stepRuns).toBe(10);
    expect(done.maxStepRuns).toBe(10);
    expect(done.checkpoints.at(-1)).toMatchObject({ seq: 10, state: 10 });
  });

  it('takes maxStepRuns from the start options over the config, and refuses a bad one', async () => {
    const { executor } = harness({ maxStepRuns: 1_000 });
    const exec = executor.createNamedExecution('limited', loop(100));
    await expect(executor.start(exec.id, 0, { maxStepRuns: 0 })).rejects.toThrow(/maxStepRuns/);
    expect(executor.getExecution(exec.id)?.state).toBe(ExecutionState.Initialized);
    await executor.start(exec.id, 0, { maxStepRuns: 5 });
    const done = await executor.wait(exec.id);
    expect(done.errorCode).toBe(ErrorCode.StepLimitExceeded);
    expect(done.stepRuns).toBe(5);
  });

  it('lets a loop run past the default limit with maxStepRuns Infinity', async () => {
    const { executor } = harness({ maxStepRuns: 3 });
    const exec = executor.createNamedExecution('unbounded', loop(20));
    await executor.start(exec.id, 0, { maxStepRuns: Infinity });
    const done = await executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.stepRuns).toBe(22);
  });
});
