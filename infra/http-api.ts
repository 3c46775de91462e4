import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { JwtAuthorizerOptions } from './longrunning-workflows-props.js';

/** The routes functions/http/routes.ts serves; anything else goes to the `$default` route, also authorised. */
export const API_ROUTES: readonly { method: HttpMethod; path: string }[] = [
  { method: HttpMethod.POST, path: '/executions' },
  { method: HttpMethod.GET, path: '/executions' },
  { method: HttpMethod.GET, path: '/executions/{id}' },
  { method: HttpMethod.DELETE, path: '/executions/{id}' },
  { method: HttpMethod.GET, path: '/executions/{id}/checkpoints' },
  ...(['pause', 'resume', 'cancel', 'retry'] as const).map((action) => ({
    method: HttpMethod.POST,
    path: `/executions/{id}/${action}`,
  })),
  { method: HttpMethod.GET, path: '/workflows' },
];

/** Settings of {@link createHttpApi}. */
export interface HttpApiOptions {
  handler: IFunction;
  jwtAuthorizer: JwtAuthorizerOptions | undefined;
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
}

/**
 * The HTTP API in front of the API function (payload format 2.0): one route per
 * operation plus `$default`, each behind IAM (SigV4) authorization, or a JWT
 * authorizer when one is configured; the `$default` stage deploys automatically, throttles every route and
 * writes JSON access logs to its own log group.
 */
export function createHttpApi(
  scope: Construct,
  options: HttpApiOptions,
): { httpApi: HttpApi; stage: HttpStage; accessLogs: LogGroup } {
  const authorizer: IHttpRouteAuthorizer = options.jwtAuthorizer
    ? new HttpJwtAuthorizer('JwtAuthorizer', options.jwtAuthorizer.issuer, {
        jwtAudience: [...options.jwtAuthorizer.audience],
      })
    : new HttpIamAuthorizer();
  const integration = new HttpLambdaIntegration('ApiIntegration', options.handler);
  const httpApi = new HttpApi(scope, 'HttpApi', {
    description: 'Starts and controls long-running executions',
    createDefaultStage: false,
    defaultAuthorizer: authorizer,
    // The $default route (same authorizer) sends any other method or path to the
    // function too, so callers get its JSON 404 / 405 (with Allow), as locally.
    defaultIntegration: integration,
  });
  for (const route of API_ROUTES) httpApi.addRoutes({ path: route.path, methods: [route.method], integration });
  const accessLogs = new LogGroup(scope, 'ApiAccessLogs', { retention: options.logRetention });
  const stage = new HttpStage(scope, 'HttpApiDefaultStage', {
    httpApi,
    autoDeploy: true,
    throttle: options.throttle,
    accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
  });
  return { httpApi, stage, accessLogs };
}
