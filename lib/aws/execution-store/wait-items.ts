import type { OpenCallback } from '../../core/callback-tokens.js';
import { DEFAULT_MAX_STEP_RUNS, type InboxEvent, type PendingWait } from '../../core/waits.js';
import type { ExecutionHead } from '../../runtime/model.js';
import { ItemReader } from '../dynamodb/item-reader.js';
import type { Item } from '../dynamodb/table-context.js';

// The head attributes of waits, events and loops. Empty lists and a zero inboxSeq are
// left out, so that a head that never waited costs no bytes more, and items written
// before these attributes existed read as the defaults: stepRuns = currentStep,
// maxStepRuns = DEFAULT_MAX_STEP_RUNS (0 is stored for "no limit"), nothing waiting.
// Event payloads are stored as JSON text, as states are.

type WaitFields = Pick<
  ExecutionHead,
  'stepRuns' | 'maxStepRuns' | 'wait' | 'inbox' | 'seenEventIds' | 'callbacks' | 'delivered' | 'inboxSeq'
>;

/** Sets the wait, inbox and loop attributes of `h` on `item`. */
export function setWaitAttributes(item: Item, h: ExecutionHead): void {
  item['stepRuns'] = h.stepRuns;
  item['maxStepRuns'] = h.maxStepRuns;
  if (h.wait) item['wait'] = { ...h.wait };
  if (h.inbox.length > 0) item['inbox'] = h.inbox.map(eventToMap);
  if (h.seenEventIds.length > 0) item['seenEventIds'] = [...h.seenEventIds];
  if (h.callbacks.length > 0) item['callbacks'] = h.callbacks.map((c) => ({ nonce: c.nonce, type: c.type }));
  if (h.delivered !== undefined) item['delivered'] = h.delivered === null ? null : eventToMap(h.delivered);
  if (h.inboxSeq !== 0) item['inboxSeq'] = h.inboxSeq;
}

/** Reads the wait, inbox and loop attributes (defaults for absent ones); CORRUPT_RECORD naming a bad field. */
export function readWaitAttributes(item: Item, r: ItemReader, currentStep: number): WaitFields {
  const fields: WaitFields = {
    stepRuns: r.optionalNumber('stepRuns') ?? currentStep,
    maxStepRuns: r.optionalNumber('maxStepRuns') ?? DEFAULT_MAX_STEP_RUNS,
    inbox: optionalList(item, r, 'inbox').map((e, i) => readEvent(e, `inbox[${i}]`, r)),
    seenEventIds: optionalList(item, r, 'seenEventIds').map((id, i) => {
      if (typeof id !== 'string') throw r.fail(`seenEventIds[${i}]`, 'a string', id);
      return id;
    }),
    callbacks: optionalList(item, r, 'callbacks').map((c, i) => readCallback(c, `callbacks[${i}]`, r)),
    inboxSeq: r.optionalNumber('inboxSeq') ?? 0,
  };
  if (item['wait'] !== undefined) fields.wait = readWait(r.map('wait'), r);
  const delivered = item['delivered'];
  if (delivered === null) fields.delivered = null;
  else if (delivered !== undefined) fields.delivered = readEvent(delivered, 'delivered', r);
  return fields;
}

function optionalList(item: Item, r: ItemReader, field: string): unknown[] {
  return item[field] === undefined ? [] : r.list(field);
}

function eventToMap(e: InboxEvent): Item {
  return { id: e.id, type: e.type, payload: JSON.stringify(e.payload ?? null), receivedAt: e.receivedAt };
}

function readEvent(value: unknown, field: string, r: ItemReader): InboxEvent {
  const e = new ItemReader(asMap(value, field, r), field);
  return { id: e.string('id'), type: e.string('type'), payload: e.json('payload'), receivedAt: e.number('receivedAt') };
}

function readCallback(value: unknown, field: string, r: ItemReader): OpenCallback {
  const c = new ItemReader(asMap(value, field, r), field);
  return { nonce: c.string('nonce'), type: c.string('type') };
}

function readWait(map: Record<string, unknown>, r: ItemReader): PendingWait {
  const w = new ItemReader(map, 'wait');
  const kind = w.string('kind');
  if (kind !== 'sleep' && kind !== 'event') throw r.fail('wait.kind', "'sleep' or 'event'", kind);
  const wait: PendingWait = { kind };
  const until = w.optionalNumber('until');
  const eventType = w.optionalString('eventType');
  const onTimeout = w.optionalString('onTimeout');
  const timeoutMs = w.optionalNumber('timeoutMs');
  if (until !== undefined) wait.until = until;
  if (eventType !== undefined) wait.eventType = eventType;
  if (onTimeout !== undefined) {
    if (onTimeout !== 'fail' && onTimeout !== 'continue')
      throw r.fail('wait.onTimeout', "'fail' or 'continue'", onTimeout);
    wait.onTimeout = onTimeout;
  }
  if (timeoutMs !== undefined) wait.timeoutMs = timeoutMs;
  return wait;
}

function asMap(value: unknown, field: string, r: ItemReader): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw r.fail(field, 'a map', value);
  return value as Record<string, unknown>;
}
