import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import {
  decodeExecution,
  encodeExecution,
  parseExecution,
  serializeExecution,
} from '../../../lib/stores/execution-codec.js';
import { GO_FAILED_DOCUMENT, GO_NEW_DOCUMENT, GO_PAUSED_DOCUMENT, sampleExecution, thrownBy } from './fixtures.js';

describe('encodeExecution', () => {
  it('writes exactly the Go field names, in Go order, for a fully filled execution', () => {
    const doc = encodeExecution(sampleExecution({ state: 'failed', endTime: new Date(0), error: 'boom' }));
    expect(Object.keys(doc)).toEqual([
      'id',
      'name',
      'state',
      'progress',
      'current_step',
      'total_steps',
      'step_names',
      'start_time',
      'last_update',
      'end_time',
      'checkpoints',
      'metadata',
      'error',
    ]);
    expect(Object.keys(doc.checkpoints[1] ?? {})).toEqual(['id', 'step', 'state', 'timestamp', 'metadata']);
  });

  it('omits empty optionals as omitempty does, but always writes checkpoints and checkpoint state', () => {
    const doc = encodeExecution(
      sampleExecution({
        stepNames: [],
        metadata: {},
        error: '',
        checkpoints: [{ id: 'cp_x', step: 0, state: undefined, timestamp: new Date(0), metadata: {} }],
      }),
    );
    expect(Object.keys(doc)).toEqual([
      'id',
      'name',
      'state',
      'progress',
      'current_step',
      'total_steps',
      'start_time',
      'last_update',
      'checkpoints',
    ]);
    expect(doc.checkpoints).toEqual([{ id: 'cp_x', step: 0, state: null, timestamp: '1970-01-01T00:00:00.000Z' }]);
  });

  it('writes timestamps as RFC 3339 UTC strings', () => {
    const doc = encodeExecution(sampleExecution({ endTime: new Date('2025-03-01T04:32:00.789Z') }));
    expect(doc.start_time).toBe('2025-03-01T04:30:00.123Z');
    expect(doc.last_update).toBe('2025-03-01T04:31:00.456Z');
    expect(doc.end_time).toBe('2025-03-01T04:32:00.789Z');
    expect(doc.checkpoints[0]?.timestamp).toBe('2025-03-01T04:30:00.200Z');
  });

  it.each([
    ['startTime', { startTime: new Date('nope') }],
    ['endTime', { endTime: new Date(Date.UTC(10000, 0, 1)) }],
    ['currentStep', { currentStep: -1 }],
    ['currentStep', { currentStep: 3 }],
    ['totalSteps', { totalSteps: 2.5 }],
    ['progress', { progress: Number.NaN }],
    ['state', { state: 'done' as never }],
    ['id', { id: '' }],
    ['stepNames', { stepNames: ['only-one'] }],
    ['checkpoints[0].step', { checkpoints: [{ id: 'cp', step: -1, state: null, timestamp: new Date(0) }] }],
  ])('rejects an execution it could not read back, naming %s', (field, overrides) => {
    const err = thrownBy(() => encodeExecution(sampleExecution(overrides)));
    expect(err.code).toBe(ErrorCode.Validation);
    expect(err.details?.['field']).toBe(field);
    expect(err.message).toContain(`"${field}"`);
  });
});

describe('serializeExecution', () => {
  it('writes the compact JSON text Go writes', () => {
    const exec = sampleExecution({
      id: 'exec_1',
      name: 'n',
      state: 'running',
      stepNames: [],
      metadata: {},
      checkpoints: [{ id: 'cp_1', step: 1, state: { a: 1 }, timestamp: new Date('2025-03-01T04:31:00Z') }],
    });
    expect(serializeExecution(exec)).toBe(
      '{"id":"exec_1","name":"n","state":"running","progress":50,"current_step":1,"total_steps":2,' +
        '"start_time":"2025-03-01T04:30:00.123Z","last_update":"2025-03-01T04:31:00.456Z",' +
        '"checkpoints":[{"id":"cp_1","step":1,"state":{"a":1},"timestamp":"2025-03-01T04:31:00.000Z"}]}',
    );
  });

  it('rejects a state that is not JSON-serializable with VALIDATION_ERROR', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const exec = sampleExecution({ checkpoints: [{ id: 'cp', step: 0, state: cyclic, timestamp: new Date(0) }] });
    expect(thrownBy(() => serializeExecution(exec)).code).toBe(ErrorCode.Validation);
  });
});

