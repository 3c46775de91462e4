/**
 * What the API accepts, as zod schemas: strict objects (unknown fields are
 * rejected), bounded strings and numbers, so bad input fails before it reaches
 * the runtime and never changes stored data.
 */
import { z } from 'zod';
import { EXECUTION_ID_PATTERN, ExecutionState } from '../../lib/index.js';

const workflowName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a workflow name (letters, digits, _ . -)');
const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

/** Body of `POST /executions`. */
export const startBodySchema = z
  .object({
    workflow: workflowName,
    input: z.unknown().optional(),
    name: printable(256).optional(),
    steps: z.array(printable(128)).min(1).max(100).optional(),
    idempotencyKey: z
      .string()
      .regex(EXECUTION_ID_PATTERN, 'must be 1 to 128 letters, digits, "_", "-" or ".", not starting with a dot')
      .optional(),
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
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+$/, 'is not a token this API issued');

/** Query of `GET /executions`. */
export const listQuerySchema = z
  .object({
    state: z.enum(Object.values(ExecutionState) as [ExecutionState, ...ExecutionState[]]).optional(),
    workflow: workflowName.optional(),
    limit: limit.optional(),
    nextToken: nextToken.optional(),
  })
  .strict();

/** Query of `GET /executions/{id}/checkpoints`. */
export const pageQuerySchema = z.object({ limit: limit.optional(), nextToken: nextToken.optional() }).strict();

/** An execution id in a path. */
export const executionIdSchema = z
  .string()
  .regex(EXECUTION_ID_PATTERN, 'must be an execution id (letters, digits, _ - .)');

/** No fields at all: control actions' optional body, and routes without query parameters. */
export const emptySchema = z.object({}).strict();
