import { ErrorCode, LongRunningError, ValidationError, type ErrorInfo } from './errors.js';
import { assertEventType, isStepDirective, type OnTimeout } from './directives.js';
import { assertSafeId, newId } from './ids.js';
import { assertJsonValue } from './json.js';

// The step model's rules for waits, events and loops, as pure functions over epoch
// milliseconds, written once for both drivers (the Executor and the serverless
// runtime): what a step's result means, what an event does, when a wait ends.

/** What a waiting (or paused-while-waiting) execution waits for. */
export interface PendingWait {
  kind: 'sleep' | 'event';
  /** When the sleep ends, or when the event wait times out (absent: no timeout). */
  until?: number;
  /** The event type an event wait takes. */
  eventType?: string;
  /** What an event wait's timeout does. */
  onTimeout?: OnTimeout;
  /** An event wait's timeout as asked for, kept so that `retry` can wait as long again. */
  timeoutMs?: number;
}

/** An event kept on the execution until a wait takes it. */
export interface InboxEvent {
  id: string;
  type: string;
  /** The event's JSON payload (null when none was given). */
  payload: unknown;
  /** When the engine received it, epoch ms. */
  receivedAt: number;
}

/** `ctx.event` in the step that runs after a wait. */
export interface StepEvent {
  id: string;
  type: string;
  payload: unknown;
  /** ISO 8601. */
  receivedAt: string;
}

/** The event a satisfied wait hands to the next step: an event, or null after a timeout with `onTimeout: 'continue'`. */
export type DeliveredEvent = InboxEvent | null;

/** Events kept at most in an execution's inbox (beyond it a send fails with INBOX_FULL). */
export const MAX_INBOX_EVENTS = 20;
/** Payload bytes (JSON, UTF-8) kept at most in an execution's inbox. */
export const MAX_INBOX_BYTES = 64 * 1024;
/** Event ids remembered per execution to drop a repeated `eventId`. */
export const MAX_SEEN_EVENT_IDS = 100;
/** Steps an execution may run unless it says otherwise (loops count every run). */
export const DEFAULT_MAX_STEP_RUNS = 10_000;

/** Throws VALIDATION_ERROR unless `value` is a positive whole number or Infinity. */
export function assertMaxStepRuns(value: unknown, where: string): asserts value is number {
  if (value !== Infinity && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1))
    throw new ValidationError(`${where}: maxStepRuns must be a whole number >= 1 or Infinity, got ${String(value)}`);
}

/** The event as the step sees it. */
export function stepEventOf(event: DeliveredEvent | undefined): StepEvent | null | undefined {
  if (event === undefined || event === null) return event;
  const { id, type, payload, receivedAt } = event;
  return { id, type, payload, receivedAt: new Date(receivedAt).toISOString() };
}

/** An event as a caller sends it. */
export interface EventInput {
  type: string;
  payload?: unknown;
  /** Deduplication key: the same id twice delivers once. Generated when absent. */
  eventId?: string;
}

/** Checks an event sent by a caller and stamps it; VALIDATION_ERROR names what is wrong. */
export function acceptEvent(input: unknown, now: number): InboxEvent {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new ValidationError('an event must be an object { type, payload?, eventId? }');
  const { type, payload, eventId } = input as Partial<EventInput>;
  assertEventType(type);
  if (payload !== undefined) assertJsonValue(payload, 'the event payload');
  const id = eventId === undefined ? newId('evt') : assertSafeId(eventId, 'eventId');
  return { id, type, payload: payload ?? null, receivedAt: now };
}

/** The parts of an execution that events and waits read and change. */
export interface WaitFacts {
  wait?: PendingWait;
  inbox: readonly InboxEvent[];
  seenEventIds: readonly string[];
}

/** How a sent event was taken. */
export type Delivery = 'resumed' | 'buffered' | 'duplicate';

/** What sending an event changes. */
export interface EventOutcome {
  delivery: Delivery;
  inbox: InboxEvent[];
  seenEventIds: string[];
  /** Set when the event ends the execution's wait: the next step runs with it. */
  delivered?: InboxEvent;
}

/**
 * An event arrives for an execution that is not finished. When it is waiting for
 * that type (and not paused), the wait ends with it ("resumed"); otherwise it is kept
 * in the inbox ("buffered"), and a repeated id changes nothing ("duplicate"). A full
 * inbox refuses it with INBOX_FULL (409) and keeps what it has.
 */
