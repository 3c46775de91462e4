import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApiHandler } from '../../../functions/http/api-handler.js';
import { arithmeticWorkflow } from '../../../examples/workflows.js';
import {
  ControlPlane,
  ExecutionState,
  DynamoDbExecutionStore,
  noopLogger,
  processStepMessage,
  type RuntimeDeps,
  SqsStepQueue,
  WorkflowRegistry,
} from '../../../lib/index.js';
import { InMemoryExecutionStore, InMemoryStepQueue } from '../../../lib/testing/index.js';
import { apiEvent, bodyOf } from '../../support/api-events.js';
import { createResources, type AwsResources } from '../../support/aws-resources.js';
import { startEmulator, type Emulator } from '../../support/emulator.js';

// The HTTP API pages through what a store lists with the store's own tokens: every
// token the API hands out must be accepted by the API again, whatever the store. The
// console's reads ride on the same list: the name search, and the counts per state.

interface World {
  deps: RuntimeDeps;
  /** Runs every queued step (in-memory only; DynamoDB lists need no steps run). */
  runSteps?: () => Promise<void>;
}

let emulator: Emulator;
let aws: AwsResources;
beforeAll(async () => {
  emulator = await startEmulator();
  aws = await createResources(emulator.endpoint);
});
afterAll(async () => {
  await aws?.dispose();
  await emulator?.stop();
});

const workflows = new WorkflowRegistry().register(arithmeticWorkflow);

const worlds: Record<string, () => World> = {
  'in memory': () => {
    const queue = new InMemoryStepQueue();
    const deps: RuntimeDeps = { store: new InMemoryExecutionStore(), queue, workflows };
    const runSteps = async (): Promise<void> => {
      await queue.drain((m) => processStepMessage(m, { deadline: Date.now() + 60_000 }, deps));
    };
    return { deps, runSteps };
  },
  DynamoDB: () => ({
    deps: {
      store: new DynamoDbExecutionStore({ client: aws.documentClient, tableName: aws.tableName }),
      queue: new SqsStepQueue({ client: aws.sqs, queueUrl: aws.queueUrl }),
      workflows,
    },
  }),
};

