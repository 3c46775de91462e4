import { readCallbackToken, callbackEventId } from '../core/callback-tokens.js';
import { ErrorCode, LongRunningError, NotFoundError, ValidationError } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { ExecutionState, isTerminalState } from '../core/execution-state.js';
import { assertSafeId } from '../core/ids.js';
import { assertTransition } from '../core/transitions.js';
import { acceptEvent, receiveEvent, type Delivery, type InboxEvent } from '../core/waits.js';
import { decideAndWrite } from './head-writes.js';
import { emitEvents, recordedEvent } from './lifecycle-events.js';
import type { ExecutionHead } from './model.js';
import type { ResolvedRuntime } from './runtime-config.js';
import { stepMessage } from './step-message.js';
import { eventReceivedHead, heldByBudget, withoutCallback } from './wait-changes.js';

/** What sending an event answers: the execution after it, and how the event was taken. */
export interface EventResult {
  head: ExecutionHead;
  /** 'resumed': it ended the wait (the next step is sent); 'buffered': kept in the inbox; 'duplicate': its id was seen. */
  delivery: Delivery;
}

/**
 * Delivers an event to execution `id` with one compare-and-set of its head (decided
 * again if the head moved meanwhile): the step model's `receiveEvent` rule, then,
 * when it ended the wait, the step message. NOT_FOUND for an unknown execution,
 * ILLEGAL_TRANSITION for a finished one, INBOX_FULL when its inbox is full,
 * VALIDATION_ERROR for a malformed event.
 */
export async function sendEvent(rt: ResolvedRuntime, id: string, input: unknown): Promise<EventResult> {
  assertSafeId(id);
  const event = acceptEvent(input, rt.clock.now());
  return deliver(rt, id, event, (h) => {
    if (!h) throw new NotFoundError('execution', id);
    assertTransition(id, h.state, 'send an event to');
    return h;
  });
}

/**
 * Completes a callback: the token's MAC must match one of the runtime's secrets, its
 * execution must be unfinished and still hold the token open; then, in the same
 * write, the token is closed and its event (id `cb_<nonce>`) delivered as by
 * {@link sendEvent}. A wrong, used or dead token gets NOT_FOUND with the same
 * message whatever the reason, so that an answer never helps guessing.
 */
export async function completeCallback(rt: ResolvedRuntime, token: unknown, payload?: unknown): Promise<EventResult> {
  if (rt.callbackSecrets.length === 0)
    throw new ValidationError('completeCallback needs callback secrets: pass callbackSecrets in the runtime deps');
  const claim = readCallbackToken(token, rt.callbackSecrets);
  if (!claim) throw callbackNotFound();
  const input = {
    type: claim.type,
    eventId: callbackEventId(claim.nonce),
    ...(payload === undefined ? {} : { payload }),
  };
  const event = acceptEvent(input, rt.clock.now());
  const result = await deliver(rt, claim.executionId, event, (h) => {
    const open = h?.callbacks.some((c) => c.nonce === claim.nonce && c.type === claim.type);
    if (!h || !open || isTerminalState(h.state)) throw callbackNotFound();
    return withoutCallback(h, claim.nonce);
  });
  if (result.delivery === 'duplicate') throw callbackNotFound();
  return result;
}

async function deliver(
  rt: ResolvedRuntime,
  id: string,
  event: InboxEvent,
  check: (head: ExecutionHead | undefined) => ExecutionHead,
): Promise<EventResult> {
  const decided: { delivery: Delivery } = { delivery: 'buffered' };
  const now = event.receivedAt;
  const written = await decideAndWrite(
    rt,
    id,
    (h) => {
      const base = check(h);
      const outcome = receiveEvent(base, event, base.state === ExecutionState.Waiting);
      decided.delivery = outcome.delivery;
      if (outcome.delivery === 'duplicate') return undefined;
      const events = outcome.delivered ? [recordedEvent(EventType.Resumed, base.currentStep, now)] : [];
      // The store records the id (replaceHead's eventId); the head's list is only read,
      // for heads written before the store kept them.
      const next = eventReceivedHead(base, outcome, { now, sweepAt: now + rt.stallAfterMs, events });
      return { ...next, seenEventIds: base.seenEventIds };
    },
    undefined,
    event.id,
  );
  const { head } = written;
  if (!head) throw new NotFoundError('execution', id);
  if (written.duplicate) decided.delivery = 'duplicate';
  const { delivery } = decided;
  if (delivery === 'resumed') {
    // `resumed`, and `paused` after it when the budget holds the execution back.
    emitEvents(rt, id, head.events.slice(heldByBudget(head) ? -2 : -1), { state: head.data });
    if (head.state === ExecutionState.Running)
      await rt.queue.send(stepMessage(head.id, head.currentStep, head.version));
  }
  return { head, delivery };
}

function callbackNotFound(): LongRunningError {
  return new LongRunningError(ErrorCode.NotFound, 'callback not found');
}