export function receiveEvent(facts: WaitFacts, event: InboxEvent, waiting: boolean): EventOutcome {
  const inbox = [...facts.inbox];
  const seen = [...facts.seenEventIds];
  if (seen.includes(event.id) || inbox.some((e) => e.id === event.id))
    return { delivery: 'duplicate', inbox, seenEventIds: seen };
  const remember = [...seen, event.id].slice(-MAX_SEEN_EVENT_IDS);
  if (waiting && facts.wait?.kind === 'event' && facts.wait.eventType === event.type)
    return { delivery: 'resumed', inbox, seenEventIds: remember, delivered: event };
  const bytes = inboxBytes(inbox) + payloadBytes(event);
  if (inbox.length >= MAX_INBOX_EVENTS || bytes > MAX_INBOX_BYTES) {
    throw new LongRunningError(
      ErrorCode.InboxFull,
      `the execution's inbox is full (${inbox.length} events, at most ${MAX_INBOX_EVENTS} events and ${MAX_INBOX_BYTES} payload bytes): a waitForEvent must take some first`,
      { details: { events: inbox.length, bytes } },
    );
  }
  return { delivery: 'buffered', inbox: [...inbox, event], seenEventIds: remember };
}

/** The oldest event of `type` in the inbox, and the inbox without it. */
export function takeFromInbox(inbox: readonly InboxEvent[], type: string): { event?: InboxEvent; inbox: InboxEvent[] } {
  const at = inbox.findIndex((e) => e.type === type);
  const event = inbox[at];
  if (event === undefined) return { inbox: [...inbox] };
  return { event, inbox: [...inbox.slice(0, at), ...inbox.slice(at + 1)] };
}

/** Where an execution is in its step list and its loops. */
export interface StepPosition {
  currentStep: number;
  stepNames: readonly string[];
  /** Step runs committed so far. */
  stepRuns: number;
  maxStepRuns: number;
  inbox: readonly InboxEvent[];
}

/** What committing a step's result leads to. Every kind commits `state` as step run `stepRuns`. */
export type AfterStep =
  /** Run `nextStep` now (`delivered`: the event that ended a wait at once, from the inbox). */
  | { kind: 'run'; state: unknown; nextStep: number; stepRuns: number; inbox: InboxEvent[]; delivered?: InboxEvent }
  /** No step left: the execution completed with `state`. */
  | { kind: 'complete'; state: unknown; nextStep: number; stepRuns: number; inbox: InboxEvent[] }
  /** Wait, then run `nextStep` (or complete, when it is past the last step). */
  | { kind: 'wait'; state: unknown; nextStep: number; stepRuns: number; inbox: InboxEvent[]; wait: PendingWait }
  /** The execution ran `maxStepRuns` steps and still has more: it fails with STEP_LIMIT_EXCEEDED. */
  | { kind: 'limit'; state: unknown; nextStep: number; stepRuns: number; inbox: InboxEvent[]; error: ErrorInfo };

/**
 * What a step's result means, given where the execution is and the time of the
 * commit: the next step (the one after, or a directive's `next`/`goto` target), and
 * whether the execution runs on, completes, waits, or hits its step-run limit. A wait
 * whose event is already in the inbox, or a sleep already over, runs on at once.
 */
export function afterStep(pos: StepPosition, result: unknown, now: number): AfterStep {
  const stepRuns = pos.stepRuns + 1;
  const inbox = [...pos.inbox];
  if (!isStepDirective(result)) return runOn(pos, result, pos.currentStep + 1, stepRuns, inbox);
  const { state, spec } = result;
  const nextStep = spec.next === undefined ? pos.currentStep + 1 : pos.stepNames.indexOf(spec.next);
  if (nextStep < 0) throw new ValidationError(`"${spec.next}" is not a step of this execution`);
  switch (spec.kind) {
    case 'goto':
      return runOn(pos, state, nextStep, stepRuns, inbox);
    case 'sleep':
      if (spec.until <= now) return runOn(pos, state, nextStep, stepRuns, inbox);
      return waitOn(pos, state, nextStep, stepRuns, inbox, { kind: 'sleep', until: spec.until });
    case 'wait': {
      const taken = takeFromInbox(inbox, spec.eventType);
      if (taken.event) return runOn(pos, state, nextStep, stepRuns, taken.inbox, taken.event);
      const wait: PendingWait = { kind: 'event', eventType: spec.eventType, onTimeout: spec.onTimeout };
      if (spec.timeoutMs !== undefined) Object.assign(wait, { until: now + spec.timeoutMs, timeoutMs: spec.timeoutMs });
      return waitOn(pos, state, nextStep, stepRuns, inbox, wait);
    }
  }
}

