/** Stable, machine-readable error codes. Callers branch on these, never on messages. */
export const ErrorCode = {
  Validation: 'VALIDATION_ERROR',
  NotFound: 'NOT_FOUND',
  IllegalTransition: 'ILLEGAL_TRANSITION',
  StepNotRegistered: 'STEP_NOT_REGISTERED',
  StepFailed: 'STEP_FAILED',
  StepTimeout: 'STEP_TIMEOUT',
  StateTooLarge: 'STATE_TOO_LARGE',
  InvalidState: 'INVALID_STATE',
  LeaseConflict: 'LEASE_CONFLICT',
  StaleToken: 'STALE_TOKEN',
  Conflict: 'CONFLICT',
  Throttled: 'THROTTLED',
  StoreUnavailable: 'STORE_UNAVAILABLE',
  CorruptRecord: 'CORRUPT_RECORD',
  Internal: 'INTERNAL',
  /** The execution was cancelled: the reason a step's AbortSignal carries. */
  Cancelled: 'CANCELLED',
  /** An API request body over the size limit. */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** An API path that exists, asked with a method it does not serve. */
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  /** An event wait's timeout passed before its event arrived (with `onTimeout: 'fail'`). */
  WaitTimeout: 'WAIT_TIMEOUT',
  /** An execution's event inbox is full. */
  InboxFull: 'INBOX_FULL',
  /** An execution ran its `maxStepRuns` steps and still had more. */
  StepLimitExceeded: 'STEP_LIMIT_EXCEEDED',
  /** A committed step took the execution's usage past its budget: it is paused before the next step. */
  BudgetExceeded: 'BUDGET_EXCEEDED',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options shared by every {@link LongRunningError}. */
export interface LongRunningErrorOptions {
  /** The underlying error, kept for diagnosis. */
  cause?: unknown;
  /** Whether trying the same operation again may succeed. Defaults to false. */
  retryable?: boolean;
  /** Extra structured facts about the failure (sizes, names, states). */
  details?: Record<string, unknown>;
}

/**
 * The one base class of the engine's errors: a stable `code`, a human message,
 * and retryability as a field rather than a subclass.
 */
export class LongRunningError extends Error {
  /** Stable machine-readable code, for example `ILLEGAL_TRANSITION`. */
  readonly code: string;
  /** Whether retrying the same operation may succeed. */
  readonly retryable: boolean;
  /** Structured facts about the failure, if any. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: LongRunningErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LongRunningError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/** Input that does not meet the documented contract. */
export class ValidationError extends LongRunningError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.Validation, message, details ? { details } : {});
    this.name = 'ValidationError';
  }
}

/** The named execution (or other object) does not exist. */
export class NotFoundError extends LongRunningError {
  constructor(what: string, id: string, cause?: unknown) {
    super(ErrorCode.NotFound, `${what} not found: ${id}`, { cause, details: { id } });
    this.name = 'NotFoundError';
  }
}

/** The action is not legal from the execution's current state. */
export class IllegalTransitionError extends LongRunningError {
  readonly state: string;
  readonly action: string;

  constructor(execId: string, state: string, action: string, allowed: readonly string[]) {
    super(
      ErrorCode.IllegalTransition,
      `cannot ${action} execution ${execId}: it is ${state} (allowed from: ${allowed.join(', ') || 'none'})`,
      { details: { id: execId, state, action, allowed: [...allowed] } },
    );
    this.name = 'IllegalTransitionError';
    this.state = state;
    this.action = action;
  }
}

/** A step name that the registry does not know. */
export class StepNotRegisteredError extends LongRunningError {
  constructor(stepName: string) {
    super(
      ErrorCode.StepNotRegistered,
      `step "${stepName}" is not registered: register it (registry.register or defineWorkflow) and resume`,
      { details: { step: stepName } },
    );
    this.name = 'StepNotRegisteredError';
  }
}

/** A state too large to store in one item. */
export class StateTooLargeError extends LongRunningError {
  constructor(sizeBytes: number, limitBytes: number, what = 'state') {
    super(
      ErrorCode.StateTooLarge,
      `${what} is ${sizeBytes} bytes, over the ${limitBytes}-byte limit of one stored item: keep large data elsewhere (for example S3) and store a reference`,
      { details: { sizeBytes, limitBytes } },
    );
    this.name = 'StateTooLargeError';
  }
}

/** The abort reason a step's signal carries when its execution is cancelled (code `CANCELLED`). */
export class ExecutionCancelledError extends LongRunningError {
  constructor(executionId: string) {
    super(ErrorCode.Cancelled, `execution ${executionId} was cancelled`, { details: { id: executionId } });
    this.name = 'ExecutionCancelledError';
  }
}

/** Turns anything thrown into an Error, keeping Errors as they are. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}

/** The `{ code, message }` pair stored for a failed step, so it can be shown and rebuilt. */
export interface ErrorInfo {
  code: string;
  message: string;
}

/** The stored form of an error: its code (or `STEP_FAILED`) and message. */
export function toErrorInfo(thrown: unknown): ErrorInfo {
  const err = toError(thrown);
  const code = err instanceof LongRunningError ? err.code : ErrorCode.StepFailed;
  return { code, message: err.message || err.name };
}
