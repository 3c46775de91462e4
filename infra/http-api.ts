import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
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
  { method: HttpMethod.POST, path: '/executions/uploads' },
  { method: HttpMethod.GET, path: '/executions' },
  { method: HttpMethod.GET, path: '/executions/{id}' },
  { method: HttpMethod.DELETE, path: '/executions/{id}' },
  { method: HttpMethod.GET, path: '/executions/{id}/checkpoints' },
  { method: HttpMethod.POST, path: '/executions/{id}/events' },
  ...(['pause', 'resume', 'cancel', 'retry', 'fork', 'rewind', 'budget'] as const).map((action) => ({
    method: HttpMethod.POST,
    path: `/executions/{id}/${action}`,
  })),
  ...(['redrive', 'cancel', 'pause'] as const).map((action) => ({
    method: HttpMethod.POST,
    path: `/executions/${action}`,
  })),
  { method: HttpMethod.GET, path: '/jobs/{id}' },
  { method: HttpMethod.GET, path: '/workflows' },
  { method: HttpMethod.GET, path: '/workflows/{name}/usage' },
  { method: HttpMethod.GET, path: '/counts' },
  { method: HttpMethod.GET, path: '/limits' },
];

/** The callback route: no IAM, the token in the path is the credential. */
export const CALLBACK_ROUTE = { method: HttpMethod.POST, path: '/callbacks/{token}' } as const;

/**
 * Access log lines: the route key (`POST /callbacks/{token}`), never the path, so a
 * callback token never reaches the logs.
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationError: '$context.integrationErrorMessage',
});

/** Settings of {@link createHttpApi}. */
export interface HttpApiOptions {
  handler: IFunction;
  jwtAuthorizer: JwtAuthorizerOptions | undefined;
  throttle: { rateLimit: number; burstLimit: number };
  /** Throttling of the callback route alone. */
  callbackThrottle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
}

/**
 * The HTTP API in front of the API function (payload format 2.0): one route per
 * operation plus `$default`, each behind IAM (SigV4) authorization, or a JWT
 * authorizer when one is configured, except `POST /callbacks/{token}` (the token is
 * the credential; throttled on its own); the `$default` stage deploys automatically, throttles every route and
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
  const callbackRoutes = httpApi.addRoutes({
    path: CALLBACK_ROUTE.path,
    methods: [CALLBACK_ROUTE.method],
    integration,
    authorizer: new HttpNoneAuthorizer(),
  });
  for (const route of callbackRoutes) {
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The callback token in the path is the credential (HMAC-signed, single use, bound to one execution and event ' +
        'type): the route lets someone without AWS credentials answer one wait, is throttled on its own, and answers ' +
        'nothing about the execution.',
    });
  }
  const accessLogs = new LogGroup(scope, 'ApiAccessLogs', { retention: options.logRetention });
  const stage = new HttpStage(scope, 'HttpApiDefaultStage', {
    httpApi,
    autoDeploy: true,
    throttle: options.throttle,
    accessLogSettings: {
      destination: new LogGroupLogDestination(accessLogs),
      format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
    },
  });
  (stage.node.defaultChild as CfnStage).routeSettings = {
    [`${CALLBACK_ROUTE.method} ${CALLBACK_ROUTE.path}`]: {
      ThrottlingRateLimit: options.callbackThrottle.rateLimit,
      ThrottlingBurstLimit: options.callbackThrottle.burstLimit,
    },
  };
  return { httpApi, stage, accessLogs };
}
