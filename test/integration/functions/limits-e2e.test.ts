import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineWorkflow, DynamoDbLimiter, WorkflowRegistry } from '../../../lib/index.js';
import { makeApiHandler } from '../../../functions/http/api-handler.js';
import { defaultDeps } from '../../../functions/shared/deps.js';
import { noMetrics } from '../../../functions/shared/metrics.js';
import { makeStepWorker } from '../../../functions/worker/step-worker-handler.js';
import { makeSweeper } from '../../../functions/sweeper/sweeper-handler.js';
import { apiEvent, bodyOf } from '../../support/api-events.js';
import { type HandlerWorld, handlerWorld, pump, TEST_CONTEXT } from './handler-harness.js';

// Flow control through the deployed handlers on the emulator: a key with
// concurrency 3 never has more than 3 runs of its step at once, refused steps
// come back without counting a failure, and a slot whose worker died frees
// itself at its lease.

let world: HandlerWorld;

type S = { n: number; tenant?: string };
const intervals: [start: number, end: number][] = [];
const limited = defineWorkflow<S>({
  name: 'limited',
  limits: [{ key: 'openai', concurrency: 3 }],
  steps: [
    {
      name: 'call-model',
      fn: async (s: S) => {
        const start = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 200));
        intervals.push([start, Date.now()]);
        return { n: s.n + 1 };
      },
    },
    { name: 'after', fn: (s: S) => s },
  ],
});
const crashed = defineWorkflow<S>({
  name: 'crashed-key',
  steps: [{ name: 'solo', fn: (s: S) => s, limits: [{ key: 'solo-key', concurrency: 1 }] }],
});
const badKey = defineWorkflow<S>({
  name: 'bad-key',
  steps: [
    {
      name: 'per-tenant',
      fn: (s: S) => s,
      limits: [
        {
          key: (s: S) => {
            if (s.tenant === undefined) throw new Error('state has no tenant');
            return `t:${s.tenant}`;
          },
          concurrency: 2,
        },
      ],
    },
  ],
});
const workflows = new WorkflowRegistry().register(limited).register(crashed).register(badKey);

beforeAll(async () => {
  world = await handlerWorld();
});
afterAll(async () => world?.dispose());

function deployed() {
  const apiDeps = defaultDeps('api', process.env, workflows);
  const workerDeps = defaultDeps('worker', process.env, workflows);
  const api = makeApiHandler({ control: apiDeps.control, workflows, logger: apiDeps.logger });
  const runtime = { ...workerDeps.runtime, throttleMaxDelaySeconds: 1 };
  // A release that kept losing to other writers is given up (the slot frees itself at its lease's end): counted.
  const releasesGivenUp = { count: 0 };
  const logger = {
    ...workerDeps.logger,
    warn: (message: string, fields?: Record<string, unknown>) => {
      if (message.startsWith('could not release a limit slot')) releasesGivenUp.count++;
      workerDeps.logger.warn(message, fields);
    },
  };
  const worker = makeStepWorker({ runtime: { ...runtime, logger }, logger, metrics: noMetrics });
  const call = async (method: string, path: string, body?: unknown) => {
    const result = await api(apiEvent(method, path, body === undefined ? {} : { body: body as object }), TEST_CONTEXT);
    return { status: result.statusCode ?? 0, body: bodyOf(result) };
  };
  /** Pumps (two pollers at once) until every one of `ids` has ended. */
  const runUntilDone = async (ids: string[], maxRounds = 120) => {
    let views: Awaited<ReturnType<typeof call>>[] = [];
    for (let round = 0; round < maxRounds; round++) {
      await Promise.all([pump(world.res, worker), pump(world.res, worker)]);
      views = await Promise.all(ids.map((id) => call('GET', `/executions/${id}`)));
      if (views.every((v) => ['completed', 'failed'].includes(String(v.body.state)))) return views;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const open = views.filter((v) => !['completed', 'failed'].includes(String(v.body.state)));
    throw new Error(`executions did not finish: ${JSON.stringify(open.slice(0, 2).map((v) => v.body))}`);
  };
  return { call, runUntilDone, releasesGivenUp };
}

/** The most intervals that overlap at one moment. */
function maxOverlap(list: readonly [number, number][]): number {
  const edges = list.flatMap(([s, e]) => [
    [s, 1],
    [e, -1],
  ]);
  // An end at the same millisecond as a start counts first: touching is not overlapping.
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d!));
  return most;
}

