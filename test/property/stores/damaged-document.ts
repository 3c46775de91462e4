import fc from 'fast-check';
import { encodeExecution } from '../../../lib/stores/execution-codec.js';
import { executionArb, stateArb } from './execution-arbitrary.js';
import { goTimestampArb, writeAsGo } from './go-timestamp.js';

/** The fields of the Go-format document, in the order it is written: the Go package's, then the wait fields. */
export const DOCUMENT_FIELDS = [
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
  'error_code',
  'step_runs',
  'max_step_runs',
  'wait',
  'inbox',
  'seen_event_ids',
  'open_callbacks',
  'delivered',
];
const CHECKPOINT_FIELDS = ['id', 'step', 'state', 'timestamp', 'metadata', 'seq', 'step_name'].map(
  (f) => `checkpoints.0.${f}`,
);

/** What a field becomes: removed, any JSON value, a timestamp as Go writes it, or a number near a bound. */
const replacementArb = fc.oneof(
  fc.constant({ remove: true as const }),
  fc.record({
    value: fc.oneof(
      stateArb,
      goTimestampArb.map(writeAsGo),
      fc.constantFrom(-1, 0, 0.5, 100, 100.5, 2 ** 53, '', null, 'running', []),
    ),
  }),
);

/**
 * A Go-format document with one field (of the execution, or of its first
 * checkpoint) removed or replaced: what a file edited by hand, truncated, or
 * written by another version could hold.
 */
export const damagedDocumentArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    exec: executionArb,
    field: fc.constantFrom(...DOCUMENT_FIELDS, ...CHECKPOINT_FIELDS),
    replacement: replacementArb,
  })
  .map(({ exec, field, replacement }) => {
    const doc = JSON.parse(JSON.stringify(encodeExecution(exec))) as Record<string, unknown>;
    const [target, key] = field.startsWith('checkpoints.0.')
      ? [(doc['checkpoints'] as Record<string, unknown>[])[0] ?? doc, field.slice('checkpoints.0.'.length)]
      : [doc, field];
    if ('remove' in replacement) delete target[key];
    else target[key] = replacement.value;
    return doc;
  });
