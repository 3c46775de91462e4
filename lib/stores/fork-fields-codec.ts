import type { JsonObject } from '../core/json.js';
import type { Execution, SeqRange } from '../core/types.js';
import type { DocumentReader } from './document-reader.js';
import type { GoExecutionDocument } from './go-execution-document.js';

// The fields of forks and rewinds in the Go-format document: `forked_from` and
// `superseded` on the execution (`superseded` and `rewound_to` on a checkpoint are
// read with the checkpoint). The Go package does not write them and ignores them; an
// execution never forked or rewound writes none of them.

/** The fork and rewind fields of `exec`, as document fields, added to `doc` (returned). */
export function encodeForkFields<D extends Partial<GoExecutionDocument>>(exec: Execution, doc: D = {} as D): D {
  if (exec.forkedFrom !== undefined) {
    doc.forked_from = { execution_id: exec.forkedFrom.executionId, checkpoint: exec.forkedFrom.checkpoint };
  }
  if (exec.superseded?.length) doc.superseded = exec.superseded.map(([first, last]): SeqRange => [first, last]);
  return doc;
}

/** Reads the fork and rewind fields of a document (absent ones stay absent). */
export function readForkFields(o: JsonObject, r: DocumentReader): Partial<Execution> {
  const fields: Partial<Execution> = {};
  const from = r.optionalObject(o['forked_from'], 'forked_from');
  if (from !== undefined) {
    fields.forkedFrom = {
      executionId: r.string(from['execution_id'], 'forked_from.execution_id', { nonEmpty: true }),
      checkpoint: r.count(from['checkpoint'], 'forked_from.checkpoint'),
    };
  }
  const ranges = r.array(o['superseded'], 'superseded').map((range, i) => readRange(range, `superseded[${i}]`, r));
  if (ranges.length > 0) fields.superseded = ranges;
  return fields;
}

function readRange(value: unknown, field: string, r: DocumentReader): SeqRange {
  if (!Array.isArray(value) || value.length !== 2) r.fail(field, 'a [first, last] pair of sequence numbers', value);
  const first = r.count(value[0], `${field}[0]`);
  const last = r.count(value[1], `${field}[1]`);
  if (last < first) r.fail(field, 'a [first, last] pair with first <= last', value);
  return [first, last];
}
