import { LongRunningError, toError } from '../core/errors.js';
import type { ExecutionHead, StepMessage } from './model.js';
import type { ClaimRequest, Fence } from './ports.js';
import type { ResolvedRuntime } from './runtime-config.js';
import { canClaim, fenceRefusal, isOwnClaim, isOwnWrite, type FencedWrite } from './store-rules.js';

/** How many times a claim, a fenced write or a send is tried before the error is left to the redelivery. */
export const MAX_TRIES = 3;

/**
 * True for an error after which a write may or may not have landed: a retryable
 * store or queue fault (a timeout, a reset connection, throttling, a 5xx, a
 * transaction conflict) or anything that is not an engine error. A refused fence,
 * a validation error or an oversized state is an answer, not an ambiguity.
 */
export function isAmbiguous(err: unknown): boolean {
  return !(err instanceof LongRunningError) || err.retryable;
}

/**
 * Claims the step; after an ambiguous error, reads the head and decides: this
 * claim is on it (`isOwnClaim`: the response was lost) → the head; the step is
 * still claimable → the claim is tried again; otherwise → undefined (someone else
 * has it, or it moved on). Without this, a lost claim response would leave a live
 * lease nobody runs under, and the redelivery would claim again with attempt + 1.
 * Throws the claim's error when the head cannot be read, or after {@link MAX_TRIES}.
 */
export async function settledClaim(rt: ResolvedRuntime, req: ClaimRequest): Promise<ExecutionHead | undefined> {
  for (let tries = 1; ; tries++) {
    try {
      return await rt.store.claim(req);
    } catch (err) {
      const head = await readAfter(rt, req.id, err, tries);
      if (head && isOwnClaim(head, req)) return head;
      if (!head || !canClaim(head, req)) return undefined;
      rt.logger.warn('claim did not land; trying it again', { executionId: req.id, error: toError(err).message });
    }
  }
}

/**
 * Runs one fenced write (commit, release, fail, park); after an ambiguous error,
 * reads the head and decides: the write landed (`isOwnWrite`) → that head, and the
 * worker carries on (sends the next step); the fence still holds → the write is
 * tried again; the fence is gone → its refusal (STALE_TOKEN / LEASE_CONFLICT), and
 * the worker drops the outcome as superseded. Only the worker whose write landed
 * goes on, so a duplicate delivery can never start a second chain of messages.
 */
export async function settledWrite(
  rt: ResolvedRuntime,
  fence: Fence & { step?: number },
  write: FencedWrite,
  attempt: () => Promise<ExecutionHead>,
): Promise<ExecutionHead> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      const head = await readAfter(rt, fence.id, err, tries);
      const refusal = fenceRefusal(fence, head);
      if (refusal && isOwnWrite(head, fence, write)) {
        rt.logger.info('write landed though its response was lost', { executionId: fence.id, write });
        return head as ExecutionHead;
      }
      if (refusal) throw refusal;
      rt.logger.warn('write did not land; trying it again', {
        executionId: fence.id,
        write,
        error: toError(err).message,
      });
    }
  }
}

/**
 * Sends a step message, trying again (at once: the SDK below has already backed
 * off) after an ambiguous error. A send whose response was lost is sent twice; the
 * claim drops the duplicate. Throws after {@link MAX_TRIES}: the sweeper then finds the
 * execution once it is overdue.
 */
export async function settledSend(rt: ResolvedRuntime, message: StepMessage, delaySeconds?: number): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await rt.queue.send(message, delaySeconds);
      return;
    } catch (err) {
      if (!isAmbiguous(err) || tries >= MAX_TRIES) throw err;
      rt.logger.warn('step message send failed; sending it again', {
        executionId: message.executionId,
        error: toError(err).message,
      });
    }
  }
}

/** The head after `err` (a consistent read), or rethrows `err` when it is an answer, the tries are spent or the read fails. */
async function readAfter(
  rt: ResolvedRuntime,
  id: string,
  err: unknown,
  tries: number,
): Promise<ExecutionHead | undefined> {
  if (!isAmbiguous(err) || tries >= MAX_TRIES) throw err;
  try {
    return await rt.store.get(id);
  } catch {
    throw err;
  }
}