describe('decodeExecution', () => {
  it('reads back what encodeExecution wrote', () => {
    const exec = sampleExecution({ state: 'failed', endTime: new Date('2025-03-01T05:00:00.001Z'), error: 'boom' });
    expect(decodeExecution(encodeExecution(exec))).toEqual(exec);
    expect(parseExecution(serializeExecution(exec))).toEqual(exec);
  });

  it('reads a Go document with nanoseconds and +05:30 / -08:00 offsets, truncating to milliseconds', () => {
    const exec = parseExecution(GO_PAUSED_DOCUMENT, 'go.json');
    expect(exec).toEqual({
      id: 'exec_9f86d081884c7d659a2feaa0c55ad015',
      name: 'report',
      state: 'paused',
      progress: 66.66666666666667,
      currentStep: 2,
      totalSteps: 3,
      stepNames: ['fetch', 'analyse', 'summarise'],
      startTime: new Date('2025-03-01T04:30:00.123Z'),
      lastUpdate: new Date('2025-03-01T18:05:30.500Z'),
      checkpoints: [
        {
          id: 'cp_1b4f0e9851971998e732078544c96b36',
          step: 1,
          state: { rows: 3 },
          timestamp: new Date('2025-03-01T04:31:00.999Z'),
        },
        {
          id: 'cp_3c59dc048e8850243be8079a5c74d079',
          step: 2,
          state: { rows: 3, summary: 'ok' },
          timestamp: new Date('2025-03-01T04:32:00.000Z'),
          metadata: { attempt: 1 },
        },
      ],
      metadata: { owner: 'ops', priority: 2 },
    });
  });

  it('reads a Go document with omitted optionals and null checkpoints as empty', () => {
    const exec = parseExecution(GO_NEW_DOCUMENT);
    expect(exec.checkpoints).toEqual([]);
    expect(exec.metadata).toEqual({});
    expect(exec.startTime.toISOString()).toBe('2025-03-01T10:00:00.000Z');
    expect(exec.lastUpdate.toISOString()).toBe('2025-03-01T10:00:00.000Z');
    expect('stepNames' in exec).toBe(false);
    expect('endTime' in exec).toBe(false);
    expect('error' in exec).toBe(false);
  });

  it('reads a failed Go document with end_time, error and null metadata', () => {
    const exec = parseExecution(GO_FAILED_DOCUMENT);
    expect(exec.state).toBe('failed');
    expect(exec.error).toBe('step 1: upstream returned 503');
    expect(exec.metadata).toEqual({});
    expect(exec.startTime.toISOString()).toBe('2025-01-01T07:59:59.999Z');
    expect(exec.endTime?.toISOString()).toBe('2025-01-01T08:00:01.250Z');
  });

  it('reads a Go document back into the same Go document once re-encoded, up to millisecond precision', () => {
    const doc = JSON.parse(GO_FAILED_DOCUMENT) as Record<string, unknown>;
    const again = encodeExecution(decodeExecution(doc));
    expect(Object.keys(again)).toEqual(Object.keys(doc).filter((k) => k !== 'metadata'));
    expect(again.end_time).toBe('2025-01-01T08:00:01.250Z');
  });

  const valid = (): Record<string, unknown> => JSON.parse(GO_PAUSED_DOCUMENT) as Record<string, unknown>;
  const withCheckpoint = (i: number, patch: Record<string, unknown>): Record<string, unknown> => {
    const doc = valid();
    const cps = doc['checkpoints'] as Record<string, unknown>[];
    cps[i] = { ...cps[i], ...patch };
    return doc;
  };

  it.each<[string, Record<string, unknown>]>([
    ['id', { ...valid(), id: undefined }],
    ['id', { ...valid(), id: '' }],
    ['name', { ...valid(), name: null }],
    ['state', { ...valid(), state: 'done' }],
    ['progress', { ...valid(), progress: '50' }],
    ['progress', { ...valid(), progress: 100.5 }],
    ['current_step', { ...valid(), current_step: -1 }],
    ['current_step', { ...valid(), current_step: 4 }],
    ['total_steps', { ...valid(), total_steps: 1.5 }],
    ['step_names', { ...valid(), step_names: ['a', 'b'] }],
    ['step_names[1]', { ...valid(), step_names: ['a', 7, 'c'] }],
    ['start_time', { ...valid(), start_time: '2025-03-01 10:00:00' }],
    ['last_update', { ...valid(), last_update: '2025-02-30T10:00:00Z' }],
    // Go can write this instant (year 10000 in UTC); it could not be written back.
    ['last_update', { ...valid(), last_update: '9999-12-31T23:30:00-01:00' }],
    ['end_time', { ...valid(), end_time: 12 }],
    ['checkpoints', { ...valid(), checkpoints: {} }],
    ['checkpoints[0]', { ...valid(), checkpoints: ['cp'] }],
    ['checkpoints[0].timestamp', withCheckpoint(0, { timestamp: 'yesterday' })],
    ['checkpoints[1].step', withCheckpoint(1, { step: -2 })],
    ['checkpoints[1].metadata', withCheckpoint(1, { metadata: 'x' })],
    ['metadata', { ...valid(), metadata: [] }],
    ['error', { ...valid(), error: 5 }],
  ])('rejects a malformed %s with CORRUPT_RECORD naming the field and source', (field, doc) => {
    const err = thrownBy(() => decodeExecution(doc, 'checkpoints/x.json'));
    expect(err.code).toBe(ErrorCode.CorruptRecord);
    expect(err.message).toContain(`field "${field}"`);
    expect(err.message).toContain('checkpoints/x.json');
    expect(err.details).toEqual({ field, source: 'checkpoints/x.json' });
  });

  it.each([null, [], 'text', 42])('rejects a document that is not an object (%j)', (doc) => {
    const err = thrownBy(() => decodeExecution(doc));
    expect(err.code).toBe(ErrorCode.CorruptRecord);
    expect(err.details?.['field']).toBe('(document)');
  });
});

