import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { type Logger, LongRunningError, ErrorCode } from '../../lib/index.js';
import { readRequest } from './request.js';
import { type ApiResult, errorResponse } from './response.js';
import { type RouteDeps, route } from './routes.js';

/** What the API handler is built from. */
export interface ApiDeps extends RouteDeps {
  logger: Logger;
}

/**
 * Builds the HTTP API handler (API Gateway HTTP API, payload format 2.0): parse,
 * call the control plane, shape the JSON response. Bad input is a 4xx that changes
 * nothing; only our own faults are a 500 `INTERNAL`, logged with the request id.
 *
 * @example
 * export const handler = makeApiHandler({ control, workflows, logger });
 */
export function makeApiHandler(
  deps: ApiDeps,
): (event: APIGatewayProxyEventV2, context?: Pick<Context, 'awsRequestId'>) => Promise<ApiResult> {
  return async (event, context) => {
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
    const method = event.requestContext?.http?.method ?? '?';
    const path = loggedPath(event.rawPath);
    try {
      const result = await route(readRequest(event), deps);
      deps.logger.info('api request', { requestId, method, path, status: result.statusCode });
      return result;
    } catch (thrown) {
      const { result, internal } = errorResponse(thrown, requestId);
      const fields = { requestId, method, path, status: result.statusCode };
      if (internal) {
        deps.logger.error('api request failed', {
          ...fields,
          error: thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown),
        });
      } else {
        const code = thrown instanceof LongRunningError ? thrown.code : ErrorCode.Internal;
        deps.logger.info('api request rejected', { ...fields, code });
      }
      return result;
    }
  };
}

/** The path as logged: a callback token is a credential, so it never reaches the logs. */
export function loggedPath(rawPath: string | undefined): string | undefined {
  return rawPath?.replace(/^\/callbacks\/[^/]*/, '/callbacks/{token}');
}
