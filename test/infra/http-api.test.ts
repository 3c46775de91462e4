import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, onlyResource, type StackFixture } from './stack-fixture.js';

type Resource = { Properties: Record<string, unknown> };

const CALLBACK_ROUTE_KEY = 'POST /callbacks/{token}';

/** The routes functions/http/routes.ts serves (the API contract). */
const EXPECTED_ROUTES = [
  'POST /executions',
  'POST /executions/uploads',
  'GET /executions',
  'GET /executions/{id}',
  'DELETE /executions/{id}',
  'GET /executions/{id}/checkpoints',
  'POST /executions/{id}/events',
  'POST /executions/{id}/pause',
  'POST /executions/{id}/resume',
  'POST /executions/{id}/cancel',
  'POST /executions/{id}/retry',
  'POST /executions/{id}/fork',
  'POST /executions/{id}/rewind',
  'POST /executions/{id}/budget',
  'POST /executions/redrive',
  'POST /executions/cancel',
  'POST /executions/pause',
  'GET /jobs/{id}',
  'GET /workflows',
  'GET /workflows/{name}/usage',
  'GET /counts',
  'GET /limits',
  // The token is the credential: the one route without IAM.
  'POST /callbacks/{token}',
  // Any other method or path reaches the handler's JSON 404 / 405, behind the same authorizer.
  '$default',
];

const routes = (f: StackFixture): Resource[] =>
  Object.values(f.template.findResources('AWS::ApiGatewayV2::Route')) as Resource[];

describe('the HTTP API', () => {
  let f: StackFixture;
  beforeAll(() => {
    f = buildStack();
  });

  it('serves exactly the routes of the API handler, plus $default for its 404 and 405 answers', () => {
    expect(
      routes(f)
        .map((r) => r.Properties['RouteKey'])
        .sort(),
    ).toEqual([...EXPECTED_ROUTES].sort());
  });

  it('has a route for each one the HTTP API reference documents, and none it does not', () => {
    const reference = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');
    const documented = [...reference.matchAll(/^## (GET|POST|DELETE) (\/\S+?)((?:, \/[a-z]+)*)$/gm)].flatMap(
      ([, method, path, more]) => {
        // "POST /executions/{id}/pause, /resume": the others replace the last segment.
        const parent = path!.slice(0, path!.lastIndexOf('/'));
        const alternatives = (more ?? '').split(', ').filter(Boolean);
        return [path!, ...alternatives.map((last) => `${parent}${last}`)].map((p) => `${method} ${p}`);
      },
    );
    expect(documented).toContain('POST /executions/{id}/retry');
    expect(documented.sort()).toEqual(EXPECTED_ROUTES.filter((r) => r !== '$default').sort());
  });

  it('requires IAM (SigV4) authorization on every route but the callback route', () => {
    expect(routes(f)).toHaveLength(EXPECTED_ROUTES.length);
    for (const route of routes(f)) {
      const open = route.Properties['RouteKey'] === CALLBACK_ROUTE_KEY;
      expect(route.Properties['AuthorizationType']).toBe(open ? 'NONE' : 'AWS_IAM');
    }
    f.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  it('throttles the callback route on its own, well under the rest of the API', () => {
    const [, stage] = onlyResource(f.template, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties['RouteSettings']).toEqual({
      [CALLBACK_ROUTE_KEY]: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
  });

  it('logs route keys, never paths, so that no callback token reaches the access logs', () => {
    const [, stage] = onlyResource(f.template, 'AWS::ApiGatewayV2::Stage');
    const format = JSON.parse((stage.Properties['AccessLogSettings'] as { Format: string }).Format) as Record<
      string,
      string
    >;
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey' });
    expect(Object.values(format).join(' ')).not.toMatch(/\$context\.(path|resourcePath)\b/);
  });

  it('sends every route to the API function with payload format 2.0', () => {
    const [integrationId] = onlyResource(f.template, 'AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    for (const route of routes(f)) {
      expect(route.Properties['Target']).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    }
  });

  it('deploys the $default stage automatically, throttles it and writes access logs to a log group', () => {
    const [, stage] = onlyResource(f.template, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const destination = (
      stage.Properties['AccessLogSettings'] as { DestinationArn: { 'Fn::GetAtt': [string, string] } }
    ).DestinationArn;
    const resources = f.template.toJSON()['Resources'] as Record<string, { Type: string }>;
    expect(resources[destination['Fn::GetAtt'][0]]?.Type).toBe('AWS::Logs::LogGroup');
  });

  it('outputs its URL, the table name and the queue URL', () => {
    f.template.hasOutput('ApiUrl', { Value: Match.anyValue() });
    f.template.hasOutput('TableName', { Value: { Ref: onlyResource(f.template, 'AWS::DynamoDB::Table')[0] } });
    f.template.hasOutput('QueueUrl', { Value: { Ref: Match.anyValue() } });
    const apiUrl = JSON.stringify(f.template.findOutputs('ApiUrl'));
    expect(apiUrl).toContain(onlyResource(f.template, 'AWS::ApiGatewayV2::Api')[0]);
  });
});

describe('the HTTP API with a JWT authorizer', () => {
  let f: StackFixture;
  const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example';
  beforeAll(() => {
    f = buildStack({
      jwtAuthorizer: { issuer, audience: ['client-a', 'client-b'] },
      apiThrottle: { rateLimit: 5, burstLimit: 10 },
      callbackThrottle: { rateLimit: 1, burstLimit: 2 },
    });
  });

  it('requires a JWT from the issuer and audience on every route instead of IAM', () => {
    const [authorizerId] = onlyResource(f.template, 'AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: issuer, Audience: ['client-a', 'client-b'] },
    });
    expect(routes(f)).toHaveLength(EXPECTED_ROUTES.length);
    for (const route of routes(f)) {
      if (route.Properties['RouteKey'] === CALLBACK_ROUTE_KEY) continue;
      expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
    }
  });

  it('throttles the stage and the callback route at the configured rates and bursts', () => {
    f.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      RouteSettings: { [CALLBACK_ROUTE_KEY]: { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 } },
    });
  });
});
