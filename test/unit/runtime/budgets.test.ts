import { describe, expect, it } from 'vitest';
import type { StepContext } from '../../../lib/core/types.js';
import { committedHead } from '../../../lib/runtime/head-changes.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { makeHarness } from './harness.js';

type S = { n: number };

/** Five steps b0..b4, each reporting 1 USD and 100 tokens; `flaky` makes b1 fail once after reporting. */
function fiveCosting(budget?: Record<string, number>) {
  const flaky = { b1: false };
  const steps = Array.from({ length: 5 }, (_, i) => ({
    name: `b${i}`,
    fn: (s: S, ctx: StepContext) => {
      ctx.reportUsage({ costUsd: 1, tokens: 100 });
      if (i === 1 && flaky.b1) {
        flaky.b1 = false;
        throw new Error('provider hiccup');
      }
      return { n: s.n + 1 };
    },
  }));
  const h = makeHarness({
    workflows: [
      defineWorkflow<S>({ name: 'costly', steps, ...(budget ? { budget } : {}) }),
      defineWorkflow<S>({ name: 'free', steps: [{ name: 'f0', fn: (s: S) => s }] }),
    ],
    config: { retryBaseDelayMs: 1, retryMaxDelayMs: 1 },
  });
  return { h, flaky };
}

