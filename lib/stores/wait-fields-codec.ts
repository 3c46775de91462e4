import type { OpenCallback } from '../core/callback-tokens.js';
import { ValidationError } from '../core/errors.js';
import type { JsonObject } from '../core/json.js';
import type { Execution, ExecutionWait } from '../core/types.js';
import type { InboxEvent } from '../core/waits.js';
import type { DocumentReader } from './document-reader.js';
import type { GoExecutionDocument, GoInboxEventDocument, GoWaitDocument } from './go-execution-document.js';

// The fields of waits, events and loops in the Go-format document. The Go package
// does not write them and ignores them when it reads; an execution that never
// waited, looped or received an event writes none of the empty ones, so its
// document is what it was before they existed.

/** Writes a Date as RFC 3339, or throws naming `field`. */
export type TimestampWriter = (value: Date, field: string) => string;

/**
 * The wait, event and loop fields of `exec`, as document fields, added to `doc`
 * (returned). `where` makes the start of an error message.
 */
export function encodeWaitFields<D extends Partial<GoExecutionDocument>>(
  exec: Execution,
  stamp: TimestampWriter,
  where: () => string,
  doc: D = {} as D,
): D {
  if (exec.errorCode) doc.error_code = exec.errorCode;
  if (exec.stepRuns !== undefined) doc.step_runs = exec.stepRuns;
  if (exec.maxStepRuns !== undefined) doc.max_step_runs = encodeMaxStepRuns(exec.maxStepRuns, where);
  if (exec.wait !== undefined) doc.wait = encodeWait(exec.wait, stamp);
  if (exec.inbox?.length) doc.inbox = exec.inbox.map((e, i) => encodeEvent(e, stamp, `inbox[${i}]`));
  if (exec.seenEventIds?.length) doc.seen_event_ids = [...exec.seenEventIds];
  if (exec.openCallbacks?.length) doc.open_callbacks = exec.openCallbacks.map(({ nonce, type }) => ({ nonce, type }));
  if (exec.delivered === null) doc.delivered = { timed_out: true };
  else if (exec.delivered !== undefined)
    doc.delivered = { event: encodeEvent(exec.delivered, stamp, 'delivered.event') };
  return doc;
}

/** Reads the wait, event and loop fields of a document (absent ones stay absent). */
export function readWaitFields(o: JsonObject, r: DocumentReader): Partial<Execution> {
  const fields: Partial<Execution> = {};
  const errorCode = r.optionalString(o['error_code'], 'error_code');
  if (errorCode) fields.errorCode = errorCode;
  if (present(o['step_runs'])) fields.stepRuns = r.count(o['step_runs'], 'step_runs');
  if (present(o['max_step_runs'])) {
    const max = r.count(o['max_step_runs'], 'max_step_runs');
    fields.maxStepRuns = max === 0 ? Infinity : max;
  }
  const wait = r.optionalObject(o['wait'], 'wait');
  if (wait !== undefined) fields.wait = readWait(wait, r);
  const inbox = r.array(o['inbox'], 'inbox').map((e, i) => readEvent(e, `inbox[${i}]`, r));
  if (inbox.length > 0) fields.inbox = inbox;
  const seen = r.stringArray(o['seen_event_ids'], 'seen_event_ids');
  if (seen.length > 0) fields.seenEventIds = seen;
  const callbacks = r.array(o['open_callbacks'], 'open_callbacks').map((c, i) => readCallback(c, i, r));
  if (callbacks.length > 0) fields.openCallbacks = callbacks;
  const delivered = r.optionalObject(o['delivered'], 'delivered');
  if (delivered !== undefined) fields.delivered = readDelivered(delivered, r);
  return fields;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function encodeMaxStepRuns(max: number, where: () => string): number {
  if (max === Infinity) return 0;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new ValidationError(`${where()}: field "maxStepRuns" must be a whole number >= 1 or Infinity, got ${max}`, {
      field: 'maxStepRuns',
    });
  }
  return max;
}

function encodeWait(wait: ExecutionWait, stamp: TimestampWriter): GoWaitDocument {
  return {
    kind: wait.kind,
    ...(wait.until !== undefined ? { until: stamp(wait.until, 'wait.until') } : {}),
    ...(wait.eventType !== undefined ? { event_type: wait.eventType } : {}),
    ...(wait.onTimeout !== undefined ? { on_timeout: wait.onTimeout } : {}),
    ...(wait.timeoutMs !== undefined ? { timeout_ms: wait.timeoutMs } : {}),
  };
}

function encodeEvent(event: InboxEvent, stamp: TimestampWriter, field: string): GoInboxEventDocument {
  return {
    id: event.id,
    type: event.type,
    payload: event.payload ?? null,
    received_at: stamp(new Date(event.receivedAt), `${field}.receivedAt`),
  };
}

function readWait(o: JsonObject, r: DocumentReader): ExecutionWait {
  const kind = o['kind'];
  if (kind !== 'sleep' && kind !== 'event') r.fail('wait.kind', '"sleep" or "event"', kind);
  const wait: ExecutionWait = { kind };
  const until = r.optionalTimestamp(o['until'], 'wait.until');
  if (until !== undefined) wait.until = until;
  if (kind === 'sleep' && until === undefined) r.fail('wait.until', 'the time a sleep ends', o['until']);
  const eventType = r.optionalString(o['event_type'], 'wait.event_type');
  if (kind === 'event' && !eventType) r.fail('wait.event_type', 'the event type an event wait takes', eventType);
  if (eventType !== undefined) wait.eventType = eventType;
  const onTimeout = o['on_timeout'];
  if (onTimeout === 'fail' || onTimeout === 'continue') wait.onTimeout = onTimeout;
  else if (present(onTimeout)) r.fail('wait.on_timeout', '"fail" or "continue"', onTimeout);
  if (present(o['timeout_ms'])) wait.timeoutMs = r.count(o['timeout_ms'], 'wait.timeout_ms');
  return wait;
}

function readEvent(value: unknown, field: string, r: DocumentReader): InboxEvent {
  const o = r.object(value, field);
  return {
    id: r.string(o['id'], `${field}.id`, { nonEmpty: true }),
    type: r.string(o['type'], `${field}.type`, { nonEmpty: true }),
    payload: o['payload'] ?? null,
    receivedAt: r.timestamp(o['received_at'], `${field}.received_at`).getTime(),
  };
}

function readCallback(value: unknown, i: number, r: DocumentReader): OpenCallback {
  const o = r.object(value, `open_callbacks[${i}]`);
  return {
    nonce: r.string(o['nonce'], `open_callbacks[${i}].nonce`, { nonEmpty: true }),
    type: r.string(o['type'], `open_callbacks[${i}].type`, { nonEmpty: true }),
  };
}

function readDelivered(o: JsonObject, r: DocumentReader): InboxEvent | null {
  if (o['timed_out'] === true && o['event'] === undefined) return null;
  if (o['event'] === undefined) r.fail('delivered', '{ "event": {...} } or { "timed_out": true }', o);
  return readEvent(o['event'], 'delivered.event', r);
}
