import { ErrorCode, LongRunningError, ValidationError, toError } from '../core/errors.js';
import type { Checkpoint, Execution } from '../core/types.js';
import type { JsonObject } from '../core/json.js';
import { DocumentReader } from './document-reader.js';
import type { GoCheckpointDocument, GoExecutionDocument } from './go-execution-document.js';
import { readExecutionDocument, readsBack } from './read-execution-document.js';
import { formatRfc3339 } from './rfc3339-time.js';
import { encodeWaitFields } from './wait-fields-codec.js';
import { encodeForkFields } from './fork-fields-codec.js';
import { encodeUsageFields } from './usage-fields-codec.js';

const DEFAULT_SOURCE = 'execution document';

/** Go field names as the TypeScript property names a caller of `encodeExecution` knows. */
const TS_FIELD: Readonly<Record<string, string>> = {
  current_step: 'currentStep',
  total_steps: 'totalSteps',
  step_names: 'stepNames',
  start_time: 'startTime',
  last_update: 'lastUpdate',
  end_time: 'endTime',
  error_code: 'errorCode',
  step_runs: 'stepRuns',
  max_step_runs: 'maxStepRuns',
  seen_event_ids: 'seenEventIds',
  open_callbacks: 'openCallbacks',
  forked_from: 'forkedFrom',
};

/**
 * Converts an execution into the JSON document of the Go package `longrunning`
 * v1.3.0: snake_case field names, RFC 3339 UTC timestamps, `checkpoints` always
 * written, and `step_names`, `end_time`, `metadata`, `error` (and checkpoint
 * `metadata`) left out when empty, as Go's `omitempty` does. Metadata and checkpoint
 * states are referenced, not copied. The fields of waits, events and loops (`wait`,
 * `inbox`, `step_runs`, checkpoint `seq`...) are added the same way, only when set;
 * the Go package ignores them.
 *
 * Throws {@link ValidationError} (code `VALIDATION_ERROR`, naming the field) when the
 * execution could not be read back: an invalid Date, a negative or fractional step,
 * progress outside 0-100, an unknown state, and so on.
 *
 * @example
 * const doc = encodeExecution(exec); // { id, name, state, progress, current_step, ... }
 */
export function encodeExecution(exec: Execution): GoExecutionDocument {
  const id = exec.id;
  if (!Array.isArray(exec.checkpoints)) {
    throw new ValidationError(`${cannotStore(id)}: checkpoints must be an array`, { field: 'checkpoints' });
  }
  // Fields are added in the document's order, each only when set (no spreads: a save
  // builds this document at every step).
  const doc = {
    id: exec.id,
    name: exec.name,
    state: exec.state,
    progress: exec.progress,
    current_step: exec.currentStep,
    total_steps: exec.totalSteps,
  } as GoExecutionDocument;
  if (exec.stepNames !== undefined && exec.stepNames.length > 0) doc.step_names = [...exec.stepNames];
  doc.start_time = timestamp(exec.startTime, 'startTime', id);
  doc.last_update = timestamp(exec.lastUpdate, 'lastUpdate', id);
  if (exec.endTime !== undefined) doc.end_time = timestamp(exec.endTime, 'endTime', id);
  const checkpoints: GoCheckpointDocument[] = new Array<GoCheckpointDocument>(exec.checkpoints.length);
  for (let i = 0; i < checkpoints.length; i++) checkpoints[i] = encodeCheckpoint(exec.checkpoints[i]!, i, id);
  doc.checkpoints = checkpoints;
  if (hasKeys(exec.metadata)) doc.metadata = exec.metadata;
  if (exec.error) doc.error = exec.error;
  encodeWaitFields(
    exec,
    (value, field) => timestamp(value, field, id),
    () => cannotStore(id),
    doc,
  );
  encodeForkFields(exec, doc);
  encodeUsageFields(exec, doc);
  // Check the document with the decoder itself, so that whatever is stored can be
  // loaded: at once when a plain check shows that it reads back (the usual case),
  // else by reading it, which throws naming the field.
  if (!readsBack(doc as unknown as JsonObject)) {
    readExecutionDocument(
      doc,
      new DocumentReader((field, problem) => {
        const name = field.replace(/^[a-z_]+/, (head) => TS_FIELD[head] ?? head);
        return new ValidationError(`${cannotStore(id)}: field "${name}" ${problem}`, { field: name, id: exec.id });
      }),
    );
  }
  return doc;
}

