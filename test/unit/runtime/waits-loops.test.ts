import { describe, expect, it } from 'vitest';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { makeHarness } from './harness.js';

type L = { i: number; runs: number[] };

/** act -> goto act until i = `rounds`, then finish. */
function looper(rounds: number, maxStepRuns?: number) {
  const wf = defineWorkflow<L>({
    name: 'loop',
    ...(maxStepRuns === undefined ? {} : { maxStepRuns }),
    steps: [
      {
        name: 'act',
        fn: (s, ctx) => {
          const next = { i: s.i + 1, runs: [...s.runs, ctx.stepRun] };
          return next.i < rounds ? ctx.goto('act', next) : next;
        },
      },
      { name: 'finish', fn: (s) => s },
    ],
  });
  return makeHarness({ workflows: [wf] });
}

async function allCheckpoints(h: ReturnType<typeof looper>, id: string) {
  const page = await h.store.listCheckpoints(id, { limit: 100 });
  return page.items.reverse();
}

describe('loops on the serverless runtime', () => {
  it('runs a goto loop of 50 runs with 51 checkpoints keyed by the step-run sequence', async () => {
    const h = looper(49);
    const { head } = await h.control.start({ workflow: 'loop', input: { i: 0, runs: [] } });
    await h.drain();
    const done = await h.store.get(head.id);
    expect(done).toMatchObject({ state: 'completed', stepRuns: 50, currentStep: 2, progress: 100 });
    expect((done?.data as L).runs).toEqual(Array.from({ length: 49 }, (_, i) => i));
    const cps = await allCheckpoints(h, head.id);
    expect(cps).toHaveLength(51);
    expect(cps.map((c) => c.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i));
    expect(cps.slice(0, 3).map((c) => [c.step, c.stepName])).toEqual([
      [0, 'act'],
      [0, 'act'],
      [0, 'act'],
    ]);
    expect(cps.slice(-2).map((c) => [c.step, c.stepName])).toEqual([
      [1, 'finish'],
      [2, undefined],
    ]);
  });

  it('fails a runaway loop with STEP_LIMIT_EXCEEDED at maxStepRuns, from the workflow or the start request', async () => {
    const h = looper(1_000, 10);
    const { head } = await h.control.start({ workflow: 'loop', input: { i: 0, runs: [] } });
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({
      state: 'failed',
      stepRuns: 10,
      error: { code: 'STEP_LIMIT_EXCEEDED' },
    });
    expect(h.outcomes.at(-1)).toMatchObject({ status: 'failed', error: { code: 'STEP_LIMIT_EXCEEDED' } });
    const own = await h.control.start({ workflow: 'loop', input: { i: 0, runs: [] }, maxStepRuns: 3 });
    await h.drain();
    const ranOut = await h.store.get(own.head.id);
    expect(ranOut).toMatchObject({ state: 'failed', stepRuns: 3 });
    // A retry could run no step within the limit: refused (as a rewind is), changing nothing.
    await expect(h.control.retry(own.head.id)).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('has used 3 of its 3 step runs') as unknown,
    });
    expect(await h.store.get(own.head.id)).toEqual(ranOut);
    const unlimited = await h.control.start({ workflow: 'loop', input: { i: 990, runs: [] }, maxStepRuns: Infinity });
    expect(unlimited.head.maxStepRuns).toBe(0);
    await expect(h.control.start({ workflow: 'loop', input: {}, maxStepRuns: 0 })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
  });

  it('fails the attempt of a goto to a step the execution does not have, with VALIDATION_ERROR', async () => {
    const wf = defineWorkflow<L>({ name: 'bad', steps: [{ name: 'only', fn: (s, ctx) => ctx.goto('nowhere', s) }] });
    const h = makeHarness({ workflows: [wf], config: { maxRetries: 0 } });
    const { head } = await h.control.start({ workflow: 'bad', input: { i: 0, runs: [] } });
    await h.drain();
    expect(await h.store.get(head.id)).toMatchObject({ state: 'failed', error: { code: 'VALIDATION_ERROR' } });
  });
});
