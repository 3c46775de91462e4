import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { ErrorCode, LongRunningError } from '../../lib/index.js';

/** The JSON error body of every API error. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown>; requestId?: string };
}

/** A structured result of the API handler (payload format 2.0). */
export type ApiResult = APIGatewayProxyResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body?: string;
};

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** An empty response (204). */
export function noContent(): ApiResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
}

/** An error response with the shared body shape. */
export function apiError(
  statusCode: number,
  code: string,
  message: string,
  extra: { details?: Record<string, unknown>; requestId?: string; headers?: Record<string, string> } = {},
): ApiResult {
  const body: ApiErrorBody = { error: { code, message } };
  if (extra.details) body.error.details = extra.details;
  if (extra.requestId) body.error.requestId = extra.requestId;
  return json(statusCode, body, extra.headers);
}

/** HTTP status of each domain error code the API lets through; anything else is our fault (500). */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  [ErrorCode.Validation]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.IllegalTransition]: 409,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.InboxFull]: 409,
  [ErrorCode.BudgetExceeded]: 409,
  [ErrorCode.StateTooLarge]: 413,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.Throttled]: 503,
  [ErrorCode.StoreUnavailable]: 503,
};

/**
 * Maps a thrown error to a response: domain errors keep their code and get their
 * 4xx (or 503 for throttling); anything else is a 500 `INTERNAL` carrying the
 * request id, never a stack trace.
 */
export function errorResponse(thrown: unknown, requestId: string): { result: ApiResult; internal: boolean } {
  // `internal`: the cause is ours to log in full (500s and 503s).
  if (thrown instanceof LongRunningError) {
    const status = STATUS_BY_CODE[thrown.code];
    // A retryable conflict (two writers raced) is worth a retry too, not a 409.
    if (status === 503 || (thrown.code === ErrorCode.Conflict && thrown.retryable)) {
      // Throttling or an unavailable store: worth a retry. The cause (table names,
      // endpoints) stays in our logs, not in the answer.
      const message = `the service is busy or briefly unavailable; retry the request (request id ${requestId})`;
      return {
        result: apiError(503, thrown.code, message, { requestId, headers: { 'retry-after': '1' } }),
        internal: true,
      };
    }
    if (status !== undefined) {
      const code = thrown.code === ErrorCode.StateTooLarge ? ErrorCode.PayloadTooLarge : thrown.code;
      return {
        result: apiError(status, code, thrown.message, thrown.details ? { details: thrown.details } : {}),
        internal: false,
      };
    }
  }
  return {
    result: apiError(500, ErrorCode.Internal, `internal error; quote request id ${requestId} when reporting it`, {
      requestId,
    }),
    internal: true,
  };
}
