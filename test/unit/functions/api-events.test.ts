import { describe, expect, it } from 'vitest';
import { ControlPlane, defineWorkflow, type Logger, processStepMessage, WorkflowRegistry } from '../../../lib/index.js';
import { InMemoryExecutionStore, InMemoryStepQueue, ManualClock } from '../../../lib/testing/index.js';
import { loggedPath, makeApiHandler } from '../../../functions/http/api-handler.js';
import { apiEvent, bodyOf } from '../../support/api-events.js';

const SECRET = 'api-events-test-secret-0123456789';
let issued: string | undefined;

/** ask: opens a callback and waits for approval; done: records what it got. */
const approval = defineWorkflow<{ got?: unknown }>({
  name: 'approval',
  steps: [
    {
      name: 'ask',
      fn: (s, ctx) => {
        issued = ctx.callbackToken('approval');
        return ctx.waitForEvent('approval', { state: s });
      },
    },
    { name: 'done', fn: (s, ctx) => ({ ...s, got: ctx.event?.payload ?? null }) },
  ],
});

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = new InMemoryExecutionStore();
  const queue = new InMemoryStepQueue({ clock });
  const workflows = new WorkflowRegistry().register(approval);
  const deps = { store, queue, workflows, clock, callbackSecrets: [SECRET] };
  const control = new ControlPlane(deps);
  const lines: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  const log = (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields });
  const logger: Logger = { debug: log, info: log, warn: log, error: log };
  const api = makeApiHandler({ control, workflows, logger });
  const drain = () => queue.drain((m) => processStepMessage(m, { deadline: clock.now() + 60_000 }, deps));
  return { api, drain, lines };
}

async function waitingExecution(s: ReturnType<typeof setup>): Promise<string> {
  const started = await s.api(apiEvent('POST', '/executions', { body: { workflow: 'approval', input: {} } }));
  const { id } = bodyOf<{ id: string }>(started);
  await s.drain();
  return id;
}

describe('POST /executions/{id}/events', () => {
  it('answers 202 with the execution and how the event was taken', async () => {
    const s = setup();
    const id = await waitingExecution(s);
    const sent = await s.api(
      apiEvent('POST', `/executions/${id}/events`, { body: { type: 'approval', payload: { ok: 1 }, eventId: 'k1' } }),
    );
    expect(sent.statusCode).toBe(202);
    expect(bodyOf(sent)).toMatchObject({ id, state: 'running', delivery: 'resumed' });
    const again = await s.api(
      apiEvent('POST', `/executions/${id}/events`, { body: { type: 'approval', eventId: 'k1' } }),
    );
    expect(bodyOf(again)).toMatchObject({ delivery: 'duplicate' });
    await s.drain();
    const other = await s.api(apiEvent('POST', `/executions/${id}/events`, { body: { type: 'approval' } }));
    expect(other.statusCode).toBe(409);
    expect(bodyOf(other)).toMatchObject({ error: { code: 'ILLEGAL_TRANSITION' } });
  });

  it('refuses a bad event with 400 naming the field, and an unknown execution with 404', async () => {
    const s = setup();
    const bad = await s.api(apiEvent('POST', '/executions/exec_1/events', { body: { type: '' } }));
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bodyOf(bad))).toContain('type');
    const extra = await s.api(apiEvent('POST', '/executions/exec_1/events', { body: { type: 'a', when: 1 } }));
    expect(extra.statusCode).toBe(400);
    const missing = await s.api(apiEvent('POST', '/executions/exec_nope/events', { body: { type: 'a' } }));
    expect(missing.statusCode).toBe(404);
  });

  it('answers a full inbox with 409 INBOX_FULL', async () => {
    const s = setup();
    const id = await waitingExecution(s);
    for (let i = 0; i < 20; i++) {
      const r = await s.api(apiEvent('POST', `/executions/${id}/events`, { body: { type: 'other' } }));
      expect(bodyOf(r)).toMatchObject({ delivery: 'buffered' });
    }
    const full = await s.api(apiEvent('POST', `/executions/${id}/events`, { body: { type: 'other' } }));
    expect(full.statusCode).toBe(409);
    expect(bodyOf(full)).toMatchObject({ error: { code: 'INBOX_FULL' } });
  });
});

describe('POST /executions with maxStepRuns', () => {
  it('passes the limit to the execution, and refuses one that is not a whole number >= 1', async () => {
    const s = setup();
    const started = await s.api(
      apiEvent('POST', '/executions', { body: { workflow: 'approval', input: {}, maxStepRuns: 1 } }),
    );
    expect(started.statusCode).toBe(201);
    await s.drain();
    const id = bodyOf<{ id: string }>(started).id;
    const got = bodyOf(await s.api(apiEvent('GET', `/executions/${id}`)));
    expect(got).toMatchObject({ state: 'failed', error: { code: 'STEP_LIMIT_EXCEEDED' } });
    for (const bad of [0, 1.5, 'ten']) {
      const r = await s.api(apiEvent('POST', '/executions', { body: { workflow: 'approval', maxStepRuns: bad } }));
      expect(r.statusCode).toBe(400);
      expect(JSON.stringify(bodyOf(r))).toContain('maxStepRuns');
    }
  });
});

describe('POST /callbacks/{token}', () => {
  it('delivers the payload once, answers only the delivery, and never logs the token', async () => {
    const s = setup();
    const id = await waitingExecution(s);
    const token = issued ?? '';
    const path = `/callbacks/${encodeURIComponent(token)}`;
    const first = await s.api(apiEvent('POST', path, { body: { payload: { approved: true } } }));
    expect(first.statusCode).toBe(202);
    expect(bodyOf(first)).toEqual({ delivery: 'resumed' });
    const second = await s.api(apiEvent('POST', path, { body: { payload: { approved: true } } }));
    expect(second.statusCode).toBe(404);
    expect(bodyOf(second)).toMatchObject({ error: { code: 'NOT_FOUND', message: 'callback not found' } });
    await s.drain();
    const done = bodyOf<{ state: string; output: unknown }>(await s.api(apiEvent('GET', `/executions/${id}`)));
    expect(done).toMatchObject({ state: 'completed', output: { got: { approved: true } } });
    expect(JSON.stringify(s.lines)).not.toContain(token.slice(4, 40));
    expect(s.lines.some((l) => l.fields?.['path'] === '/callbacks/{token}')).toBe(true);
  });

  it('answers a forged or malformed token and a bad body the same way as a used one, or with 400', async () => {
    const s = setup();
    await waitingExecution(s);
    const forged = (issued ?? '').slice(0, -4) + 'AAAA';
    for (const t of [forged, 'nonsense', 'cb1.x.y']) {
      const r = await s.api(apiEvent('POST', `/callbacks/${encodeURIComponent(t)}`));
      expect(r.statusCode).toBe(404);
      expect(bodyOf(r)).toMatchObject({ error: { message: 'callback not found' } });
    }
    const body = await s.api(apiEvent('POST', `/callbacks/${encodeURIComponent(issued ?? '')}`, { body: { x: 1 } }));
    expect(body.statusCode).toBe(400);
  });

  it('keeps callback tokens out of logged paths', () => {
    expect(loggedPath('/callbacks/cb1.abc.def')).toBe('/callbacks/{token}');
    expect(loggedPath('/executions/exec_1/events')).toBe('/executions/exec_1/events');
    expect(loggedPath(undefined)).toBeUndefined();
  });
});
