import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import type { Execution } from '../../../lib/core/types.js';
import { decodeExecution, encodeExecution, parseExecution } from '../../../lib/stores/execution-codec.js';
import { DOCUMENT_FIELDS } from '../../property/stores/damaged-document.js';
import { GO_PAUSED_DOCUMENT, sampleExecution, thrownBy } from './fixtures.js';

const RECEIVED = Date.parse('2025-03-01T04:30:10.000Z');

/** A paused execution in the middle of an event wait, with every wait field set. */
function waitingExecution(overrides: Partial<Execution> = {}): Execution {
  return sampleExecution({
    errorCode: 'WAIT_TIMEOUT',
    stepRuns: 7,
    maxStepRuns: 50,
    wait: {
      kind: 'event',
      eventType: 'approval',
      until: new Date('2025-03-02T04:30:00.000Z'),
      onTimeout: 'continue',
      timeoutMs: 86_400_000,
    },
    inbox: [{ id: 'evt_1', type: 'note', payload: { text: 'hi' }, receivedAt: RECEIVED }],
    seenEventIds: ['evt_0', 'evt_1'],
    openCallbacks: [{ nonce: 'n1', type: 'approval' }],
    delivered: { id: 'evt_0', type: 'approval', payload: null, receivedAt: RECEIVED - 1 },
    checkpoints: [{ id: 'cp_a', step: 1, seq: 6, stepName: 'summarise', state: 1, timestamp: new Date(RECEIVED) }],
    ...overrides,
  });
}

/** The document of `exec`, with `change` applied to it as JSON. */
function damaged(change: (doc: Record<string, unknown>) => void): Record<string, unknown> {
  const doc = JSON.parse(JSON.stringify(encodeExecution(waitingExecution()))) as Record<string, unknown>;
  change(doc);
  return doc;
}

describe('the wait, event and loop fields of the Go-format document', () => {
  it('writes them after the Go fields, in snake_case, with RFC 3339 times', () => {
    const doc = encodeExecution(waitingExecution());
    // The Go package's last field, then the seven wait fields.
    expect(DOCUMENT_FIELDS.slice(-8, -7)).toEqual(['error_code']);
    expect(Object.keys(doc).slice(-8)).toEqual(DOCUMENT_FIELDS.slice(-8));
    expect(doc.wait).toEqual({
      kind: 'event',
      until: '2025-03-02T04:30:00.000Z',
      event_type: 'approval',
      on_timeout: 'continue',
      timeout_ms: 86_400_000,
    });
    expect(doc.inbox).toEqual([
      { id: 'evt_1', type: 'note', payload: { text: 'hi' }, received_at: '2025-03-01T04:30:10.000Z' },
    ]);
    expect(doc.checkpoints[0]).toMatchObject({ seq: 6, step_name: 'summarise' });
  });

  it('reads back every field as it was', () => {
    const exec = waitingExecution();
    expect(decodeExecution(JSON.parse(JSON.stringify(encodeExecution(exec))))).toEqual(exec);
  });

  it('writes no maxStepRuns limit as 0 and reads 0 back as Infinity', () => {
    const doc = encodeExecution(waitingExecution({ maxStepRuns: Infinity }));
    expect(doc.max_step_runs).toBe(0);
    expect(decodeExecution(doc).maxStepRuns).toBe(Infinity);
  });

  it('keeps a timed-out delivery (null) apart from none', () => {
    const doc = encodeExecution(waitingExecution({ delivered: null }));
    expect(doc.delivered).toEqual({ timed_out: true });
    expect(decodeExecution(doc).delivered).toBeNull();
    const none = encodeExecution(sampleExecution());
    expect('delivered' in none).toBe(false);
    expect('delivered' in decodeExecution(none)).toBe(false);
  });

  it('writes none of them for an execution that never waited, so a Go document reads and writes as before', () => {
    const exec = parseExecution(GO_PAUSED_DOCUMENT);
    expect(exec.wait).toBeUndefined();
    expect(exec.stepRuns).toBeUndefined();
    expect(exec.checkpoints[0]?.seq).toBeUndefined();
    const doc = encodeExecution(exec);
    expect(Object.keys(doc)).not.toContain('inbox');
    expect(Object.keys(doc.checkpoints[0] ?? {})).toEqual(['id', 'step', 'state', 'timestamp']);
  });

  it.each([
    ['wait.kind', (d: Record<string, unknown>) => ((d['wait'] as Record<string, unknown>)['kind'] = 'nap')],
    ['wait.event_type', (d: Record<string, unknown>) => delete (d['wait'] as Record<string, unknown>)['event_type']],
    ['wait.until', (d: Record<string, unknown>) => (d['wait'] = { kind: 'sleep' })],
    [
      'wait.on_timeout',
      (d: Record<string, unknown>) => ((d['wait'] as Record<string, unknown>)['on_timeout'] = 'retry'),
    ],
    [
      'inbox[0].received_at',
      (d: Record<string, unknown>) => ((d['inbox'] as Record<string, unknown>[])[0]!['received_at'] = 5),
    ],
    ['inbox[0].type', (d: Record<string, unknown>) => ((d['inbox'] as Record<string, unknown>[])[0]!['type'] = '')],
    ['step_runs', (d: Record<string, unknown>) => (d['step_runs'] = -1)],
    ['max_step_runs', (d: Record<string, unknown>) => (d['max_step_runs'] = 1.5)],
    ['seen_event_ids[0]', (d: Record<string, unknown>) => (d['seen_event_ids'] = [3])],
    ['open_callbacks[0].nonce', (d: Record<string, unknown>) => (d['open_callbacks'] = [{ type: 'a' }])],
    ['delivered', (d: Record<string, unknown>) => (d['delivered'] = { timed_out: false })],
    [
      'checkpoints[0].seq',
      (d: Record<string, unknown>) => ((d['checkpoints'] as Record<string, unknown>[])[0]!['seq'] = 'x'),
    ],
  ])('refuses a malformed %s with CORRUPT_RECORD naming it', (field, change) => {
    const err = thrownBy(() => decodeExecution(damaged(change), 'exec.json'));
    expect(err.code).toBe(ErrorCode.CorruptRecord);
    expect(err.details?.['field']).toBe(field);
    expect(err.message).toContain('exec.json');
  });

  it('refuses to store a maxStepRuns below 1 with VALIDATION_ERROR naming the field', () => {
    const err = thrownBy(() => encodeExecution(waitingExecution({ maxStepRuns: 0 })));
    expect(err.code).toBe(ErrorCode.Validation);
    expect(err.details?.['field']).toBe('maxStepRuns');
  });

  it('refuses to store an invalid wait deadline with VALIDATION_ERROR naming the field', () => {
    const err = thrownBy(() => encodeExecution(waitingExecution({ wait: { kind: 'sleep', until: new Date(NaN) } })));
    expect(err.code).toBe(ErrorCode.Validation);
    expect(err.details?.['field']).toBe('wait.until');
  });
});