describe('limits through the deployed handlers (emulator)', () => {
  it('runs 40 executions with at most 3 holding the key at once, all completing without a failure', async () => {
    const { call, runUntilDone, releasesGivenUp } = deployed();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const started = await call('POST', '/executions', { workflow: 'limited', input: { n: i } });
      expect(started.status).toBe(201);
      ids.push(String(started.body.id));
    }
    const views = await runUntilDone(ids);
    expect(intervals).toHaveLength(40);
    expect(maxOverlap(intervals)).toBeLessThanOrEqual(3);
    // Batches run their records at once, so runs did overlap: the bound was tested, not idle.
    expect(maxOverlap(intervals)).toBeGreaterThanOrEqual(2);
    for (const v of views) {
      expect(v.body.state).toBe('completed');
      expect(v.body.error).toBeUndefined();
      expect(v.body.throttled).toBeUndefined();
      const events = v.body.events as { type: string }[];
      expect(events.some((e) => e.type === 'step_failed')).toBe(false);
    }
    const limits = await call('GET', '/limits');
    expect(limits.status).toBe(200);
    // Every slot given back, but one whose release gave up under contention (rare; logged), held until its lease ends.
    expect(limits.body.items).toEqual(
      expect.arrayContaining([{ key: 'openai', inUse: releasesGivenUp.count, limit: 3, waiting: 0 }]),
    );
  }, 120_000);

  it('frees the slot of a worker that died holding it once its lease passes, showing why it waits meanwhile', async () => {
    const { call, runUntilDone } = deployed();
    const limiter = new DynamoDbLimiter({ client: world.res.documentClient, tableName: world.res.tableName });
    await limiter.acquire({
      key: 'solo-key',
      executionId: 'dead-worker',
      holderId: 'dead-worker#w',
      leaseUntil: Date.now() + 2_000,
      now: Date.now(),
      concurrency: 1,
    });
    const started = await call('POST', '/executions', { workflow: 'crashed-key', input: { n: 0 } });
    const id = String(started.body.id);
    const counted: { name: string; dimensions: Record<string, string> | undefined }[] = [];
    const worker = makeStepWorker({
      runtime: defaultDeps('worker', process.env, workflows).runtime,
      logger: defaultDeps('worker', process.env, workflows).logger,
      metrics: { ...noMetrics, count: (name, _value, dimensions) => void counted.push({ name, dimensions }) },
    });
    await pump(world.res, worker);
    // The refusal is counted in total and for its key.
    expect(counted).toContainEqual({ name: 'StepsThrottled', dimensions: undefined });
    expect(counted).toContainEqual({ name: 'StepsThrottled', dimensions: { LimitKey: 'solo-key' } });
    // The sweeper publishes the key's use from the table: the dead worker's slot, and this execution waiting.
    const sweeperDeps = defaultDeps('sweeper', process.env, workflows);
    const sampled: { name: string; value: number | undefined; dimensions: Record<string, string> | undefined }[] = [];
    await makeSweeper({
      runtime: sweeperDeps.runtime,
      logger: sweeperDeps.logger,
      metrics: { ...noMetrics, count: (name, value, dimensions) => void sampled.push({ name, value, dimensions }) },
      limit: 10,
    })();
    expect(sampled).toContainEqual({ name: 'LimitSlotsInUse', value: 1, dimensions: { LimitKey: 'solo-key' } });
    expect(sampled).toContainEqual({ name: 'LimitWaiting', value: 1, dimensions: { LimitKey: 'solo-key' } });
    const waiting = await call('GET', `/executions/${id}`);
    expect(waiting.body).toMatchObject({
      state: 'running',
      throttled: { key: 'solo-key', inUse: 1, limit: 1, message: 'throttled by solo-key (1/1 in use)' },
    });
    const [done] = await runUntilDone([id]);
    expect(done!.body).toMatchObject({ state: 'completed' });
    expect(done!.body.error).toBeUndefined();
  }, 60_000);

  it('fails the attempts, then the execution, with an error naming the step when the key function throws', async () => {
    const { call, runUntilDone } = deployed();
    const started = await call('POST', '/executions', { workflow: 'bad-key', input: { n: 0 } });
    const [done] = await runUntilDone([String(started.body.id)]);
    expect(done!.body).toMatchObject({
      state: 'failed',
      error: { code: 'STEP_FAILED', message: 'the limit key function of step "per-tenant" threw: state has no tenant' },
    });
    // Each attempt failed and was retried, as a failure of the step itself would be.
    const events = done!.body.events as { type: string }[];
    expect(events.filter((e) => e.type === 'step_failed').length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
