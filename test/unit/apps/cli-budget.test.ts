import { describe, expect, it } from 'vitest';
import { formatExecution } from '../../../apps/cli/format.js';
import { runAgainstFakeApi, type Respond } from './fake-api.js';

const view = {
  id: 'exec_1',
  name: 'metered',
  workflow: 'metered',
  state: 'paused',
  progress: 60,
  currentStep: 3,
  totalSteps: 5,
  stepNames: ['m0', 'm1', 'm2', 'm3', 'm4'],
  startTime: 't',
  lastUpdate: 't',
  metadata: {},
  stepRuns: 3,
  inboxSize: 0,
  usage: { costUsd: 3, tokens: 30 },
  budget: { costUsd: 2.5 },
  error: { code: 'BUDGET_EXCEEDED', message: 'budget exceeded: costUsd 3 of 2.5; raise the budget to resume' },
};

const answer =
  (body: unknown, status = 200): Respond =>
  () => ({ status, body });

describe('longrunning budget and usage', () => {
  it('sends the budget of --tokens, --cost-usd and repeated --unit, and says it resumed', async () => {
    const resumed = { ...view, state: 'running', budget: { tokens: 500, costUsd: 5, searches: 10 }, resumed: true };
    const r = await runAgainstFakeApi(
      ['budget', 'exec_1', '--tokens', '500', '--cost-usd', '5', '--unit', 'searches=10'],
      answer(resumed),
    );
    expect(r.code).toBe(0);
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]?.method).toBe('POST');
    expect(r.sent[0]?.url).toBe('http://127.0.0.1:3000/executions/exec_1/budget');
    expect(JSON.parse(r.sent[0]?.body ?? '')).toEqual({ tokens: 500, costUsd: 5, searches: 10 });
    expect(r.out).toBe(
      'exec_1: budget tokens 500, costUsd 5, searches 10; used costUsd 3, tokens 30; running (resumed)\n',
    );
  });

  it('says when the execution is still over its new budget', async () => {
    const r = await runAgainstFakeApi(
      ['budget', 'exec_1', '--cost-usd', '2.9'],
      answer({ ...view, budget: { costUsd: 2.9 }, resumed: false }),
    );
    expect(r.out).toBe('exec_1: budget costUsd 2.9; used costUsd 3, tokens 30; paused (still over its budget)\n');
  });

  it('refuses a budget with no amount or a bad one before calling the API', async () => {
    for (const argv of [
      ['budget', 'exec_1'],
      ['budget', 'exec_1', '--cost-usd', 'five'],
      ['budget', 'exec_1', '--unit', 'searches'],
    ]) {
      const r = await runAgainstFakeApi(argv, answer(view));
      expect(r.code).toBe(2);
      expect(r.sent).toHaveLength(0);
      expect(r.err).toMatch(/usage error: (budget needs|--cost-usd must be a number|--unit takes name=value)/);
    }
  });

  it("prints the API's error for a budget it refuses", async () => {
    const refusal = { error: { code: 'VALIDATION_ERROR', message: 'budget.tokens must be greater than 0, got -1' } };
    const r = await runAgainstFakeApi(['budget', 'exec_1', '--tokens=-1'], answer(refusal, 400));
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: VALIDATION_ERROR: budget.tokens must be greater than 0, got -1\n');
  });

  it("reads a workflow's usage, and says when it was capped", async () => {
    const totals = { workflow: 'metered', executions: 3, usage: { costUsd: 15, tokens: 150 }, capped: false };
    const r = await runAgainstFakeApi(['usage', '--workflow', 'metered'], answer(totals));
    expect(r.sent[0]?.url).toBe('http://127.0.0.1:3000/workflows/metered/usage');
    expect(r.out).toBe('metered: costUsd 15, tokens 150 over 3 executions\n');
    const capped = await runAgainstFakeApi(
      ['usage', '--workflow', 'metered'],
      answer({ ...totals, executions: 10_000, capped: true }),
    );
    expect(capped.out).toBe('metered: costUsd 15, tokens 150 over the newest 10000 executions (more not counted)\n');
    const missing = await runAgainstFakeApi(['usage'], answer(totals));
    expect(missing.code).toBe(2);
  });

  it('shows used against the budget in get', () => {
    expect(formatExecution(view)).toContain('usage:     costUsd 3 of 2.5, tokens 30\n');
    const { usage: _u, budget: _b, ...plain } = view;
    expect(formatExecution(plain)).not.toContain('usage:');
  });
});
