import { ErrorCode, LongRunningError } from '../core/errors.js';
import type { ExecutionHead } from './model.js';

/**
 * A fenced write lost the race: the head has moved on to another version or state
 * (committed, released, failed, cancelled, deleted) since the token was issued.
 * Whoever caught it should stop: someone else owns the execution now.
 */
export class StaleTokenError extends LongRunningError {
  /** The head as the store saw it when the condition failed, when known. */
  readonly current: ExecutionHead | undefined;

  constructor(executionId: string, token: number, current?: ExecutionHead) {
    super(
      ErrorCode.StaleToken,
      current === undefined
        ? `execution ${executionId}: token ${token} is stale (the execution no longer exists)`
        : `execution ${executionId}: token ${token} is stale (now version ${current.version}, ${current.state})`,
      { details: { id: executionId, token, ...(current ? { version: current.version, state: current.state } : {}) } },
    );
    this.name = 'StaleTokenError';
    this.current = current;
  }
}

/** A fenced write by an owner whose lease another worker has since claimed. */
export class LeaseConflictError extends LongRunningError {
  /** The head as the store saw it when the condition failed, when known. */
  readonly current: ExecutionHead | undefined;

  constructor(executionId: string, owner: string, current?: ExecutionHead) {
    super(
      ErrorCode.LeaseConflict,
      `execution ${executionId}: the lease is no longer ${owner}'s (held by ${current?.leaseOwner ?? 'nobody'})`,
      { details: { id: executionId, owner, ...(current?.leaseOwner ? { leaseOwner: current.leaseOwner } : {}) } },
    );
    this.name = 'LeaseConflictError';
    this.current = current;
  }
}

/**
 * True for the errors that mean "another writer won" (codes STALE_TOKEN and
 * LEASE_CONFLICT, whichever class carries them): the caller drops its work.
 */
export function isFenceConflict(err: unknown): boolean {
  return err instanceof LongRunningError && (err.code === ErrorCode.StaleToken || err.code === ErrorCode.LeaseConflict);
}
