import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import { checkProperty } from '../replay.js';
import { toEvent } from './api-request-model.js';
import { requestArb } from './api-requests.js';
import { apiWorld } from './api-world.js';

const ERROR_CODES: readonly string[] = Object.values(ErrorCode);
const ERROR_FIELDS = ['code', 'message', 'details', 'requestId'];

/** Checks one answer's shape: 2xx or 4xx, JSON, and a 4xx carries the documented error body. */
function expectWellFormed(result: { statusCode: number; headers: Record<string, string>; body?: string }): void {
  const { statusCode: status } = result;
  expect((status >= 200 && status < 300) || (status >= 400 && status < 500), `status ${status}`).toBe(true);
  if (status === 204) {
    expect(result.body).toBeUndefined();
    return;
  }
  expect(result.headers['content-type']).toMatch(/^application\/json/);
  const body: unknown = JSON.parse(result.body ?? '');
  expect(body).toBeTypeOf('object');
  expect(body).not.toBeNull();
  if (status >= 400) {
    expect(Object.keys(body as object)).toEqual(['error']);
    const error = (body as { error: Record<string, unknown> }).error;
    expect(ERROR_FIELDS).toEqual(expect.arrayContaining(Object.keys(error)));
    expect(ERROR_CODES).toContain(error['code']);
    expect(error['message']).toBeTypeOf('string');
    expect(error['message']).not.toBe('');
    if ('details' in error) expect(error['details']).toEqual(expect.any(Object));
    if (status === 405) expect(result.headers['allow']).toBeTruthy();
  }
  if (status === 201) expect(result.headers['location']).toMatch(/^\/executions\/exec_[0-9a-f]{32}$/);
}

describe('the HTTP API under generated requests', () => {
  it('answers every request with a 2xx or a 4xx and a JSON body, and changes nothing when it refuses or reads', async () => {
    await checkProperty(
      fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 5 }), async (requests) => {
        const world = await apiWorld();
        for (const request of requests) {
          const before = await world.contents();
          const event = toEvent(request, world);
          const result = await world.api(event);
          expectWellFormed(result);
          if (result.statusCode >= 400 || event.requestContext.http.method?.toUpperCase() === 'GET') {
            expect(await world.contents(), `${result.statusCode} ${result.body ?? ''}`).toBe(before);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