/** A wait, unless a step would run after it beyond the step-run limit: then the limit, now rather than after the wait. */
function waitOn(
  pos: StepPosition,
  state: unknown,
  nextStep: number,
  stepRuns: number,
  inbox: InboxEvent[],
  wait: PendingWait,
): AfterStep {
  if (nextStep < pos.stepNames.length && stepRuns >= pos.maxStepRuns)
    return limitReached(state, nextStep, stepRuns, inbox, pos);
  return { kind: 'wait', state, nextStep, stepRuns, inbox, wait };
}

function limitReached(
  state: unknown,
  nextStep: number,
  stepRuns: number,
  inbox: InboxEvent[],
  pos: StepPosition,
): AfterStep {
  const message = `the execution ran ${stepRuns} steps, its limit (maxStepRuns ${pos.maxStepRuns}): a loop that does not end?`;
  return { kind: 'limit', state, nextStep, stepRuns, inbox, error: { code: ErrorCode.StepLimitExceeded, message } };
}

function runOn(
  pos: StepPosition,
  state: unknown,
  nextStep: number,
  stepRuns: number,
  inbox: InboxEvent[],
  delivered?: InboxEvent,
): AfterStep {
  if (nextStep >= pos.stepNames.length) return { kind: 'complete', state, nextStep, stepRuns, inbox };
  if (stepRuns >= pos.maxStepRuns) return limitReached(state, nextStep, stepRuns, inbox, pos);
  return { kind: 'run', state, nextStep, stepRuns, inbox, ...(delivered ? { delivered } : {}) };
}

/** What a wait's timer does when it fires. */
export type WakeOutcome =
  /** Not due yet (a timer that fired early, or a hop of a chain): wait `remainingMs` more. */
  | { kind: 'early'; remainingMs: number }
  /** The wait is over: run the next step; `delivered` is null after a timeout with `onTimeout: 'continue'`. */
  | { kind: 'run'; delivered?: DeliveredEvent }
  /** An event wait timed out with `onTimeout: 'fail'`. */
  | { kind: 'fail'; error: ErrorInfo }
  /** The wait has no deadline (an event wait without timeout): a timer has nothing to do. */
  | { kind: 'none' };

/** What the wait's timer does at `now`. */
export function wake(wait: PendingWait, now: number): WakeOutcome {
  if (wait.until === undefined) return { kind: 'none' };
  if (now < wait.until) return { kind: 'early', remainingMs: wait.until - now };
  if (wait.kind === 'sleep') return { kind: 'run' };
  if (wait.onTimeout === 'continue') return { kind: 'run', delivered: null };
  const message = `no "${wait.eventType}" event arrived before the wait's timeout (${new Date(wait.until).toISOString()})`;
  return { kind: 'fail', error: { code: ErrorCode.WaitTimeout, message } };
}

/**
 * What `resume` does with a paused execution that was waiting: back to waiting with
 * the same deadline, or on to the next step when its event arrived meanwhile (taken
 * from the inbox). A deadline that passed meanwhile is the timer's to handle, at once.
 */
export function resumeWait(
  wait: PendingWait,
  inbox: readonly InboxEvent[],
): { kind: 'waiting' } | { kind: 'run'; delivered: InboxEvent; inbox: InboxEvent[] } {
  if (wait.kind !== 'event' || wait.eventType === undefined) return { kind: 'waiting' };
  const taken = takeFromInbox(inbox, wait.eventType);
  return taken.event ? { kind: 'run', delivered: taken.event, inbox: taken.inbox } : { kind: 'waiting' };
}

/** The wait of a `WAIT_TIMEOUT` failure, waited again by `retry` with a fresh timeout of the same length. */
export function retriedWait(wait: PendingWait, now: number): PendingWait {
  return wait.timeoutMs === undefined ? { ...wait } : { ...wait, until: now + wait.timeoutMs };
}

function payloadBytes(event: InboxEvent): number {
  return Buffer.byteLength(JSON.stringify(event.payload ?? null), 'utf8');
}

function inboxBytes(inbox: readonly InboxEvent[]): number {
  return inbox.reduce((sum, e) => sum + payloadBytes(e), 0);
}
