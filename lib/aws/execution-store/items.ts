import type { ErrorInfo } from '../../core/errors.js';
import { EventType } from '../../core/events.js';
import { isExecutionState } from '../../core/execution-state.js';
import type { ExecutionHead, RecordedEvent, StoredCheckpoint } from '../../runtime/model.js';
import { isActive, stateJsonText } from '../../runtime/store-rules.js';
import { readWaitAttributes, setWaitAttributes } from './wait-items.js';
import { rememberClaimSeq } from './claim-seq.js';
import { ItemReader } from '../dynamodb/item-reader.js';
import type { Item } from '../dynamodb/table-context.js';
import { TableKeys, activeShard, checkpointSk, execPk, listSortKey } from '../schema/table-schema.js';

const EVENT_TYPES: ReadonlySet<string> = new Set(Object.values(EventType));

/**
 * The item of an execution head. `data` is stored as JSON text (a predictable
 * size); `workflow` is left out when empty (index keys cannot be empty strings);
 * `activePk` (the `active` index shard) is present exactly while the head is active
 * (`isActive`: running, or waiting with a due time), so the sparse index holds the
 * heads the sweeper may have to act on, by `sweepAt`.
 */
export function headToItem(h: ExecutionHead): Item {
  const item: Item = {
    pk: execPk(h.id),
    sk: TableKeys.headSk,
    id: h.id,
    name: h.name,
    state: h.state,
    listSk: listSortKey(h.startTime, h.id),
    stepNames: [...h.stepNames],
    currentStep: h.currentStep,
    totalSteps: h.totalSteps,
    progress: h.progress,
    version: h.version,
    claims: h.claims,
    startTime: h.startTime,
    lastUpdate: h.lastUpdate,
    metadata: { ...h.metadata },
    events: h.events.map(eventToMap),
  };
  if (h.workflow !== '') item['workflow'] = h.workflow;
  // Absent for a workflow without a version: such a head writes the same bytes as before the field existed.
  setDefined(item, 'workflowVersion', h.workflowVersion);
  setDefined(item, 'data', stateJsonText(h.data, h.id));
  setDefined(item, 'leaseOwner', h.leaseOwner);
  setDefined(item, 'leaseExpiresAt', h.leaseExpiresAt);
  setDefined(item, 'lastWriter', h.lastWriter);
  setDefined(item, 'sweepAt', h.sweepAt);
  if (isActive(h)) item['activePk'] = activeShard(h.id);
  setWaitAttributes(item, h);
  setDefined(item, 'endTime', h.endTime);
  if (h.error !== undefined) item['error'] = { code: h.error.code, message: h.error.message };
  setDefined(item, 'idempotencyKey', h.idempotencyKey);
  if (h.forkedFrom) item['forkedFrom'] = { executionId: h.forkedFrom.executionId, checkpoint: h.forkedFrom.checkpoint };
  if (h.superseded?.length) item['superseded'] = h.superseded.map(([a, b]) => [a, b]);
  // Absent when empty: a head whose steps report nothing pays no byte for them.
  if (h.usage && Object.keys(h.usage).length > 0) item['usage'] = { ...h.usage };
  if (h.budget && Object.keys(h.budget).length > 0) item['budget'] = { ...h.budget };
  if (h.throttled) item['throttled'] = { ...h.throttled };
  return item;
}

/** Reads a head item; `CORRUPT_RECORD` (naming the field) when it is malformed. */
export function itemToHead(item: Item): ExecutionHead {
  const r = new ItemReader(item, `head item ${String(item['pk'])}`);
  const state = r.string('state');
  if (!isExecutionState(state)) throw r.fail('state', 'an execution state', state);
  const stepNames = r.list('stepNames').map((name, i) => {
    if (typeof name !== 'string') throw r.fail(`stepNames[${i}]`, 'a string', name);
    return name;
  });
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(r.map('metadata'))) {
    if (typeof value !== 'string') throw r.fail(`metadata.${key}`, 'a string', value);
    metadata[key] = value;
  }
  const currentStep = r.number('currentStep');
  const head: ExecutionHead = {
    id: r.string('id'),
    name: r.string('name'),
    workflow: r.optionalString('workflow') ?? '',
    state,
    stepNames,
    currentStep,
    totalSteps: r.number('totalSteps'),
    progress: r.number('progress'),
    data: r.json('data'),
    version: r.number('version'),
    claims: r.number('claims'),
    startTime: r.number('startTime'),
    lastUpdate: r.number('lastUpdate'),
    metadata,
    events: r.list('events').map((e, i) => readEvent(e, `events[${i}]`, r)),
    ...readWaitAttributes(item, r, currentStep),
  };
  // Absent on heads written before the field existed, and for workflows without a version.
  setDefined(head, 'workflowVersion', r.optionalString('workflowVersion'));
  setDefined(head, 'leaseOwner', r.optionalString('leaseOwner'));
  setDefined(head, 'leaseExpiresAt', r.optionalNumber('leaseExpiresAt'));
  setDefined(head, 'lastWriter', r.optionalString('lastWriter'));
  setDefined(head, 'sweepAt', r.optionalNumber('sweepAt'));
  setDefined(head, 'endTime', r.optionalNumber('endTime'));
  if (item['error'] !== undefined) head.error = readErrorInfo(r.map('error'), 'error', r);
  setDefined(head, 'idempotencyKey', r.optionalString('idempotencyKey'));
  if (item['forkedFrom'] !== undefined) {
    const origin = new ItemReader(r.map('forkedFrom'), 'forkedFrom');
    head.forkedFrom = { executionId: origin.string('executionId'), checkpoint: origin.number('checkpoint') };
  }
  if (item['superseded'] !== undefined) head.superseded = readRanges(r.list('superseded'), r);
  if (item['usage'] !== undefined) head.usage = readAmounts(r.map('usage'), 'usage', r);
  if (item['budget'] !== undefined) head.budget = readAmounts(r.map('budget'), 'budget', r);
  if (item['throttled'] !== undefined) {
    const t = new ItemReader(r.map('throttled'), 'throttled');
    head.throttled = { key: t.string('key'), inUse: t.number('inUse'), since: t.number('since') };
    setDefined(head.throttled, 'limit', t.optionalNumber('limit'));
  }
  rememberClaimSeq(head, item['claimSeq']);
  return head;
}

