import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { makeApiHandler } from '../../../functions/http/api-handler.js';
import type { makeStepWorker } from '../../../functions/worker/step-worker-handler.js';
import { apiEvent, type ApiEventOptions, bodyOf } from '../../support/api-events.js';
import { type HandlerWorld, handlerWorld, pump, tableContents } from './handler-harness.js';

let world: HandlerWorld;
let api: ReturnType<typeof makeApiHandler>;
let worker: ReturnType<typeof makeStepWorker>;
let done: string;
let running: string;

beforeAll(async () => {
  world = await handlerWorld();
  api = (await import('../../../functions/api.js')).handler;
  worker = (await import('../../../functions/step-worker.js')).handler;
  // One completed and one running execution, so that bad input has something to damage.
  done = String(
    bodyOf(await api(apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: 1 } } }))).id,
  );
  await pump(world.res, worker);
  running = String(
    bodyOf(await api(apiEvent('POST', '/executions', { body: { workflow: 'arithmetic', input: { value: 2 } } }))).id,
  );
});
afterAll(async () => world?.dispose());

type Case = [label: string, method: string, path: () => string, options: ApiEventOptions, status: number, code: string];

const huge = 'x'.repeat(300 * 1024);
const forged = Buffer.from(JSON.stringify({ pk: 'EXEC#someone-else', sk: 'HEAD' })).toString('base64url');

