import { ExecutionState, isExecutionState } from '../core/execution-state.js';
import type { Checkpoint, Execution } from '../core/types.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import type { DocumentReader } from './document-reader.js';
import { isRfc3339 } from './rfc3339-time.js';
import { readWaitFields } from './wait-fields-codec.js';
import { readForkFields } from './fork-fields-codec.js';
import { readUsageFields, usageFieldsReadBack } from './usage-fields-codec.js';

const STATES = Object.values(ExecutionState).join(', ');

/**
 * Reads an execution out of a Go-format JSON document (see `GoExecutionDocument`),
 * checking every field and every invariant the engine relies on. Absent or `null`
 * optional fields, `checkpoints` and `metadata` read as Go reads them: as empty.
 * The returned execution shares `metadata` and checkpoint `state` values with `doc`.
 */
export function readExecutionDocument(doc: unknown, r: DocumentReader): Execution {
  const o = r.object(doc, '(document)');
  const id = r.string(o['id'], 'id', { nonEmpty: true });
  const name = r.string(o['name'], 'name');
  const state = o['state'];
  if (!isExecutionState(state)) r.fail('state', `one of ${STATES}`, state);
  const totalSteps = r.count(o['total_steps'], 'total_steps');
  const currentStep = r.count(o['current_step'], 'current_step');
  if (currentStep > totalSteps) r.fail('current_step', `at most total_steps (${totalSteps})`, currentStep);
  const stepNames = r.stringArray(o['step_names'], 'step_names');
  if (stepNames.length > 0 && stepNames.length !== totalSteps) {
    r.fail('step_names', `${totalSteps} names, one per step`, stepNames);
  }
  const exec: Execution = {
    id,
    name,
    state,
    progress: r.number(o['progress'], 'progress', 0, 100),
    currentStep,
    totalSteps,
    startTime: r.timestamp(o['start_time'], 'start_time'),
    lastUpdate: r.timestamp(o['last_update'], 'last_update'),
    checkpoints: r.array(o['checkpoints'], 'checkpoints').map((cp, i) => readCheckpoint(cp, `checkpoints[${i}]`, r)),
    metadata: r.optionalObject(o['metadata'], 'metadata') ?? {},
  };
  if (stepNames.length > 0) exec.stepNames = stepNames;
  const endTime = r.optionalTimestamp(o['end_time'], 'end_time');
  if (endTime !== undefined) exec.endTime = endTime;
  const error = r.optionalString(o['error'], 'error');
  if (error) exec.error = error;
  Object.assign(exec, readWaitFields(o, r), readForkFields(o, r), readUsageFields(o, r));
  return exec;
}

function readCheckpoint(value: unknown, field: string, r: DocumentReader): Checkpoint {
  const o = r.object(value, field);
  const cp: Checkpoint = {
    id: r.string(o['id'], `${field}.id`),
    step: r.count(o['step'], `${field}.step`),
    state: o['state'] ?? null,
    timestamp: r.timestamp(o['timestamp'], `${field}.timestamp`),
  };
  const metadata = r.optionalObject(o['metadata'], `${field}.metadata`);
  if (metadata !== undefined) cp.metadata = metadata;
  if (o['seq'] !== undefined && o['seq'] !== null) cp.seq = r.count(o['seq'], `${field}.seq`);
  const stepName = r.optionalString(o['step_name'], `${field}.step_name`);
  if (stepName !== undefined) cp.stepName = stepName;
  const superseded = o['superseded'];
  if (superseded === true) cp.superseded = true;
  else if (superseded !== undefined && superseded !== null) r.fail(`${field}.superseded`, 'true', superseded);
  if (o['rewound_to'] !== undefined && o['rewound_to'] !== null) {
    cp.rewoundTo = r.count(o['rewound_to'], `${field}.rewound_to`);
  }
  const awaits = r.optionalString(o['awaits'], `${field}.awaits`);
  if (awaits !== undefined) cp.awaits = awaits;
  return cp;
}

/**
 * True when {@link readExecutionDocument} certainly reads `doc` without an error: a
 * plain check of the usual document, which builds nothing. It says false for
 * anything it does not check itself (waits, events, callbacks) and for anything
 * wrong; the caller then reads the document to learn what (or to find it fine).
 * Keep it no looser than the reader: true must mean the reader succeeds.
 */
export function readsBack(doc: JsonObject): boolean {
  const totalSteps = doc['total_steps'];
  const currentStep = doc['current_step'];
  const stepNames = doc['step_names'];
  const progress = doc['progress'];
  const id = doc['id'];
  if (
    typeof id !== 'string' ||
    id === '' ||
    typeof doc['name'] !== 'string' ||
    !isExecutionState(doc['state']) ||
    !isCount(totalSteps) ||
    !isCount(currentStep) ||
    currentStep > totalSteps ||
    typeof progress !== 'number' ||
    !(progress >= 0 && progress <= 100) ||
    !isTimestamp(doc['start_time']) ||
    !isTimestamp(doc['last_update']) ||
    !isAbsentOr(doc['end_time'], isTimestamp) ||
    !isAbsentOr(doc['metadata'], isJsonObject) ||
    !isAbsentOr(doc['error'], isString) ||
    !isAbsentOr(doc['error_code'], isString) ||
    !isAbsentOr(doc['step_runs'], isCount) ||
    !isAbsentOr(doc['max_step_runs'], isCount) ||
    !usageFieldsReadBack(doc)
  ) {
    return false;
  }
  for (const field of UNCHECKED_FIELDS) if (doc[field] !== undefined && doc[field] !== null) return false;
  if (stepNames !== undefined && stepNames !== null) {
    if (!Array.isArray(stepNames)) return false;
    if (stepNames.length > 0 && stepNames.length !== totalSteps) return false;
    for (const name of stepNames) if (typeof name !== 'string') return false;
  }
  const checkpoints = doc['checkpoints'];
  if (checkpoints === undefined || checkpoints === null) return true;
  if (!Array.isArray(checkpoints)) return false;
  for (const cp of checkpoints) if (!checkpointReadsBack(cp)) return false;
  return true;
}

/** The wait, event, callback, fork and rewind fields, which {@link readsBack} leaves to the reader. */
const UNCHECKED_FIELDS = [
  'wait',
  'inbox',
  'seen_event_ids',
  'open_callbacks',
  'delivered',
  'forked_from',
  'superseded',
] as const;

function checkpointReadsBack(cp: unknown): boolean {
  if (!isJsonObject(cp)) return false;
  return (
    typeof cp['id'] === 'string' &&
    isCount(cp['step']) &&
    isTimestamp(cp['timestamp']) &&
    isAbsentOr(cp['metadata'], isJsonObject) &&
    isAbsentOr(cp['seq'], isCount) &&
    isAbsentOr(cp['step_name'], isString) &&
    isAbsentOr(cp['superseded'], (v) => v === true) &&
    isAbsentOr(cp['rewound_to'], isCount) &&
    isAbsentOr(cp['awaits'], isString)
  );
}

function isAbsentOr(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || value === null || check(value);
}

function isString(value: unknown): boolean {
  return typeof value === 'string';
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isTimestamp(value: unknown): boolean {
  return typeof value === 'string' && isRfc3339(value);
}
