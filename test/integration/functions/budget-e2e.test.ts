import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineWorkflow, WorkflowRegistry } from '../../../lib/index.js';
import { TableKeys, execPk } from '../../../lib/aws/schema/table-schema.js';
import { makeApiHandler } from '../../../functions/http/api-handler.js';
import { defaultDeps } from '../../../functions/shared/deps.js';
import { noMetrics } from '../../../functions/shared/metrics.js';
import { makeStepWorker } from '../../../functions/worker/step-worker-handler.js';
import { apiEvent, bodyOf } from '../../support/api-events.js';
import { type HandlerWorld, handlerWorld, pump, TEST_CONTEXT } from './handler-harness.js';

// Usage and budgets through the deployed handlers on the emulator: steps report
// what they used, the commit adds it to the head in the same write, a crossed
// budget pauses the execution before its next step, and raising it resumes.

let world: HandlerWorld;
let failuresLeft = 0;

type S = { n: number };
const metered = defineWorkflow<S>({
  name: 'metered',
  budget: { costUsd: 2.5 },
  steps: Array.from({ length: 5 }, (_, i) => ({
    name: `m${i}`,
    fn: (s: S, ctx) => {
      ctx.reportUsage({ costUsd: 1, tokens: 10 });
      // Reported, then failed: the attempt's usage must not count.
      if (i === 1 && failuresLeft > 0) {
        failuresLeft--;
        throw new Error('model overloaded');
      }
      return { n: s.n + 1 };
    },
  })),
});
const negative = defineWorkflow({
  name: 'negative',
  steps: [{ name: 'neg', fn: (s: unknown, ctx) => (ctx.reportUsage({ tokens: -1 }), s) }],
});
const workflows = new WorkflowRegistry().register(metered).register(negative);

beforeAll(async () => {
  world = await handlerWorld();
});
afterAll(async () => world?.dispose());

function deployed() {
  const apiDeps = defaultDeps('api', process.env, workflows);
  const workerDeps = defaultDeps('worker', process.env, workflows);
  const api = makeApiHandler({ control: apiDeps.control, workflows, logger: apiDeps.logger });
  const worker = makeStepWorker({ runtime: workerDeps.runtime, logger: workerDeps.logger, metrics: noMetrics });
  const call = async (method: string, path: string, body?: unknown) => {
    const result = await api(apiEvent(method, path, body === undefined ? {} : { body: body as object }), TEST_CONTEXT);
    return { status: result.statusCode ?? 0, body: bodyOf(result) };
  };
  return { call, drain: () => pump(world.res, worker) };
}

describe('budgets through the deployed handlers (emulator)', () => {
  it('pauses at the crossed budget before step 4, resumes on a raised budget, and counts a retried step once', async () => {
    const { call, drain } = deployed();
    failuresLeft = 1;
    const started = await call('POST', '/executions', { workflow: 'metered', input: { n: 0 } });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ budget: { costUsd: 2.5 } });
    const id = String(started.body.id);
    await drain();

    const paused = await call('GET', `/executions/${id}`);
    expect(paused.body).toMatchObject({
      state: 'paused',
      currentStep: 3,
      data: { n: 3 },
      usage: { costUsd: 3, tokens: 30 },
      budget: { costUsd: 2.5 },
      error: { code: 'BUDGET_EXCEEDED', message: 'budget exceeded: costUsd 3 of 2.5; raise the budget to resume' },
    });
    // The usage is on the head item itself, written by the commit.
    const item = await world.res.documentClient.send(
      new GetCommand({ TableName: world.res.tableName, Key: { pk: execPk(id), sk: TableKeys.headSk } }),
    );
    expect(item.Item?.['usage']).toEqual({ costUsd: 3, tokens: 30 });

    const resumed = await call('POST', `/executions/${id}/resume`);
    expect(resumed.status).toBe(409);
    expect(resumed.body).toMatchObject({ error: { code: 'BUDGET_EXCEEDED' } });

    const still = await call('POST', `/executions/${id}/budget`, { costUsd: 2.9 });
    expect(still.status).toBe(200);
    expect(still.body).toMatchObject({ state: 'paused', resumed: false, budget: { costUsd: 2.9 } });
    expect(await drain()).toBe(0);
    expect((await call('GET', `/executions/${id}`)).body).toMatchObject({ state: 'paused', budget: { costUsd: 2.9 } });

    const raised = await call('POST', `/executions/${id}/budget`, { costUsd: 10, tokens: 1000 });
    expect(raised.status).toBe(200);
    expect(raised.body).toMatchObject({ state: 'running', resumed: true, budget: { costUsd: 10, tokens: 1000 } });
    expect(raised.body.error).toBeUndefined();
    await drain();
    const done = await call('GET', `/executions/${id}`);
    expect(done.body).toMatchObject({ state: 'completed', output: { n: 5 }, usage: { costUsd: 5, tokens: 50 } });
    expect(failuresLeft).toBe(0);

    const finished = await call('POST', `/executions/${id}/budget`, { costUsd: 20 });
    expect(finished.status).toBe(409);
    expect(finished.body).toMatchObject({ error: { code: 'ILLEGAL_TRANSITION' } });

    const totals = await call('GET', '/workflows/metered/usage');
    expect(totals).toEqual({
      status: 200,
      body: { workflow: 'metered', executions: 1, usage: { costUsd: 5, tokens: 50 }, capped: false },
    });
  });

  it('answers a bad budget with 400 naming the unit, and fails a step that reports a negative amount', async () => {
    const { call, drain } = deployed();
    const badStart = await call('POST', '/executions', { workflow: 'metered', input: {}, budget: { costUsd: -1 } });
    expect(badStart.status).toBe(400);
    expect(badStart.body).toMatchObject({
      error: { code: 'VALIDATION_ERROR', message: 'budget.costUsd must be greater than 0, got -1' },
    });
    const { body } = await call('POST', '/executions', { workflow: 'negative', input: {} });
    const id = String(body.id);
    for (const bad of [{ tokens: 'many' }, [], {}, { 'bad unit': 1 }]) {
      const answer = await call('POST', `/executions/${id}/budget`, bad);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    }
    const badName = await call('GET', '/workflows/-metered/usage');
    expect(badName.status).toBe(400);
    expect(badName.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    await drain();
    const failed = await call('GET', `/executions/${id}`);
    expect(failed.body).toMatchObject({
      state: 'failed',
      error: { code: 'VALIDATION_ERROR', message: 'reportUsage.tokens must be 0 or more, got -1' },
    });
    expect(failed.body.usage).toBeUndefined();
  });
});
