import { readCallbackToken, type OpenCallback } from '../core/callback-tokens.js';
import { ErrorCode, LongRunningError } from '../core/errors.js';
import { isTerminalState } from '../core/execution-state.js';
import type { ExecutionRun } from './execution-run.js';

/**
 * The run and open callback a token names. A token is valid when its MAC matches
 * `secret` and its nonce is among the open callbacks of its (unfinished) execution
 * for its event type; anything else is NOT_FOUND with the same message, which says
 * nothing that helps guessing.
 */
export function findOpenCallback(
  token: unknown,
  secret: string | Buffer,
  runs: ReadonlyMap<string, ExecutionRun>,
): { run: ExecutionRun; callback: OpenCallback } {
  const claim = readCallbackToken(token, [secret]);
  const run = claim && runs.get(claim.executionId);
  const callback =
    run && !isTerminalState(run.exec.state)
      ? run.exec.openCallbacks?.find((c) => c.nonce === claim.nonce && c.type === claim.type)
      : undefined;
  if (!run || !callback) throw new LongRunningError(ErrorCode.NotFound, 'callback not found');
  return { run, callback };
}
