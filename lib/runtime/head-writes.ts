import { ErrorCode, LongRunningError } from '../core/errors.js';
import type { ExecutionHead } from './model.js';
import type { ResolvedRuntime } from './runtime-config.js';

/** Compare-and-set rounds before a write decided from a read gives up (CONFLICT, retryable). */
export const MAX_DECIDE_ROUNDS = 5;

/** What {@link decideAndWrite} ends with: the head as written (or as found, when nothing was to write). */
export interface Decided {
  head: ExecutionHead | undefined;
  written: boolean;
  /** Nothing was written because `eventId` had been received already. */
  duplicate?: true;
}

/**
 * Reads the head (or starts from `first`), lets `decide` work out the new head with
 * the pure rules (undefined: nothing to write; it may also throw, for NOT_FOUND or
 * ILLEGAL_TRANSITION), and writes it with one compare-and-set, recording `eventId`
 * as received in the same write when given (a repeat of it writes nothing and ends
 * `duplicate`).
 *
 * When the head moved on meanwhile (another event, a claim, a control action), `decide` runs again on
 * the head as it is now: nothing that changed the head in between is lost or
 * overwritten.
 */
export async function decideAndWrite(
  rt: Pick<ResolvedRuntime, 'store'>,
  id: string,
  decide: (head: ExecutionHead | undefined) => ExecutionHead | undefined,
  first?: ExecutionHead,
  eventId?: string,
): Promise<Decided> {
  let head = first ?? (await rt.store.get(id));
  for (let round = 0; round < MAX_DECIDE_ROUNDS; round++) {
    const next = decide(head);
    if (next === undefined || head === undefined) return { head, written: false };
    const result = await rt.store.replaceHead({ base: head, next, ...(eventId === undefined ? {} : { eventId }) });
    if (result.ok) return { head: result.head, written: true };
    if (result.duplicate) return { head: result.current, written: false, duplicate: true };
    head = result.current;
  }
  throw new LongRunningError(ErrorCode.Conflict, `execution ${id}: the head kept changing; try again`, {
    retryable: true,
    details: { id },
  });
}