describe.each(Object.keys(worlds))('paging through the HTTP API (%s store)', (storeName) => {
  let world: World;
  let api: ReturnType<typeof makeApiHandler>;
  const call = async (method: string, path: string, options: Parameters<typeof apiEvent>[2] = {}) => {
    const result = await api(apiEvent(method, path, options), { awsRequestId: 'paging' });
    return { status: result.statusCode, body: bodyOf<Record<string, unknown>>(result) };
  };

  beforeAll(() => {
    world = (worlds[storeName] as () => World)();
    api = makeApiHandler({ control: new ControlPlane(world.deps), workflows, logger: noopLogger });
  });

  it('lists 25 executions in pages of 10, 10 and 5, each once, newest first', async () => {
    const name = `paging-${storeName.replace(/\W/g, '')}`;
    const started: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await call('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: i }, name } });
      expect(res.status).toBe(201);
      started.push(String(res.body['id']));
    }
    const seen: string[] = [];
    const sizes: number[] = [];
    let nextToken: string | undefined;
    do {
      const query: Record<string, string> = {
        workflow: 'arithmetic',
        limit: '10',
        ...(nextToken ? { nextToken } : {}),
      };
      const page = await call('GET', '/executions', { query });
      expect(page.status).toBe(200);
      const items = page.body['items'] as { id: string; name: string }[];
      sizes.push(items.length);
      seen.push(...items.filter((e) => e.name === name).map((e) => e.id));
      nextToken = page.body['nextToken'] as string | undefined;
    } while (nextToken !== undefined);
    expect(sizes).toEqual([10, 10, 5]);
    expect(new Set(seen).size).toBe(25);
    expect([...seen].sort()).toEqual([...started].sort());
  });

  it('pages an execution’s checkpoints with the token the API gave', async () => {
    const res = await call('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: 1 } } });
    const id = String(res.body['id']);
    if (world.runSteps) {
      await world.runSteps();
    } else {
      // DynamoDB: commit the three steps straight through the worker's protocol.
      for (let step = 0; step < 3; step++) {
        const outcome = await processStepMessage(
          { v: 1, executionId: id, step, token: step },
          { deadline: Date.now() + 60_000 },
          { ...world.deps, queue: { send: () => Promise.resolve() } },
        );
        expect(outcome.status).toMatch(/committed|completed/);
      }
    }
    const first = await call('GET', `/executions/${id}/checkpoints`, { query: { limit: '3' } });
    expect(first.status).toBe(200);
    expect((first.body['items'] as { step: number }[]).map((c) => c.step)).toEqual([3, 2, 1]);
    const nextToken = String(first.body['nextToken']);
    const second = await call('GET', `/executions/${id}/checkpoints`, { query: { limit: '3', nextToken } });
    expect(second.status).toBe(200);
    expect((second.body['items'] as { step: number }[]).map((c) => c.step)).toEqual([0]);
    expect(second.body['nextToken']).toBeUndefined();
  });

  it('finds executions by a part of their name, in any case, across pages with the same filter', async () => {
    const tag = `Search${storeName.replace(/\W/g, '')}`;
    const wanted: string[] = [];
    for (let i = 0; i < 7; i++) {
      const name = i % 2 === 0 ? `nightly ${tag} ${i}` : `other ${i}`;
      const res = await call('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: i }, name } });
      expect(res.status).toBe(201);
      if (i % 2 === 0) wanted.unshift(String(res.body['id']));
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const query = { name: `Y ${tag.toUpperCase()}`, limit: '3', ...(nextToken ? { nextToken } : {}) };
      const page = await call('GET', '/executions', { query });
      expect(page.status).toBe(200);
      const items = page.body['items'] as { id: string; name: string }[];
      for (const e of items) expect(e.name).toContain(tag);
      seen.push(...items.map((e) => e.id));
      nextToken = page.body['nextToken'] as string | undefined;
      pages++;
    } while (nextToken !== undefined && pages < 20);
    // Each once; executions started in the same millisecond may list in either order.
    expect(seen).toHaveLength(wanted.length);
    expect(new Set(seen)).toEqual(new Set(wanted));
    const first = await call('GET', '/executions', { query: { name: tag, limit: '1' } });
    const another = await call('GET', '/executions', {
      query: { name: 'other', limit: '1', nextToken: String(first.body['nextToken']) },
    });
    expect(another.status).toBe(400);
    expect(another.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
  });

  it('refuses an empty, overlong or control-character name filter with 400 naming name', async () => {
    for (const name of ['', 'x'.repeat(129), 'a\u0000b']) {
      const res = await call('GET', '/executions', { query: { name } });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('name');
    }
  });

  it('counts executions by state, each counted once, with the cap', async () => {
    const counts = async () => {
      const res = await call('GET', '/counts');
      expect(res.status).toBe(200);
      expect(res.body['cap']).toBe(10_000);
      return res.body['states'] as Record<string, { count: number; capped: boolean }>;
    };
    const before = await counts();
    expect(Object.keys(before).sort()).toEqual(Object.values(ExecutionState).sort());
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: i } } });
      ids.push(String(res.body['id']));
    }
    expect((await call('POST', `/executions/${ids[0]}/cancel`)).status).toBe(200);
    expect((await call('POST', `/executions/${ids[1]}/pause`)).status).toBe(200);
    const after = await counts();
    const delta = (state: string) => (after[state]?.count ?? 0) - (before[state]?.count ?? 0);
    expect(delta('running')).toBe(1);
    expect(delta('cancelled')).toBe(1);
    expect(delta('paused')).toBe(1);
    expect(delta('completed')).toBe(0);
    for (const c of Object.values(after)) expect(c.capped).toBe(false);
  });

  it('refuses any query parameter on GET /counts, and methods other than GET', async () => {
    const res = await call('GET', '/counts', { query: { state: 'running' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    expect((await call('POST', '/counts')).status).toBe(405);
    expect((await call('GET', '/counts/running')).status).toBe(404);
  });
});