/** The item of a checkpoint (`CP#<seq>`), its state as JSON text. */
export function checkpointToItem(cp: StoredCheckpoint): Item {
  const item: Item = {
    pk: execPk(cp.executionId),
    sk: checkpointSk(cp.seq),
    id: cp.id,
    executionId: cp.executionId,
    seq: cp.seq,
    step: cp.step,
    timestamp: cp.timestamp,
  };
  setDefined(item, 'stepName', cp.stepName);
  setDefined(item, 'data', stateJsonText(cp.state, cp.executionId));
  setDefined(item, 'rewoundTo', cp.rewoundTo);
  setDefined(item, 'awaits', cp.awaits);
  return item;
}

/** Reads a checkpoint item; `CORRUPT_RECORD` when it is malformed. */
export function itemToCheckpoint(item: Item): StoredCheckpoint {
  const r = new ItemReader(item, `checkpoint item ${String(item['pk'])}/${String(item['sk'])}`);
  const step = r.number('step');
  const cp: StoredCheckpoint = {
    id: r.string('id'),
    executionId: r.string('executionId'),
    // Checkpoints written before loops existed are keyed by their step.
    seq: r.optionalNumber('seq') ?? step,
    step,
    state: r.json('data'),
    timestamp: r.number('timestamp'),
  };
  setDefined(cp, 'stepName', r.optionalString('stepName'));
  setDefined(cp, 'rewoundTo', r.optionalNumber('rewoundTo'));
  setDefined(cp, 'awaits', r.optionalString('awaits'));
  return cp;
}

/** A recorded event as a map attribute (optional fields left out). */
export function eventToMap(e: RecordedEvent): Item {
  const map: Item = { type: e.type, step: e.step, at: e.at };
  setDefined(map, 'attempt', e.attempt);
  if (e.error !== undefined) map['error'] = { code: e.error.code, message: e.error.message };
  return map;
}

function readEvent(value: unknown, field: string, r: ItemReader): RecordedEvent {
  if (typeof value !== 'object' || value === null) throw r.fail(field, 'a map', value);
  const e = new ItemReader(value as Item, field);
  const type = e.string('type');
  if (!EVENT_TYPES.has(type)) throw r.fail(`${field}.type`, 'an event type', type);
  const event: RecordedEvent = { type: type as EventType, step: e.number('step'), at: e.number('at') };
  setDefined(event, 'attempt', e.optionalNumber('attempt'));
  if ((value as Item)['error'] !== undefined) event.error = readErrorInfo(e.map('error'), `${field}.error`, r);
  return event;
}

function readRanges(list: unknown[], r: ItemReader): [number, number][] {
  return list.map((range, i) => {
    const [from, to] = Array.isArray(range) ? (range as unknown[]) : [];
    if (!Array.isArray(range) || range.length !== 2 || typeof from !== 'number' || typeof to !== 'number') {
      throw r.fail(`superseded[${i}]`, 'a [from, to] pair of numbers', range);
    }
    return [from, to];
  });
}

/** A map of amounts by unit (usage, budget). */
function readAmounts(map: Item, field: string, r: ItemReader): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [unit, amount] of Object.entries(map)) {
    if (typeof amount !== 'number' || !Number.isFinite(amount)) throw r.fail(`${field}.${unit}`, 'a number', amount);
    out[unit] = amount;
  }
  return out;
}

function readErrorInfo(map: Item, field: string, r: ItemReader): ErrorInfo {
  const { code, message } = map;
  if (typeof code !== 'string' || typeof message !== 'string') throw r.fail(field, '{ code, message } strings', map);
  return { code, message };
}

function setDefined<T extends object>(target: T, key: string, value: unknown): void {
  if (value !== undefined) (target as Record<string, unknown>)[key] = value;
}