describe('parseExecution', () => {
  it('rejects text that is not JSON with CORRUPT_RECORD naming the source', () => {
    const err = thrownBy(() => parseExecution('{"id": "exec_1",', 'exec_1.json'));
    expect(err.code).toBe(ErrorCode.CorruptRecord);
    expect(err.message).toContain('exec_1.json');
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });
});

describe('fork and rewind fields', () => {
  const forkedAndRewound = (): ReturnType<typeof sampleExecution> =>
    sampleExecution({
      forkedFrom: { executionId: 'exec_00000000000000000000000000000001', checkpoint: 4 },
      superseded: [
        [2, 3],
        [7, 9],
      ],
      checkpoints: [
        { id: 'cp_a', step: 0, seq: 2, state: { n: 1 }, timestamp: new Date(0), superseded: true },
        { id: 'cp_b', step: 1, seq: 10, state: { n: 2 }, timestamp: new Date(1), rewoundTo: 1 },
      ],
    });

  it('writes forked_from, superseded and the checkpoint marks, and reads them back', () => {
    const exec = forkedAndRewound();
    const doc = encodeExecution(exec);
    expect(doc.forked_from).toEqual({ execution_id: 'exec_00000000000000000000000000000001', checkpoint: 4 });
    expect(doc.superseded).toEqual([
      [2, 3],
      [7, 9],
    ]);
    expect(doc.checkpoints[0]).toMatchObject({ seq: 2, superseded: true });
    expect(doc.checkpoints[1]).toMatchObject({ seq: 10, rewound_to: 1 });
    expect(decodeExecution(doc)).toEqual(exec);
    expect(parseExecution(serializeExecution(exec))).toEqual(exec);
  });

  it('writes none of them for an execution never forked or rewound', () => {
    const doc = encodeExecution(sampleExecution({ superseded: [] }));
    expect(doc).not.toHaveProperty('forked_from');
    expect(doc).not.toHaveProperty('superseded');
    expect(Object.keys(doc.checkpoints[0] ?? {})).toEqual(['id', 'step', 'state', 'timestamp']);
  });

  it.each([
    ['forked_from', 'x', '"forked_from" must be an object'],
    ['forked_from', { checkpoint: 1 }, '"forked_from.execution_id" is missing'],
    ['forked_from', { execution_id: 'e', checkpoint: -1 }, '"forked_from.checkpoint" must be a whole number'],
    ['superseded', [[3, 2]], '"superseded[0]" must be a [first, last] pair with first <= last'],
    ['superseded', [[1]], '"superseded[0]" must be a [first, last] pair of sequence numbers'],
    ['superseded', [[1, 'x']], '"superseded[0][1]" must be a whole number'],
  ])('rejects a malformed %s (%j) with CORRUPT_RECORD naming the field', (field, value, message) => {
    const doc = { ...encodeExecution(sampleExecution()), [field]: value };
    const err = thrownBy(() => decodeExecution(doc, 'x.json'));
    expect(err.code).toBe(ErrorCode.CorruptRecord);
    expect(err.message).toContain(message);
  });

  it.each([
    ['superseded', false, '"checkpoints[0].superseded" must be true'],
    ['rewound_to', 1.5, '"checkpoints[0].rewound_to" must be a whole number'],
  ])('rejects a malformed checkpoint %s with CORRUPT_RECORD naming the field', (field, value, message) => {
    const doc = encodeExecution(sampleExecution());
    const checkpoints = doc.checkpoints.map((cp, i) => (i === 0 ? { ...cp, [field]: value } : cp));
    const err = thrownBy(() => decodeExecution({ ...doc, checkpoints }, 'x.json'));
    expect(err.code).toBe(ErrorCode.CorruptRecord);
    expect(err.message).toContain(message);
  });

  it('refuses to store a malformed forkedFrom with VALIDATION_ERROR naming the field', () => {
    const exec = sampleExecution({ forkedFrom: { executionId: '', checkpoint: 1 } });
    const err = thrownBy(() => encodeExecution(exec));
    expect(err.code).toBe(ErrorCode.Validation);
    expect(err.message).toContain('field "forkedFrom.execution_id"');
  });
});
