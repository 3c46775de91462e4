import { ErrorCode, IllegalTransitionError, LongRunningError, NotFoundError, ValidationError } from '../core/errors.js';
import { ExecutionState, isExecutionState } from '../core/execution-state.js';
import { assertSafeId } from '../core/ids.js';
import { assertStepName } from '../core/step-list.js';
import { validateBudget } from '../core/usage.js';
import { WORKFLOW_NAME_PATTERN, WORKFLOW_NAME_RULE, isWorkflowVersion } from './workflow.js';
import { LeaseConflictError, StaleTokenError } from './errors.js';
import { MAX_SUPERSEDED_RANGES, type EpochMs, type ExecutionHead, type StoredCheckpoint } from './model.js';
import { isSuperseded, supersede } from '../core/superseded.js';
import { validateLimit } from './paging.js';
import { assertNameFilter } from './list-filter.js';
import type { ClaimRequest, Fence, ListQuery, NewExecution, RewindRequest, TransitionRequest } from './ports.js';

// The rules of the ExecutionStore port, once: what a new execution must be, and the
// conditions of its writes as predicates on the head as it stands. The in-memory store evaluates them directly; the DynamoDB store writes
// the same conditions as condition expressions (which are what make them atomic
// there) and evaluates these on the heads it reads back. The ExecutionStore contract
// suite holds every adapter to them.

/**
 * Checks what `ExecutionStore.create` is given, before anything is written: a safe id
 * and idempotency key, a workflow name, at least one valid step name, string
 * metadata. VALIDATION_ERROR names the field.
 */
export function assertNewExecution(exec: NewExecution): void {
  assertSafeId(exec.id);
  if (exec.idempotencyKey !== undefined) assertSafeId(exec.idempotencyKey, 'idempotencyKey');
  if (typeof exec.workflow !== 'string' || !WORKFLOW_NAME_PATTERN.test(exec.workflow)) {
    throw new ValidationError(`workflow must be ${WORKFLOW_NAME_RULE}, got ${JSON.stringify(exec.workflow)}`);
  }
  if (exec.workflowVersion !== undefined && !isWorkflowVersion(exec.workflowVersion)) {
    throw new ValidationError(
      `workflowVersion must be a string of 1 to 64 characters, got ${JSON.stringify(exec.workflowVersion)}`,
    );
  }
  if (!Array.isArray(exec.stepNames) || exec.stepNames.length === 0) {
    throw new ValidationError('stepNames must list at least one step');
  }
  exec.stepNames.forEach((name) => assertStepName(name));
  const max = exec.maxStepRuns;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 0))
    throw new ValidationError(`maxStepRuns must be a whole number >= 0 (0: no limit), got ${String(max)}`);
  for (const [key, value] of Object.entries(exec.metadata ?? {})) {
    if (typeof value !== 'string') throw new ValidationError(`metadata.${key} must be a string`);
  }
  const start = exec.startStep;
  if (start !== undefined && (!Number.isSafeInteger(start) || start < 0 || start >= exec.stepNames.length)) {
    throw new ValidationError(
      `startStep must be a whole number from 0 to ${exec.stepNames.length - 1} (a step of the list), got ${String(start)}`,
    );
  }
  if (exec.budget !== undefined) validateBudget(exec.budget);
  if (exec.forkedFrom !== undefined) {
    assertSafeId(exec.forkedFrom.executionId, 'forkedFrom.executionId');
    assertCheckpointSeq(exec.forkedFrom.checkpoint, 'forkedFrom.checkpoint');
  }
}

/** Checks a checkpoint sequence number: a whole number >= 0 (VALIDATION_ERROR naming `field`). */
export function assertCheckpointSeq(seq: unknown, field: string): asserts seq is number {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new ValidationError(
      `${field} must be a checkpoint's sequence number (a whole number >= 0), got ${JSON.stringify(seq) ?? typeof seq}`,
    );
  }
}

/**
 * Checks a rewind against the head and checkpoint as they stand: NOT_FOUND for no
 * head, or no committed checkpoint `toCheckpoint`; ILLEGAL_TRANSITION from a state
 * not in `from`; VALIDATION_ERROR for the final checkpoint (no step left to run on
 * with) or a head that has MAX_SUPERSEDED_RANGES already and would need another.
 */
