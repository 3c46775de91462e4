import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineWorkflow, type ExecutionStore, LongRunningError } from '../../../lib/index.js';
import { makeApiHandler } from '../../../functions/http/api-handler.js';
import { defaultDeps } from '../../../functions/shared/deps.js';
import { makeStepWorker } from '../../../functions/worker/step-worker-handler.js';
import type { makeSweeper } from '../../../functions/sweeper/sweeper-handler.js';
import { deployedWorkflows } from '../../../examples/workflows.js';
import { noMetrics } from '../../../functions/shared/metrics.js';
import { apiEvent, bodyOf } from '../../support/api-events.js';
import { type HandlerWorld, handlerWorld, pump } from './handler-harness.js';

let world: HandlerWorld;
type Handlers = {
  api: ReturnType<typeof makeApiHandler>;
  worker: ReturnType<typeof makeStepWorker>;
  sweeper: ReturnType<typeof makeSweeper>;
};
let real: Handlers;

beforeAll(async () => {
  world = await handlerWorld();
  // The deployed entry points, built at import from the environment, as on Lambda.
  real = {
    api: (await import('../../../functions/api.js')).handler,
    worker: (await import('../../../functions/step-worker.js')).handler,
    sweeper: (await import('../../../functions/sweeper.js')).handler,
  };
});
afterAll(async () => world?.dispose());

const ctx = { awsRequestId: 'test', getRemainingTimeInMillis: () => 60_000 };

async function call(method: string, path: string, body?: object, query?: Record<string, string>) {
  const result = await real.api(
    apiEvent(method, path, { ...(body ? { body } : {}), ...(query ? { query } : {}) }),
    ctx,
  );
  return { status: result.statusCode, body: bodyOf(result) };
}