/**
 * Reads an execution from a Go-format JSON value (already parsed), accepting what Go
 * writes: nanosecond fractions (truncated to milliseconds), `Z` or `±hh:mm` offsets,
 * omitted optional fields, `checkpoints: null`, `metadata: null`.
 *
 * Throws {@link LongRunningError} with code `CORRUPT_RECORD` naming the field and
 * `source` (a file name, a key) when the document is malformed.
 */
export function decodeExecution(doc: unknown, source: string = DEFAULT_SOURCE): Execution {
  return readExecutionDocument(doc, new DocumentReader((field, problem) => corruptRecord(source, field, problem)));
}

/**
 * The JSON text of an execution in the Go package's format (compact, like Go's
 * `json.Marshal`). Throws `VALIDATION_ERROR` as {@link encodeExecution} does, and
 * also when a state or metadata value cannot be written as JSON (a cycle, a BigInt).
 *
 * @example
 * await writeFile(`${exec.id}.json`, serializeExecution(exec));
 */
export function serializeExecution(exec: Execution): string {
  const doc = encodeExecution(exec);
  try {
    return JSON.stringify(doc);
  } catch (thrown) {
    throw new LongRunningError(
      ErrorCode.Validation,
      `cannot store execution ${JSON.stringify(exec.id)}: its state or metadata is not JSON-serializable ` +
        `(${toError(thrown).message})`,
      { cause: thrown, details: { id: exec.id } },
    );
  }
}

/**
 * Parses JSON text written by {@link serializeExecution} or by the Go package.
 * Throws code `CORRUPT_RECORD`, naming `source`, for text that is not JSON or not a
 * valid execution document.
 */
export function parseExecution(text: string, source: string = DEFAULT_SOURCE): Execution {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (thrown) {
    throw corruptRecord(source, '(document)', `is not valid JSON (${toError(thrown).message})`, thrown);
  }
  return decodeExecution(doc, source);
}

function encodeCheckpoint(cp: Checkpoint, index: number, id: string): GoCheckpointDocument {
  const ts = cp.timestamp instanceof Date ? formatRfc3339(cp.timestamp) : undefined;
  const doc: GoCheckpointDocument = {
    id: cp.id,
    step: cp.step,
    state: cp.state ?? null,
    timestamp: ts ?? timestamp(cp.timestamp, `checkpoints[${index}].timestamp`, id),
  };
  if (hasKeys(cp.metadata)) doc.metadata = cp.metadata;
  if (cp.seq !== undefined) doc.seq = cp.seq;
  if (cp.stepName !== undefined) doc.step_name = cp.stepName;
  if (cp.superseded === true) doc.superseded = true;
  if (cp.rewoundTo !== undefined) doc.rewound_to = cp.rewoundTo;
  if (cp.awaits !== undefined) doc.awaits = cp.awaits;
  return doc;
}

/** True for a value with an own enumerable key (what `Object.keys(value).length > 0` says, without the array). */
function hasKeys<T extends object>(value: T | undefined | null): value is T {
  if (value === undefined || value === null) return false;
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return Object.keys(value).length > 0;
}

/** The start of the message of an error of a save: made only when there is one. */
function cannotStore(id: string): string {
  return `cannot store execution ${JSON.stringify(id)}`;
}

function timestamp(value: Date, field: string, id: string): string {
  const text = value instanceof Date ? formatRfc3339(value) : undefined;
  if (text === undefined) {
    throw new ValidationError(`${cannotStore(id)}: field "${field}" must be a valid Date in years 0000-9999`, {
      field,
    });
  }
  return text;
}

function corruptRecord(source: string, field: string, problem: string, cause?: unknown): LongRunningError {
  const message = `corrupt execution record in ${source}: field "${field}" ${problem}`;
  return new LongRunningError(ErrorCode.CorruptRecord, message, { cause, details: { source, field } });
}