export function assertRewind(
  req: RewindRequest,
  head: ExecutionHead | undefined,
  cp: StoredCheckpoint | undefined,
): asserts cp is StoredCheckpoint {
  if (head === undefined) throw new NotFoundError('execution', req.id);
  if (!req.from.includes(head.state)) throw new IllegalTransitionError(req.id, head.state, 'rewind', req.from);
  if (req.expectVersion !== undefined && head.version !== req.expectVersion) {
    throw new LongRunningError(
      ErrorCode.Conflict,
      `execution ${req.id} changed since it was listed (version ${head.version}, not ${req.expectVersion})`,
      { details: { id: req.id } },
    );
  }
  if (cp === undefined || cp.seq > head.stepRuns) throw checkpointNotFound(req.id, req.toCheckpoint);
  assertRunsOnFrom(cp, head);
  if (isSuperseded(head.superseded, cp.seq))
    throw new ValidationError(
      `checkpoint ${cp.seq} of execution ${req.id} was gone back past by an earlier rewind (superseded): nothing runs on from it; rewind to one in its history, or fork from it`,
    );
  if (head.maxStepRuns > 0 && head.stepRuns + 1 >= head.maxStepRuns) {
    throw new ValidationError(
      `execution ${req.id} has used ${head.stepRuns} of its ${head.maxStepRuns} step runs, and a rewind takes one more: no step could run; fork it instead (a fork starts its own count)`,
    );
  }
  const ranges = supersede(head.superseded ?? [], cp.seq + 1, head.stepRuns);
  if (ranges.length > MAX_SUPERSEDED_RANGES) {
    throw new ValidationError(
      `execution ${req.id} has been rewound over ${MAX_SUPERSEDED_RANGES} separate ranges of checkpoints, the most a head keeps; fork it instead`,
    );
  }
}

/** VALIDATION_ERROR for a checkpoint with no step after it (a completed execution's final state). */
export function assertRunsOnFrom(cp: StoredCheckpoint, head: Pick<ExecutionHead, 'id' | 'totalSteps'>): void {
  if (cp.step >= head.totalSteps) {
    throw new ValidationError(
      `checkpoint ${cp.seq} of execution ${head.id} is its final state: no step runs on from it (choose an earlier checkpoint)`,
    );
  }
  if (cp.awaits !== undefined) {
    throw new ValidationError(
      `checkpoint ${cp.seq} of execution ${head.id} began a wait for event "${cp.awaits}": step ${cp.step} would run without it; choose the checkpoint before it, whose step waits again`,
    );
  }
}

/** NOT_FOUND for checkpoint `seq` of execution `id`. */
export function checkpointNotFound(id: string, seq: number): NotFoundError {
  return new NotFoundError('checkpoint', `${seq} of execution ${id}`);
}

/**
 * The JSON text a state (an input, an output) is stored as, or undefined for
 * `undefined`. A state without one (a cycle, a bigint) is VALIDATION_ERROR, before
 * anything is written; item sizes are measured with the state as this text.
 */
export function stateJsonText(state: unknown, executionId: string): string | undefined {
  try {
    return JSON.stringify(state);
  } catch (thrown) {
    throw new ValidationError(`the state of execution ${executionId} is not JSON-serializable: ${String(thrown)}`, {
      id: executionId,
    });
  }
}

/** Checks the filters and limit of `ExecutionStore.list` (VALIDATION_ERROR naming the bad one). */
export function assertListQuery(query: ListQuery): void {
  validateLimit(query.limit);
  if (query.state !== undefined && !isExecutionState(query.state)) {
    throw new ValidationError(`state filter must be one of ${Object.values(ExecutionState).join(', ')}`, {
      state: query.state,
    });
  }
  if (
    query.workflow !== undefined &&
    (typeof query.workflow !== 'string' || !WORKFLOW_NAME_PATTERN.test(query.workflow))
  ) {
    throw new ValidationError(`workflow filter must be ${WORKFLOW_NAME_RULE}`, { workflow: query.workflow });
  }
  if (query.name !== undefined) assertNameFilter(query.name);
}

/** The states in which a fenced write may land: running, or paused (a pause arrived while the step ran). */
export const FENCED_STATES: ReadonlySet<ExecutionState> = new Set([ExecutionState.Running, ExecutionState.Paused]);

/** True while `head` holds a lease that has not expired at `now`. */
export function hasLiveLease(head: ExecutionHead, now: EpochMs): boolean {
  return head.leaseExpiresAt !== undefined && head.leaseExpiresAt > now;
}

/** A claim takes the head only if it is running, at version `token` and step `step`, with no live lease. */
export function canClaim(head: ExecutionHead, req: ClaimRequest): boolean {
  return (
    head.state === ExecutionState.Running &&
    head.version === req.token &&
    head.currentStep === req.step &&
    !hasLiveLease(head, req.now)
  );
}

/**
 * True when `head` already carries this very claim: running, at `token` and `step`,
 * with `owner`'s live lease. A retried claim whose first try landed (a lost response)
 * finds this, and counts as claimed without claiming again.
 */
