import type { ExecutionHead } from '../../runtime/model.js';

/**
 * The claim sequence of the head objects read from the table: the item attribute
 * `claimSeq`, which every claim adds one to and nothing resets (unlike `claims`,
 * which resume and retry set back to 0). A checkpoint put is stamped with it, and
 * conditional on no later claim's stamp, so a stale attempt's put never replaces the
 * committing attempt's. Kept beside the head objects, not in them: the port's head
 * has no such field.
 */
const claimSeqs = new WeakMap<ExecutionHead, number>();

/** Records that `head` was read from an item whose `claimSeq` is `seq` (absent: 0). */
export function rememberClaimSeq(head: ExecutionHead, seq: unknown): void {
  claimSeqs.set(head, typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : 0);
}

/** The claim sequence of a head read from the table, or undefined for a head made in code. */
export function claimSeqOf(head: ExecutionHead): number | undefined {
  return claimSeqs.get(head);
}