describe('the deployed handlers, driven only through their entry points', () => {
  it('runs a whole execution: POST through the API, real SQS messages through the worker, GET the result', async () => {
    const started = await call('POST', '/executions', { workflow: 'arithmetic', input: { value: 1 }, name: 'e2e' });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      workflow: 'arithmetic',
      name: 'e2e',
      state: 'running',
      currentStep: 0,
      totalSteps: 3,
    });
    const id = String(started.body.id);

    const received = await pump(world.res, real.worker);
    expect(received).toBe(3);

    const got = await call('GET', `/executions/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      state: 'completed',
      progress: 100,
      currentStep: 3,
      stepNames: ['add-ten', 'double', 'subtract-three'],
    });
    expect(got.body.output).toEqual({ value: 19, history: ['add-ten', 'double', 'subtract-three'] });
    expect(typeof got.body.endTime).toBe('string');

    const cps = await call('GET', `/executions/${id}/checkpoints`);
    const items = cps.body.items as { step: number; state: { value: number } }[];
    expect(items.map((c) => c.step)).toEqual([3, 2, 1, 0]);
    expect(items.map((c) => c.state.value)).toEqual([19, 22, 11, 1]);

    const page1 = await call('GET', `/executions/${id}/checkpoints`, undefined, { limit: '3' });
    expect((page1.body.items as unknown[]).length).toBe(3);
    const page2 = await call('GET', `/executions/${id}/checkpoints`, undefined, {
      limit: '3',
      nextToken: String(page1.body.nextToken),
    });
    expect((page2.body.items as { step: number }[]).map((c) => c.step)).toEqual([0]);
  });

  it('waits for approval: the worker signs a callback link that the API accepts once, and events resume it', async () => {
    const started = await call('POST', '/executions', { workflow: 'approval', input: { topic: 'tides' } });
    const id = String(started.body.id);
    await pump(world.res, real.worker);
    const waiting = await call('GET', `/executions/${id}`);
    expect(waiting.body).toMatchObject({ state: 'waiting', wait: { kind: 'event', eventType: 'approval' } });
    const token = String((waiting.body.data as { callbackToken: string }).callbackToken);

    // Sent back with comments by event: a second draft, with a new link.
    const sent = await call('POST', `/executions/${id}/events`, {
      type: 'approval',
      payload: { approved: false, comments: 'shorter' },
    });
    expect(sent).toMatchObject({ status: 202, body: { delivery: 'resumed' } });
    await pump(world.res, real.worker);
    const second = await call('GET', `/executions/${id}`);
    expect(second.body).toMatchObject({ state: 'waiting', stepRuns: 3, data: { round: 2, comments: ['shorter'] } });

    const link = String((second.body.data as { callbackToken: string }).callbackToken);
    const approved = await call('POST', `/callbacks/${link}`, { payload: { approved: true } });
    expect(approved).toEqual({ status: 202, body: { delivery: 'resumed' } });
    expect((await call('POST', `/callbacks/${link}`, { payload: { approved: true } })).status).toBe(404);
    await pump(world.res, real.worker);
    const done = await call('GET', `/executions/${id}`);
    expect(done.body).toMatchObject({ state: 'completed', output: { outcome: 'published', round: 2 } });
    // The first draft's link was never used, and died with the execution.
    expect((await call('POST', `/callbacks/${token}`, { payload: { approved: true } })).status).toBe(404);
  });

  it('returns the first execution for a repeated idempotency key', async () => {
    const first = await call('POST', '/executions', {
      workflow: 'arithmetic',
      input: { value: 5 },
      idempotencyKey: 'order-42',
    });
    const second = await call('POST', '/executions', {
      workflow: 'arithmetic',
      input: { value: 5 },
      idempotencyKey: 'order-42',
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    await pump(world.res, real.worker);
  });

  it('lists executions by workflow and state, and lists the workflows', async () => {
    const list = await call('GET', '/executions', undefined, { workflow: 'arithmetic', state: 'completed' });
    expect(list.status).toBe(200);
    const items = list.body.items as { workflow: string; state: string }[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.every((i) => i.workflow === 'arithmetic' && i.state === 'completed')).toBe(true);
    const wfs = await call('GET', '/workflows');
    expect(wfs.body.items).toEqual(
      expect.arrayContaining([{ name: 'arithmetic', version: '1', steps: ['add-ten', 'double', 'subtract-three'] }]),
    );
  });

  it('pauses at a step boundary and resumes through the API', async () => {
    const started = await call('POST', '/executions', { workflow: 'agent-research', input: { topic: 'tides' } });
    const id = String(started.body.id);
    expect((await call('POST', `/executions/${id}/pause`)).body).toMatchObject({ state: 'paused', changed: true });
    await pump(world.res, real.worker);
    const paused = await call('GET', `/executions/${id}`);
    expect(paused.body).toMatchObject({ state: 'paused', currentStep: 0 });
    // A retried pause (its first response lost) is answered, not refused.
    const again = await call('POST', `/executions/${id}/pause`);
    expect(again).toMatchObject({ status: 200, body: { state: 'paused', changed: false } });

    expect((await call('POST', `/executions/${id}/resume`)).body.state).toBe('running');
    await pump(world.res, real.worker);
    const done = await call('GET', `/executions/${id}`);
    expect(done.body).toMatchObject({ state: 'completed', currentStep: 5 });
    expect((done.body.output as { publishedAt: string }).publishedAt).toBe('report-tides.md');
  });

  it('cancels through the API: the queued step is dropped and delete then removes it', async () => {
    const started = await call('POST', '/executions', { workflow: 'arithmetic', input: { value: 2 } });
    const id = String(started.body.id);
    expect((await call('DELETE', `/executions/${id}`)).status).toBe(409);
    const cancelled = await call('POST', `/executions/${id}/cancel`);
    expect(cancelled.body).toMatchObject({ state: 'cancelled' });
    await pump(world.res, real.worker);
    expect((await call('GET', `/executions/${id}`)).body).toMatchObject({ state: 'cancelled', currentStep: 0 });
    expect((await call('POST', `/executions/${id}/resume`)).status).toBe(409);
    expect((await call('DELETE', `/executions/${id}`)).status).toBe(204);
    expect((await call('GET', `/executions/${id}`)).status).toBe(404);
  });

  it('lets the sweeper re-enqueue a running execution whose message was lost', async () => {
    const started = await call('POST', '/executions', { workflow: 'arithmetic', input: { value: 3 } });
    const id = String(started.body.id);
    // Lose the message: receive and delete it without running the step.
    await pump(world.res, async () => ({ batchItemFailures: [] }));
    expect((await call('GET', `/executions/${id}`)).body).toMatchObject({ state: 'running', currentStep: 0 });

    const early = await real.sweeper({ time: new Date().toISOString() });
    expect(early.reenqueued).toBe(0);
    const later = await real.sweeper({ time: new Date(Date.now() + 31_000).toISOString() });
    expect(later.reenqueued).toBeGreaterThanOrEqual(1);
    await pump(world.res, real.worker);
    expect((await call('GET', `/executions/${id}`)).body).toMatchObject({ state: 'completed', output: { value: 23 } });
  });
});

describe('handlers built with test workflows', () => {
  let flaky = true;
  const workflows = deployedWorkflows().register(
    defineWorkflow<{ n: number }>({
      name: 'flaky',
      steps: [
        { name: 'flaky-one', fn: (s) => ({ n: s.n + 1 }) },
        {
          name: 'flaky-two',
          fn: (s) => {
            if (flaky) throw new Error('upstream unavailable');
            return { n: s.n * 10 };
          },
        },
      ],
    }),
  );

  it('fails after its retries, then the retry route continues from the failed step', async () => {
    const deps = defaultDeps('test', process.env, workflows);
    const api = makeApiHandler({ control: deps.control, workflows, logger: deps.logger });
    const worker = makeStepWorker({ runtime: deps.runtime, logger: deps.logger, metrics: noMetrics });
    const started = bodyOf(
      await api(apiEvent('POST', '/executions', { body: { workflow: 'flaky', input: { n: 1 } } })),
    );
    const id = String(started.id);
    await pump(world.res, worker);
    const failed = bodyOf(await api(apiEvent('GET', `/executions/${id}`)));
    expect(failed).toMatchObject({
      state: 'failed',
      currentStep: 1,
      error: { code: 'STEP_FAILED', message: 'upstream unavailable' },
    });
    expect((failed.events as { type: string }[]).filter((e) => e.type === 'step_failed')).toHaveLength(2);

    flaky = false;
    const retried = await api(apiEvent('POST', `/executions/${id}/retry`));
    expect(retried.statusCode).toBe(200);
    await pump(world.res, worker);
    const done = bodyOf(await api(apiEvent('GET', `/executions/${id}`)));
    expect(done).toMatchObject({ state: 'completed', output: { n: 20 } });
    expect(done.error).toBeUndefined();
  });

  it('reports only the record that must be retried in batchItemFailures', async () => {
    const deps = defaultDeps('test', process.env, workflows);
    // Throttled through the worker's own tries (it claims again while the claim is still open).
    let throttled = true;
    const store = deps.runtime.store;
    const flakyStore = new Proxy(store, {
      get(target, prop) {
        if (prop === 'claim') {
          return async (req: Parameters<ExecutionStore['claim']>[0]) => {
            if (req.id === victim && throttled) {
              throw new LongRunningError('THROTTLED', 'Rate of requests exceeds the allowed throughput', {
                retryable: true,
              });
            }
            return target.claim(req);
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const worker = makeStepWorker({
      runtime: { ...deps.runtime, store: flakyStore },
      logger: deps.logger,
      metrics: noMetrics,
    });
    const a = await deps.control.start({ workflow: 'arithmetic', input: { value: 0 } });
    const b = await deps.control.start({ workflow: 'arithmetic', input: { value: 100 } });
    const victim = b.head.id;
    await world.res.sqs.send(new SendMessageCommand({ QueueUrl: world.res.queueUrl, MessageBody: '{not json' }));

    const batch = await world.res.sqs.send(
      new (await import('@aws-sdk/client-sqs')).ReceiveMessageCommand({
        QueueUrl: world.res.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    const records = (batch.Messages ?? []).map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body!,
    }));
    expect(records).toHaveLength(3);
    const response = await worker({ Records: records as never }, ctx);
    const victimRecord = records.find((r) => r.body.includes(victim));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: victimRecord!.messageId }]);

    // Lambda deletes the others and redelivers the failed one; here we hand it back at once.
    throttled = false;
    await worker({ Records: [victimRecord] as never }, ctx);
    await pump(world.res, worker);
    const headA = await deps.control.get(a.head.id);
    const headB = await deps.control.get(victim);
    expect(headA.head.state).toBe('completed');
    expect(headB.head).toMatchObject({ state: 'completed', data: { value: 217 } });
  });

  it('acknowledges a malformed message body instead of retrying it forever', async () => {
    const deps = defaultDeps('test', process.env, workflows);
    const worker = makeStepWorker({ runtime: deps.runtime, logger: deps.logger, metrics: noMetrics });
    const response = await worker(
      {
        Records: [
          { messageId: 'm1', body: '{"v":1,"executionId":"../etc","step":0,"token":0}' },
          { messageId: 'm2', body: '[]' },
        ] as never,
      },
      ctx,
    );
    expect(response.batchItemFailures).toEqual([]);
  });

  it('fails at cold start with a message naming a missing variable', () => {
    const { TABLE_NAME: _t, ...withoutTable } = process.env;
    expect(() => defaultDeps('test', withoutTable, workflows)).toThrow(/TABLE_NAME is not set/);
    expect(() => defaultDeps('test', { ...process.env, MAX_RETRIES: 'many' }, workflows)).toThrow(
      /MAX_RETRIES must be a whole number/,
    );
  });
});
