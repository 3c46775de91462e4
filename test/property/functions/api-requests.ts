import fc from 'fast-check';
import { anyRequestArb, safeId } from './api-any-requests.js';
import { type Body, CHECKPOINTS_TOKEN, type GeneratedRequest, LIST_TOKEN, type Segment } from './api-request-model.js';

const known = fc.nat().map((n): Segment => ({ known: n }));
const noBody: Body = { none: true };
const json = (value: unknown): Body => ({ text: JSON.stringify(value), base64: false });
const request = (method: string, segments: Segment[], query?: Record<string, string>, body: Body = noBody) => ({
  method,
  segments,
  query,
  headers: { 'content-type': 'application/json' },
  body,
});
const executions: Segment = { fixed: 'executions' };

/** No body or an empty object (accepted), or a body an action refuses: refused before anything is written. */
const actionBody = fc.constantFrom(noBody, json({}), json({ reason: 'x' }), json([]), { text: '{', base64: false });

/**
 * Requests as a client of the documented API sends them, on every route, so that 2xx
 * answers are common too; some carry one mistake (an unknown field, a body an action
 * does not take), the kind that must be refused before anything is written.
 */
const goodRequestArb: fc.Arbitrary<GeneratedRequest> = fc.oneof(
  fc
    .record(
      {
        state: fc.constantFrom('running', 'paused', 'completed', 'failed', 'cancelled'),
        workflow: fc.constantFrom('arithmetic', 'other'),
        limit: fc.integer({ min: 1, max: 100 }).map(String),
        nextToken: fc.constant(LIST_TOKEN),
      },
      { requiredKeys: [] },
    )
    .map((query) => request('GET', [executions], query)),
  known.map((id) => request('GET', [executions, id])),
  fc
    .record(
      { limit: fc.integer({ min: 1, max: 100 }).map(String), nextToken: fc.constant(CHECKPOINTS_TOKEN) },
      { requiredKeys: [] },
    )
    .chain((query) => known.map((id) => request('GET', [executions, id, { fixed: 'checkpoints' }], query))),
  fc
    .tuple(known, fc.constantFrom('pause', 'resume', 'cancel', 'retry'), actionBody)
    .map(([id, action, body]) => request('POST', [executions, id, { fixed: action }], undefined, body)),
  known.map((id) => request('DELETE', [executions, id])),
  fc
    .record(
      {
        workflow: fc.constant('arithmetic'),
        input: fc.record({ value: fc.integer() }),
        name: fc.stringMatching(/^[a-z][a-z -]{0,20}$/),
        steps: fc.subarray(['add-ten', 'double', 'subtract-three'], { minLength: 1 }),
        idempotencyKey: fc.oneof(fc.constantFrom('key-running', 'key-failed'), safeId),
        priority: fc.constant('high'), // not a field of the API: refused
      },
      { requiredKeys: ['workflow', 'input'] },
    )
    .map((body) => request('POST', [executions], undefined, json(body))),
  fc.constant(request('GET', [{ fixed: 'workflows' }])),
);

/** Requests of both kinds: well-behaved ones, and anything at all. */
export const requestArb: fc.Arbitrary<GeneratedRequest> = fc.oneof(goodRequestArb, anyRequestArb);
