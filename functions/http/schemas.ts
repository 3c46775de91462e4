/**
 * What the API accepts, as zod schemas: strict objects (unknown fields are
 * rejected), bounded strings and numbers, so bad input fails before it reaches
 * the runtime and never changes stored data.
 */
import { z } from 'zod';
import {
  EXECUTION_ID_PATTERN,
  ExecutionState,
  isPrintableName,
  MAX_EVENT_TYPE_LENGTH,
  MAX_EXECUTION_NAME_LENGTH,
  MAX_NAME_FILTER_LENGTH,
  MAX_PAGE_TOKEN_LENGTH,
  PAGE_TOKEN_PATTERN,
  MAX_STEP_NAME_LENGTH,
  SAFE_ID_RULE,
  WORKFLOW_NAME_PATTERN,
  WORKFLOW_NAME_RULE,
} from '../../lib/index.js';

const workflowName = z.string().regex(WORKFLOW_NAME_PATTERN, `must be ${WORKFLOW_NAME_RULE}`);
const safeId = z.string().regex(EXECUTION_ID_PATTERN, `must be ${SAFE_ID_RULE}`);
const printable = (max: number) =>
  z.string().refine((s) => isPrintableName(s, max), `must be 1 to ${max} characters without control characters`);

/** Body of `POST /executions`: the input inline, or the id of an upload holding it (see `POST /executions/uploads`). */
export const startBodySchema = z
  .object({
    workflow: workflowName,
    input: z.unknown().optional(),
    inputUpload: safeId.optional(),
    name: printable(MAX_EXECUTION_NAME_LENGTH).optional(),
    steps: z.array(printable(MAX_STEP_NAME_LENGTH)).min(1).max(100).optional(),
    idempotencyKey: safeId.optional(),
    /** Step runs allowed before STEP_LIMIT_EXCEEDED (JSON has no Infinity: leave it out for the workflow's). */
    maxStepRuns: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    /** Checked by validateBudget (the start request's rule), whose message names the unit. */
    budget: z.unknown().optional(),
  })
  .strict()
  .refine((body) => body.input === undefined || body.inputUpload === undefined, {
    message: 'give either input or inputUpload, not both',
    path: ['inputUpload'],
  });

const checkpointSeq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const notBoth = { message: 'give either state or stateUpload, not both', path: ['stateUpload'] };

/** Body of `POST /executions/{id}/fork`: the state inline, or an upload holding it, or neither (the checkpoint's). */
export const forkBodySchema = z
  .object({
    fromCheckpoint: checkpointSeq,
    state: z.unknown().optional(),
    stateUpload: safeId.optional(),
    name: printable(MAX_EXECUTION_NAME_LENGTH).optional(),
    steps: z.array(printable(MAX_STEP_NAME_LENGTH)).min(1).max(100).optional(),
    idempotencyKey: safeId.optional(),
  })
  .strict()
  .refine((body) => body.state === undefined || body.stateUpload === undefined, notBoth);

/** Body of `POST /executions/{id}/rewind`. */
export const rewindBodySchema = z
  .object({
    toCheckpoint: checkpointSeq,
    state: z.unknown().optional(),
    stateUpload: safeId.optional(),
  })
  .strict()
  .refine((body) => body.state === undefined || body.stateUpload === undefined, notBoth);

const isoTime = z
  .string()
  .max(40)
  .refine(
    (t) => /^\d{4}-\d{2}-\d{2}T/.test(t) && Number.isFinite(Date.parse(t)),
    'must be an ISO 8601 time such as 2026-01-31T12:00:00Z',
  )
  .transform((t) => Date.parse(t));

/** Body of `POST /executions/redrive`, `/cancel` and `/pause`: the filter of the executions to act on. */
export const bulkBodySchema = z
  .object({
    state: z.enum(Object.values(ExecutionState) as [ExecutionState, ...ExecutionState[]]).optional(),
    workflow: workflowName.optional(),
    errorCode: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an error code such as STEP_FAILED')
      .optional(),
    startedAfter: isoTime.optional(),
    startedBefore: isoTime.optional(),
    max: z.number().int().min(1).max(100_000).optional(),
    requestId: safeId.optional(),
  })
  .strict();

/** Body of `POST /executions`, parsed. */
export type StartBody = z.infer<typeof startBodySchema>;

const limit = z
  .string()
  .regex(/^[0-9]{1,3}$/, 'must be a whole number from 1 to 100')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 100, 'must be a whole number from 1 to 100');

const nextToken = z
  .string()
  .min(1)
  .max(MAX_PAGE_TOKEN_LENGTH)
  .regex(PAGE_TOKEN_PATTERN, 'is not a token this API issued');

/** Query of `GET /executions`. */
export const listQuerySchema = z
  .object({
    state: z.enum(Object.values(ExecutionState) as [ExecutionState, ...ExecutionState[]]).optional(),
    workflow: workflowName.optional(),
    /** Executions whose name contains this, case-insensitively. */
    name: printable(MAX_NAME_FILTER_LENGTH).optional(),
    limit: limit.optional(),
    nextToken: nextToken.optional(),
  })
  .strict();

/** Query of `GET /executions/{id}/checkpoints`. */
export const pageQuerySchema = z.object({ limit: limit.optional(), nextToken: nextToken.optional() }).strict();

/** Body of `POST /executions/{id}/events`. */
export const eventBodySchema = z
  .object({
    type: printable(MAX_EVENT_TYPE_LENGTH),
    payload: z.unknown().optional(),
    eventId: safeId.optional(),
  })
  .strict();

/** Body of `POST /callbacks/{token}` (optional). */
export const callbackBodySchema = z.object({ payload: z.unknown().optional() }).strict();

/** A workflow name in a path (`GET /workflows/{name}/usage`). */
export const workflowNameSchema = workflowName;

/** An execution id in a path. */
export const executionIdSchema = safeId;

/** No fields at all: control actions' optional body, and routes without query parameters. */
export const emptySchema = z.object({}).strict();