export function isOwnClaim(head: ExecutionHead, req: ClaimRequest): boolean {
  return (
    head.state === ExecutionState.Running &&
    head.version === req.token &&
    head.currentStep === req.step &&
    head.leaseOwner === req.owner &&
    hasLiveLease(head, req.now)
  );
}

/** True while the fence holds the lease: same version, same owner, running or paused. */
export function holdsLease(head: ExecutionHead, req: Fence): boolean {
  return head.version === req.token && head.leaseOwner === req.owner && FENCED_STATES.has(head.state);
}

/** The fenced writes of the step protocol, by what they do to the version. */
export type FencedWrite = 'commit' | 'release' | 'fail' | 'park';

/**
 * True when `head` shows that this fence's `write` has landed: its owner is the
 * head's `lastWriter` at the version that write leaves (token + 1; park keeps the
 * token). Ask only when the fence is refused (`fenceRefusal`): every such write
 * removes the lease, so a fence that still holds means the write has not landed. A worker that lost a write's response (a timeout, a reset connection, an
 * SDK retry that found the head already moved) reads the head and carries on from
 * it instead of dropping the step's outcome. Lease owners are unique per claim, so
 * no other write can match.
 */
export function isOwnWrite(head: ExecutionHead | undefined, req: Fence, write: FencedWrite): boolean {
  if (head === undefined || head.lastWriter !== req.owner) return false;
  return head.version === (write === 'park' ? req.token : req.token + 1);
}

/**
 * Why a fenced write (commit, release, fail, park) may not land on `head`, or
 * undefined when it may: STALE_TOKEN when the head is gone, at another version or in
 * a state other than running or paused (or, for a commit, at another step);
 * LEASE_CONFLICT when another owner holds it. Both carry the head as it is.
 */
export function fenceRefusal(
  req: Fence & { step?: number },
  head: ExecutionHead | undefined,
): LongRunningError | undefined {
  if (head === undefined) return new StaleTokenError(req.id, req.token);
  if (head.version !== req.token || !FENCED_STATES.has(head.state)) return new StaleTokenError(req.id, req.token, head);
  if (head.leaseOwner !== req.owner) return new LeaseConflictError(req.id, req.owner, head);
  if (req.step !== undefined && head.currentStep !== req.step) return new StaleTokenError(req.id, req.token, head);
  return undefined;
}

/** Throws unless the control action may apply to `head`: NOT_FOUND, or ILLEGAL_TRANSITION naming its state. */
export function assertTransitionAllowed(
  req: TransitionRequest,
  head: ExecutionHead | undefined,
): asserts head is ExecutionHead {
  if (head === undefined) throw new NotFoundError('execution', req.id);
  if (!req.from.includes(head.state)) throw new IllegalTransitionError(req.id, head.state, req.action, req.from);
}

/**
 * The sweeper's rule: due by `dueBefore` (`sweepAt` passed), and either running with
 * no live lease at `now`, or waiting (its wake message is due).
 */
export function isStalled(head: ExecutionHead, req: { now: EpochMs; dueBefore: EpochMs }): boolean {
  if (head.sweepAt === undefined || head.sweepAt > req.dueBefore) return false;
  if (head.state === ExecutionState.Waiting) return true;
  return head.state === ExecutionState.Running && !hasLiveLease(head, req.now);
}

/** True for the heads the active index holds: running ones, and waiting ones with a due time. */
export function isActive(head: Pick<ExecutionHead, 'state' | 'sweepAt'>): boolean {
  return head.state === ExecutionState.Running || (head.state === ExecutionState.Waiting && head.sweepAt !== undefined);
}

/** The head fields a compare-and-set ({@link ExecutionStore.replaceHead}) and the fenced writes are conditional on. */
export const HEAD_PINS = ['version', 'state', 'currentStep', 'claims', 'leaseOwner', 'lastUpdate', 'inboxSeq'] as const;

/** True while `stored` still has `base`'s values of {@link HEAD_PINS}. */
export function pinsMatch(stored: ExecutionHead, base: ExecutionHead): boolean {
  return HEAD_PINS.every((field) => stored[field] === base[field]);
}

/** Checks a compare-and-set: the same execution, and a head that keeps its identity (VALIDATION_ERROR otherwise). */
export function assertReplace(req: { base: ExecutionHead; next: ExecutionHead }): void {
  const { base, next } = req;
  if (base.id !== next.id || next.startTime !== base.startTime || next.workflow !== base.workflow)
    throw new ValidationError(`replaceHead: the new head must be of the same execution (${base.id})`);
  assertSafeId(base.id);
}