const cases: Case[] = [
  ['malformed JSON', 'POST', () => '/executions', { body: '{"workflow": "arithmetic",' }, 400, 'VALIDATION_ERROR'],
  ['empty body', 'POST', () => '/executions', {}, 400, 'VALIDATION_ERROR'],
  [
    'an array instead of an object',
    'POST',
    () => '/executions',
    { body: '[{"workflow":"arithmetic"}]' },
    400,
    'VALIDATION_ERROR',
  ],
  ['a string instead of an object', 'POST', () => '/executions', { body: '"arithmetic"' }, 400, 'VALIDATION_ERROR'],
  ['null body', 'POST', () => '/executions', { body: 'null' }, 400, 'VALIDATION_ERROR'],
  ['workflow of the wrong type', 'POST', () => '/executions', { body: { workflow: 42 } }, 400, 'VALIDATION_ERROR'],
  ['missing workflow', 'POST', () => '/executions', { body: { input: {} } }, 400, 'VALIDATION_ERROR'],
  ['unknown workflow', 'POST', () => '/executions', { body: { workflow: 'nope' } }, 400, 'VALIDATION_ERROR'],
  [
    'unknown field',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', extra: true } },
    400,
    'VALIDATION_ERROR',
  ],
  [
    'unknown step name',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', steps: ['add-ten', 'rm-rf'] } },
    400,
    'VALIDATION_ERROR',
  ],
  [
    'empty steps list',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', steps: [] } },
    400,
    'VALIDATION_ERROR',
  ],
  [
    'steps of the wrong type',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', steps: 'add-ten' } },
    400,
    'VALIDATION_ERROR',
  ],
  [
    'name with control characters',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', name: 'a\u0000b' } },
    400,
    'VALIDATION_ERROR',
  ],
  [
    'name too long',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', name: 'n'.repeat(300) } },
    400,
    'VALIDATION_ERROR',
  ],
  [
    'idempotency key with a colon',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', idempotencyKey: 'order:42' } },
    400,
    'VALIDATION_ERROR',
  ],
  [
    'idempotency key with a slash',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', idempotencyKey: 'a/b' } },
    400,
    'VALIDATION_ERROR',
  ],
  [
    'huge body',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', input: { blob: huge } } },
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  [
    'huge base64 body',
    'POST',
    () => '/executions',
    { body: { workflow: 'arithmetic', input: { blob: huge } }, base64: true },
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  ['unicode in the id', 'GET', () => '/executions/exec_%E2%98%83', {}, 400, 'VALIDATION_ERROR'],
  ['control character in the id', 'GET', () => '/executions/exec_%00x', {}, 400, 'VALIDATION_ERROR'],
  ['path traversal in the id', 'GET', () => '/executions/..%2F..%2Fetc%2Fpasswd', {}, 400, 'VALIDATION_ERROR'],
  ['dot-dot id', 'POST', () => '/executions/../cancel', {}, 400, 'VALIDATION_ERROR'],
  ['bad percent-encoding in the id', 'GET', () => '/executions/%E0%A4%A', {}, 400, 'VALIDATION_ERROR'],
  ['id too long', 'GET', () => `/executions/${'a'.repeat(200)}`, {}, 400, 'VALIDATION_ERROR'],
  ['unknown id', 'GET', () => '/executions/exec_00000000000000000000000000000000', {}, 404, 'NOT_FOUND'],
  [
    'unknown id on an action',
    'POST',
    () => '/executions/exec_00000000000000000000000000000000/pause',
    {},
    404,
    'NOT_FOUND',
  ],
  ['negative limit', 'GET', () => '/executions', { query: { limit: '-1' } }, 400, 'VALIDATION_ERROR'],
  ['zero limit', 'GET', () => '/executions', { query: { limit: '0' } }, 400, 'VALIDATION_ERROR'],
  ['non-numeric limit', 'GET', () => '/executions', { query: { limit: 'ten' } }, 400, 'VALIDATION_ERROR'],
  ['limit too large', 'GET', () => '/executions', { query: { limit: '1000' } }, 400, 'VALIDATION_ERROR'],
  [
    'fractional limit',
    'GET',
    () => `/executions/${done}/checkpoints`,
    { query: { limit: '2.5' } },
    400,
    'VALIDATION_ERROR',
  ],
  ['unknown state filter', 'GET', () => '/executions', { query: { state: 'exploded' } }, 400, 'VALIDATION_ERROR'],
  ['unknown query parameter', 'GET', () => '/executions', { query: { sort: 'asc' } }, 400, 'VALIDATION_ERROR'],
  ['garbage nextToken', 'GET', () => '/executions', { query: { nextToken: 'not*a*token' } }, 400, 'VALIDATION_ERROR'],
  ['forged nextToken', 'GET', () => '/executions', { query: { nextToken: forged } }, 400, 'VALIDATION_ERROR'],
  [
    'checkpoint token of another execution',
    'GET',
    () => `/executions/${done}/checkpoints`,
    { query: { nextToken: forged } },
    400,
    'VALIDATION_ERROR',
  ],
  ['pause of a completed execution', 'POST', () => `/executions/${done}/pause`, {}, 409, 'ILLEGAL_TRANSITION'],
  ['resume of a completed execution', 'POST', () => `/executions/${done}/resume`, {}, 409, 'ILLEGAL_TRANSITION'],
  ['delete of a running execution', 'DELETE', () => `/executions/${running}`, {}, 409, 'ILLEGAL_TRANSITION'],
  [
    'body on an action',
    'POST',
    () => `/executions/${running}/cancel`,
    { body: { force: true } },
    400,
    'VALIDATION_ERROR',
  ],
  ['unknown route', 'GET', () => '/admin', {}, 404, 'NOT_FOUND'],
  ['unknown action', 'POST', () => `/executions/${running}/explode`, {}, 404, 'NOT_FOUND'],
  ['too deep a path', 'GET', () => `/executions/${done}/checkpoints/1`, {}, 404, 'NOT_FOUND'],
  ['unknown method on the collection', 'PUT', () => '/executions', { body: {} }, 405, 'METHOD_NOT_ALLOWED'],
  ['GET on an action', 'GET', () => `/executions/${running}/pause`, {}, 405, 'METHOD_NOT_ALLOWED'],
  ['PATCH on an execution', 'PATCH', () => `/executions/${running}`, { body: {} }, 405, 'METHOD_NOT_ALLOWED'],
];

describe('API bad input', () => {
  it(`has at least 30 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('rejects %s', async (_label, method, path, options, status, code) => {
    const before = await tableContents(world.res);
    const result = await api(apiEvent(method, path(), options), { awsRequestId: 'bad-input' });
    const body = bodyOf<{ error: { code: string; message: string } }>(result);
    expect(result.statusCode).toBe(status);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
    expect(await tableContents(world.res)).toBe(before);
  });
});
