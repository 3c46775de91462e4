import { ExecutionState, isExecutionState } from '../core/execution-state.js';
import type { Checkpoint, Execution } from '../core/types.js';
import type { DocumentReader } from './document-reader.js';
import { readWaitFields } from './wait-fields-codec.js';

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
  Object.assign(exec, readWaitFields(o, r));
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
  return cp;
}
