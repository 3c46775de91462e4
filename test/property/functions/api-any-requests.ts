import fc from 'fast-check';
import { MAX_BODY_BYTES } from '../../../functions/http/request.js';
import { type Body, CHECKPOINTS_TOKEN, type GeneratedRequest, LIST_TOKEN, type Segment } from './api-request-model.js';

const odd = fc.constantFrom(
  '',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '..',
  '.',
  '__proto__',
  'constructor',
  '\u0000',
  '😀',
);
const anyText = fc.oneof(odd, fc.string({ unit: 'binary', maxLength: 30 }));
export const safeId = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,20}$/);

const idSegment: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 3, arbitrary: fc.nat().map((known) => ({ known })) },
  { weight: 1, arbitrary: safeId.map((fixed) => ({ fixed })) },
  { weight: 1, arbitrary: fc.record({ text: anyText, raw: fc.boolean() }) },
);
const anySegment: fc.Arbitrary<Segment> = fc.oneof(
  fc.constantFrom('executions', 'workflows', 'checkpoints', 'pause').map((fixed) => ({ fixed })),
  fc.record({ text: anyText, raw: fc.boolean() }),
);
const sub = fc.constantFrom('checkpoints', 'pause', 'resume', 'cancel', 'retry', 'delete', 'Pause', '');

/** The documented routes, with good and bad ids, and paths that are no route. */
const segmentsArb: fc.Arbitrary<Segment[]> = fc.oneof(
  fc.constant<Segment[]>([{ fixed: 'executions' }]),
  fc.constant<Segment[]>([{ fixed: 'workflows' }]),
  idSegment.map((id) => [{ fixed: 'executions' }, id]),
  fc.tuple(idSegment, sub).map(([id, s]) => [{ fixed: 'executions' }, id, { fixed: s }]),
  fc.tuple(idSegment, sub, anySegment).map(([id, s, extra]) => [{ fixed: 'executions' }, id, { fixed: s }, extra]),
  fc.array(anySegment, { maxLength: 4 }),
);

const queryValue = fc.oneof(
  fc.constantFrom('running', 'paused', 'completed', 'failed', 'cancelled', 'initialized', 'arithmetic', 'nope'),
  fc.constantFrom('1', '100', '0', '101', '-1', '1.5', '007', '1e2', ' 5', LIST_TOKEN, CHECKPOINTS_TOKEN),
  anyText,
);
const queryArb = fc.option(
  fc.dictionary(fc.oneof(fc.constantFrom('state', 'workflow', 'limit', 'nextToken'), anyText), queryValue, {
    maxKeys: 3,
  }),
  { nil: undefined },
);

const startBody = fc.record(
  {
    workflow: fc.oneof(fc.constant('arithmetic'), fc.constant('agent-research'), anyText, fc.jsonValue()),
    input: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }),
    name: fc.oneof(anyText, fc.jsonValue()),
    steps: fc.oneof(fc.array(fc.constantFrom('add-ten', 'double', 'subtract-three', 'nope')), fc.jsonValue()),
    idempotencyKey: fc.oneof(fc.constantFrom('key-running', 'key-failed', 'fresh-key'), safeId, anyText),
    metadata: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const bodyText = fc.oneof(
  startBody.map((b) => JSON.stringify(b)),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
  fc.constantFrom(
    '{}',
    '{ }',
    'null',
    '[]',
    '{"workflow":',
    '\ufeff{}',
    '{"__proto__":{}}',
    '{"workflow":"arithmetic","__proto__":{"x":1}}',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ none: true as const }) },
  { weight: 6, arbitrary: fc.record({ text: bodyText, base64: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      bytes: fc.constantFrom(MAX_BODY_BYTES - 1_000, MAX_BODY_BYTES, MAX_BODY_BYTES + 1),
      start: fc.boolean(),
    }),
  },
);

/** Any request: a known method or any text, the routes and beyond, queries, headers and bodies. */
export const anyRequestArb: fc.Arbitrary<GeneratedRequest> = fc.record({
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE') },
    { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH', 'HEAD', 'OPTIONS', 'get', 'post', 'delete') },
    { weight: 1, arbitrary: fc.option(anyText, { nil: undefined }) },
  ),
  segments: segmentsArb,
  query: queryArb,
  headers: fc.dictionary(
    fc.oneof(fc.constantFrom('content-type', 'content-length', 'accept', 'x-forwarded-for'), anyText),
    anyText,
    { maxKeys: 3 },
  ),
  body: bodyArb,
});