describe('usage and budgets in the serverless runtime', () => {
  it('pauses with BUDGET_EXCEEDED before the next step once a commit crosses the budget', async () => {
    const { h } = fiveCosting({ costUsd: 2.5 });
    const { head } = await h.control.start({ workflow: 'costly', input: { n: 0 } });
    expect(head.budget).toEqual({ costUsd: 2.5 });
    await h.drain();
    const paused = (await h.control.get(head.id)).head;
    expect(paused).toMatchObject({
      state: 'paused',
      currentStep: 3,
      data: { n: 3 },
      usage: { costUsd: 3, tokens: 300 },
    });
    expect(paused.error).toEqual({
      code: 'BUDGET_EXCEEDED',
      message: 'budget exceeded: costUsd 3 of 2.5; raise the budget to resume',
    });
    expect(paused.events.at(-1)).toMatchObject({ type: 'paused', step: 3, error: { code: 'BUDGET_EXCEEDED' } });
    expect(h.events.filter((e) => e.type === 'paused')).toHaveLength(1);
    expect(h.queue.pending()).toHaveLength(0);
  });

  it('refuses a plain resume past the budget, and resumes when the budget is raised', async () => {
    const { h } = fiveCosting({ costUsd: 2.5 });
    const { head } = await h.control.start({ workflow: 'costly', input: { n: 0 } });
    await h.drain();
    await expect(h.control.resume(head.id)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });

    const still = await h.control.setBudget(head.id, { costUsd: 2.9 });
    expect(still.resumed).toBe(false);
    expect(still.head).toMatchObject({ state: 'paused', budget: { costUsd: 2.9 }, error: { code: 'BUDGET_EXCEEDED' } });
    expect(h.queue.pending()).toHaveLength(0);

    const raised = await h.control.setBudget(head.id, { costUsd: 4 });
    expect(raised.resumed).toBe(true);
    expect(raised.head.state).toBe('running');
    expect(raised.head.error).toBeUndefined();
    await h.drain();
    // Step 4 takes it to 4 (not past), step 5 to 5: past, but the execution has just completed.
    const done = (await h.control.get(head.id)).head;
    expect(done).toMatchObject({ state: 'completed', data: { n: 5 }, usage: { costUsd: 5, tokens: 500 } });
    await expect(h.control.setBudget(head.id, { costUsd: 9 })).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
  });

  it('holds a waiting execution whose budget was lowered under its usage when its event or timer ends the wait', async () => {
    // costs 1 USD, then waits for 'go' (or sleeps), then a second step that must not run past the budget.
    const ran: string[] = [];
    const waiter = (kind: 'event' | 'sleep') =>
      defineWorkflow<S>({
        name: `wait-${kind}`,
        steps: [
          {
            name: `spend-${kind}`,
            fn: (s: S, ctx: StepContext) => {
              ctx.reportUsage({ costUsd: 1 });
              return kind === 'event' ? ctx.waitForEvent('go', { state: s }) : ctx.sleep(1_000, s);
            },
          },
          {
            name: `next-${kind}`,
            fn: (s: S, ctx: StepContext) => {
              ran.push(`${kind}: ${ctx.event === undefined ? 'no event' : ctx.event?.type}`);
              return { n: s.n + 1 };
            },
          },
        ],
      });
    const h = makeHarness({ workflows: [waiter('event'), waiter('sleep')] });
    const byEvent = (await h.control.start({ workflow: 'wait-event', input: { n: 0 } })).head;
    const bySleep = (await h.control.start({ workflow: 'wait-sleep', input: { n: 0 } })).head;
    await h.drain();
    for (const id of [byEvent.id, bySleep.id]) {
      expect((await h.store.get(id))?.state).toBe('waiting');
      const lowered = await h.control.setBudget(id, { costUsd: 0.5 });
      expect(lowered).toMatchObject({ resumed: false, head: { state: 'waiting' } });
    }

    const sent = await h.control.sendEvent(byEvent.id, { type: 'go', payload: { ok: true } });
    expect(sent.delivery).toBe('resumed');
    await h.clock.advance(1_000);
    await h.drain();
    expect(ran).toEqual([]);
    for (const id of [byEvent.id, bySleep.id]) {
      const held = (await h.control.get(id)).head;
      expect(held).toMatchObject({ state: 'paused', currentStep: 1, error: { code: 'BUDGET_EXCEEDED' } });
      expect(held.wait).toBeUndefined();
      expect(held.events.slice(-2).map((e) => e.type)).toEqual(['resumed', 'paused']);
    }
    expect(h.events.filter((e) => e.type === 'paused').map((e) => e.execId)).toEqual([byEvent.id, bySleep.id]);
    expect(h.outcomes.at(-1)).toMatchObject({ status: 'parked', error: { code: 'BUDGET_EXCEEDED' } });
    expect(h.queue.pending()).toHaveLength(0);

    // Raised: each runs its next step, the event's step with the event it was woken by.
    for (const id of [byEvent.id, bySleep.id]) {
      expect((await h.control.setBudget(id, { costUsd: 5 })).resumed).toBe(true);
    }
    await h.drain();
    expect(ran).toEqual(['event: go', 'sleep: no event']);
    for (const id of [byEvent.id, bySleep.id]) expect((await h.store.get(id))?.state).toBe('completed');
  });

  it('takes a new budget on a failed execution, so that one over its old budget can be retried', async () => {
    const broken = { d1: true };
    const h = makeHarness({
      workflows: [
        defineWorkflow<S>({
          name: 'doomed',
          steps: [
            { name: 'd0', fn: (s: S, ctx: StepContext) => (ctx.reportUsage({ costUsd: 3 }), { n: s.n + 1 }) },
            {
              name: 'd1',
              fn: (s: S) => {
                if (broken.d1) throw new Error('down');
                return s;
              },
            },
          ],
        }),
      ],
      config: { retryBaseDelayMs: 1, retryMaxDelayMs: 1, maxRetries: 1 },
    });
    const { head } = await h.control.start({ workflow: 'doomed', input: { n: 0 }, budget: { costUsd: 100 } });
    await h.drain();
    await h.control.setBudget(head.id, { costUsd: 1 });
    for (let i = 0; i < 3; i++) {
      await h.clock.advance(2_000);
      await h.drain();
    }
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'failed', usage: { costUsd: 3 } });
    await expect(h.control.retry(head.id)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    const raised = await h.control.setBudget(head.id, { costUsd: 10 });
    expect(raised).toMatchObject({ resumed: false, head: { state: 'failed', budget: { costUsd: 10 } } });
    broken.d1 = false;
    await h.control.retry(head.id);
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'completed', usage: { costUsd: 3 } });
  });

  it('counts the usage of a step that failed and was retried once', async () => {
    const { h, flaky } = fiveCosting();
    flaky.b1 = true;
    const { head } = await h.control.start({ workflow: 'costly', input: { n: 0 } });
    await h.drain();
    await h.clock.advance(2_000);
    await h.drain();
    const done = (await h.control.get(head.id)).head;
    expect(done.state).toBe('completed');
    expect(h.outcomes.some((o) => o.status === 'retrying')).toBe(true);
    expect(done.usage).toEqual({ costUsd: 5, tokens: 500 });
  });

  it('fails the attempt of a step that reports a negative amount, naming it', async () => {
    const h = makeHarness({
      workflows: [
        defineWorkflow({
          name: 'bad',
          steps: [{ name: 'neg', fn: (s: unknown, ctx) => (ctx.reportUsage({ tokens: -1 }), s) }],
        }),
      ],
      config: { maxRetries: 0 },
    });
    const { head } = await h.control.start({ workflow: 'bad', input: {} });
    await h.drain();
    const failed = (await h.control.get(head.id)).head;
    expect(failed.state).toBe('failed');
    expect(failed.error).toEqual({ code: 'VALIDATION_ERROR', message: 'reportUsage.tokens must be 0 or more, got -1' });
    expect(failed.usage).toBeUndefined();
  });

  it('keeps a head whose steps report nothing free of usage, at the same store calls', async () => {
    const { h } = fiveCosting();
    const { head } = await h.control.start({ workflow: 'free', input: { n: 0 } });
    await h.drain();
    const done = (await h.control.get(head.id)).head;
    expect(done.state).toBe('completed');
    expect('usage' in done).toBe(false);
    expect('budget' in done).toBe(false);
    expect(h.calls.get('commit')).toBe(1);
    expect(h.calls.get('replaceHead')).toBeUndefined();
  });

  it("takes the start request's budget over the workflow's, and refuses a bad one naming the unit", async () => {
    const { h } = fiveCosting({ costUsd: 2.5 });
    const { head } = await h.control.start({ workflow: 'costly', input: { n: 0 }, budget: { tokens: 250 } });
    expect(head.budget).toEqual({ tokens: 250 });
    await h.drain();
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'paused', currentStep: 3 });
    await expect(h.control.start({ workflow: 'costly', input: {}, budget: { costUsd: -1 } })).rejects.toThrow(
      'budget.costUsd must be greater than 0, got -1',
    );
    expect(() => defineWorkflow({ name: 'w', steps: [{ name: 'x', fn: (s) => s }], budget: {} })).toThrow(
      'workflow w: budget must limit at least one unit',
    );
  });

  it("gives a fork the original's budget and no usage", async () => {
    const { h } = fiveCosting({ costUsd: 10 });
    const { head } = await h.control.start({ workflow: 'costly', input: { n: 0 } });
    await h.drain();
    const { head: fork } = await h.control.fork(head.id, { fromCheckpoint: 2 });
    expect(fork.budget).toEqual({ costUsd: 10 });
    expect(fork.usage).toBeUndefined();
    await h.drain();
    expect((await h.control.get(fork.id)).head.usage).toEqual({ costUsd: 3, tokens: 300 });
  });

  it("sums a workflow's usage over its executions", async () => {
    const { h } = fiveCosting();
    for (let i = 0; i < 3; i++) await h.control.start({ workflow: 'costly', input: { n: 0 } });
    await h.control.start({ workflow: 'free', input: { n: 0 } });
    await h.drain();
    expect(await h.control.workflowUsage('costly')).toEqual({
      workflow: 'costly',
      executions: 3,
      usage: { costUsd: 15, tokens: 1500 },
      capped: false,
    });
    expect(await h.control.workflowUsage('free')).toEqual({
      workflow: 'free',
      executions: 1,
      usage: {},
      capped: false,
    });
  });
});

describe('committedHead with usage', () => {
  it('adds the run usage in the commit and leaves a paused head paused, with the error', async () => {
    const { h } = fiveCosting({ costUsd: 1.5 });
    const { head } = await h.control.start({ workflow: 'costly', input: { n: 0 } });
    const base = { ...head, usage: { costUsd: 1 }, state: 'paused' as const };
    const req = { id: head.id, token: 0, owner: 'w', now: 5, step: 0, output: { n: 1 }, sweepAt: 10, events: [] };
    const next = committedHead(base, { ...req, usage: { costUsd: 1, searches: 2 } });
    expect(next).toMatchObject({
      state: 'paused',
      usage: { costUsd: 2, searches: 2 },
      error: { code: 'BUDGET_EXCEEDED' },
    });
    // Paused by someone else already: no second paused event.
    expect(next.events.filter((e) => e.type === 'paused')).toHaveLength(0);
    expect(committedHead(head, req).usage).toBeUndefined();
  });
});
