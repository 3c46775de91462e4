import { describe, expect, it } from 'vitest';
import { ControlPlane, type Logger, LongRunningError } from '../../../lib/index.js';
import { InMemoryExecutionStore, InMemoryJobStore, InMemoryStepQueue } from '../../../lib/testing/index.js';
import { makeApiHandler } from '../../../functions/http/api-handler.js';
import { arithmeticWorkflow } from '../../../examples/workflows.js';
import { WorkflowRegistry } from '../../../lib/index.js';
import { apiEvent, bodyOf } from '../../support/api-events.js';

function setup(override?: Partial<Record<keyof ControlPlane, unknown>>) {
  const workflows = new WorkflowRegistry().register(arithmeticWorkflow);
  const control = new ControlPlane({ store: new InMemoryExecutionStore(), queue: new InMemoryStepQueue(), workflows });
  const lines: { level: string; message: string; fields: Record<string, unknown> | undefined }[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, fields });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const api = makeApiHandler({ control: Object.assign(control, override ?? {}), workflows, logger });
  return { api, lines };
}

describe('API handler', () => {
  it('refuses a query parameter on every route that takes none, before acting', async () => {
    const { api } = setup();
    const created = await api(
      apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: 1 } } }),
    );
    const { id } = bodyOf<{ id: string }>(created);
    const refused = [
      apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: 1 } }, query: { bogus: '1' } }),
      apiEvent('POST', `/executions/${id}/cancel`, { query: { now: 'yes' } }),
      apiEvent('DELETE', `/executions/${id}`, { query: { force: 'true' } }),
      apiEvent('POST', '/executions/redrive', { body: { workflow: 'arithmetic' }, query: { x: '1' } }),
    ];
    for (const event of refused) {
      const result = await api(event);
      expect(result.statusCode, event.rawPath).toBe(400);
      expect(bodyOf<{ error: { code: string; message: string } }>(result).error).toMatchObject({
        code: 'VALIDATION_ERROR',
        message: expect.stringContaining('query') as unknown,
      });
    }
    // Nothing was started, cancelled or deleted.
    const list = bodyOf<{ items: { id: string; state: string }[] }>(await api(apiEvent('GET', '/executions')));
    expect(list.items.map((e) => [e.id, e.state])).toEqual([[id, 'running']]);
  });

  it('refuses a bulk body that is JSON but not an object, and takes no body as an empty filter', async () => {
    const workflows = new WorkflowRegistry().register(arithmeticWorkflow);
    const deps = { store: new InMemoryExecutionStore(), queue: new InMemoryStepQueue(), workflows };
    const control = new ControlPlane({ ...deps, jobs: new InMemoryJobStore() });
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const api = makeApiHandler({ control, workflows, logger });
    for (const body of ['null', '[]', '3', '"failed"']) {
      const result = await api(apiEvent('POST', '/executions/redrive', { body }));
      expect(result.statusCode, body).toBe(400);
      expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('VALIDATION_ERROR');
    }
    expect((await api(apiEvent('POST', '/executions/redrive'))).statusCode).toBe(202);
  });

  it('answers a fault of ours with 500 INTERNAL and the request id, logging the cause but not exposing it', async () => {
    const { api, lines } = setup({
      list: () => Promise.reject(new TypeError('cannot read properties of undefined (secret)')),
    });
    const result = await api(apiEvent('GET', '/executions'));
    const body = bodyOf<{ error: { code: string; message: string; requestId: string } }>(result);
    expect(result.statusCode).toBe(500);
    expect(body.error.code).toBe('INTERNAL');
    expect(body.error.requestId).toMatch(/^req-/);
    expect(result.body).not.toContain('secret');
    expect(lines.some((l) => l.level === 'error' && String(l.fields?.error).includes('secret'))).toBe(true);
  });

  it('answers throttling with 503 and retry-after, not 500', async () => {
    const { api, lines } = setup({
      list: () =>
        Promise.reject(
          new LongRunningError('THROTTLED', 'UpdateItem on table prod-secret-table was throttled', { retryable: true }),
        ),
    });
    const result = await api(apiEvent('GET', '/executions'));
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('1');
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('THROTTLED');
    expect(result.body).not.toContain('prod-secret-table');
    expect(lines.some((l) => l.level === 'error' && String(l.fields?.error).includes('prod-secret-table'))).toBe(true);
  });

  it('starts with 201 and a location header, and shows the bounded event history on GET', async () => {
    const { api } = setup();
    const created = await api(
      apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: 1 }, steps: ['double'] } }),
    );
    expect(created.statusCode).toBe(201);
    const view = bodyOf<{ id: string; stepNames: string[]; totalSteps: number }>(created);
    expect(created.headers.location).toBe(`/executions/${view.id}`);
    expect(view.stepNames).toEqual(['double']);
    expect(view.totalSteps).toBe(1);
    const got = bodyOf<{ events: unknown[] }>(await api(apiEvent('GET', `/executions/${view.id}`)));
    expect(Array.isArray(got.events)).toBe(true);
  });

  it('answers a retryable conflict (two starts racing on one idempotency key) with 503, not 409', async () => {
    const { api } = setup({
      start: () => Promise.reject(new LongRunningError('CONFLICT', 'transaction conflict', { retryable: true })),
    });
    const result = await api(
      apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', idempotencyKey: 'k' } }),
    );
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('1');
  });

  it('rejects a deeply nested input with 400, not a stack overflow', async () => {
    const { api } = setup();
    const deep = '['.repeat(3_000) + ']'.repeat(3_000);
    const result = await api(apiEvent('POST', '/executions', { body: `{"workflow":"arithmetic","input":${deep}}` }));
    expect(result.statusCode).toBe(400);
    expect(bodyOf<{ error: { message: string } }>(result).error.message).toContain('nested more than 32 levels');
  });

  it('names unknown fields in the validation error', async () => {
    const { api } = setup();
    const result = await api(apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', priority: 'high' } }));
    expect(result.statusCode).toBe(400);
    expect(bodyOf<{ error: { message: string } }>(result).error.message).toContain('unknown field(s) "priority"');
  });

  it('accepts an empty JSON object as the body of an action', async () => {
    const { api } = setup();
    const { id } = bodyOf<{ id: string }>(
      await api(apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: 1 } } })),
    );
    const paused = await api(apiEvent('POST', `/executions/${id}/pause`, { body: '{}' }));
    expect(paused.statusCode).toBe(200);
    expect(bodyOf<{ state: string }>(paused).state).toBe('paused');
  });
});
