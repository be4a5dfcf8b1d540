/**
 * Infra tier: edge protection of the HTTP API in the synthesized template (issue 15, item 4).
 * Throttling (stage default, stricter routes from the topology), CORS for configured origins only,
 * JWT routes requiring the `storeline/api` scope of the user pool's resource server, the signed
 * webhook without an authorizer but with its secret in Secrets Manager, encryption at rest of the
 * table, queues and topics, and access logs whose format holds no personal data.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnTopic } from 'aws-cdk-lib/aws-sns';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ACCESS_LOG_FIELDS, JWT_ACCESS } from '#infra/constructs/http-api.ts';
import { originsFromContext, StorelineStack } from '#infra/stack.ts';
import { API_RESOURCE_SERVER, API_SCOPE, API_SCOPE_NAME } from '#infra/topology/access.ts';
import { allRoutes, functionEntries, topology } from '#infra/topology.ts';
import { routeKey } from '#shared/http/contract.ts';
import {
  actionsOf,
  allIdentityStatements,
  logicalId,
  ref,
  resource,
  resourcesOf,
  resourcesOfType,
  SKIP_BUNDLING,
  synthesize,
} from './helpers.ts';
import { syntheticTopology } from './synthetic-topology.ts';

const { stack, template } = synthesize();
const routes = allRoutes(topology);

interface RouteJson {
  readonly RouteKey: string;
  readonly AuthorizationType: string;
  readonly AuthorizationScopes?: string[];
  readonly AuthorizerId?: unknown;
}
const routeResources = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).map(
  (r) => r.Properties as unknown as RouteJson,
);
const stage = resource(template, logicalId(stack.http.stage)).Properties as {
  DefaultRouteSettings: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
  RouteSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
  AccessLogSettings: { Format: string };
};

describe('Edge protection: throttling', () => {
  it('throttles the stage by default (500 rps, burst 1000)', () => {
    expect(stage.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 1000,
    });
  });

  it('gives exactly the routes the topology names a budget of their own, each below the stage default', () => {
    // Prepare: a function's routeThrottle covers its routes; routeKeyThrottles single routes.
    const expected: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const [name, spec] of functionEntries()) {
      for (const { functionName, route } of routes) {
        const throttle =
          spec.routeKeyThrottles?.[routeKey(route)] ??
          (functionName === name ? spec.routeThrottle : undefined);
        if (throttle)
          expected[routeKey(route)] = {
            ThrottlingRateLimit: throttle.rateLimit,
            ThrottlingBurstLimit: throttle.burstLimit,
          };
      }
    }

    // Assess
    expect(stage.RouteSettings).toEqual(expected);
    for (const [key, settings] of Object.entries(stage.RouteSettings)) {
      expect(settings.ThrottlingRateLimit, key).toBeLessThan(stage.DefaultRouteSettings.ThrottlingRateLimit);
      expect(settings.ThrottlingBurstLimit, key).toBeLessThan(
        stage.DefaultRouteSettings.ThrottlingBurstLimit,
      );
    }
  });

  it('limits the signed webhook and order intake, the two costliest routes to flood', () => {
    expect(stage.RouteSettings['POST /webhooks/marketing']).toEqual({
      ThrottlingRateLimit: 20,
      ThrottlingBurstLimit: 40,
    });
    expect(stage.RouteSettings['POST /orders']).toEqual({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
  });
});

describe('Edge protection: CORS', () => {
  it('has no CORS configuration without configured origins (browsers refuse cross-origin calls)', () => {
    const api = resource(template, logicalId(stack.http.api));
    expect(api.Properties.CorsConfiguration).toBeUndefined();
  });

  it('allows exactly the configured origins, the API methods and headers, without credentials', () => {
    // Prepare
    const origins = ['https://shop.example.com', 'https://admin.example.com:8443'];
    const app = new App({ context: SKIP_BUNDLING });
    const corsStack = new StorelineStack(app, 'Cors', {
      topology: syntheticTopology,
      allowedOrigins: origins,
    });

    // Act
    const cors = Template.fromStack(corsStack).findResources('AWS::ApiGatewayV2::Api');

    // Assess
    const config = Object.values(cors)[0]!.Properties.CorsConfiguration;
    expect(config).toEqual({
      AllowOrigins: origins,
      AllowMethods: [...new Set(allRoutes(syntheticTopology).map(({ route }) => route.method))],
      AllowHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match'],
      ExposeHeaders: ['etag', 'location', 'retry-after'],
      AllowCredentials: false,
      MaxAge: 3600,
    });
    expect(JSON.stringify(config)).not.toContain('*');
  });

  it('reads the allowedOrigins context as a comma-separated list or an array, and refuses non-origins', () => {
    expect(originsFromContext(undefined)).toEqual([]);
    expect(originsFromContext('https://a.example, https://b.example:8443')).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ]);
    expect(originsFromContext(['http://localhost:5173'])).toEqual(['http://localhost:5173']);
    for (const bad of ['*', 'https://a.example/', 'http://shop.example.com', 'https://*.example.com', 42])
      expect(() => originsFromContext(bad), String(bad)).toThrow(/allowedOrigins/);
  });
});

describe('Edge protection: JWT routes need an access token with the API scope', () => {
  it(`has a resource server "${API_RESOURCE_SERVER}" with the one scope "${API_SCOPE_NAME}"`, () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: API_RESOURCE_SERVER,
      UserPoolId: ref(stack.http.userPool),
      Scopes: [{ ScopeName: API_SCOPE_NAME, ScopeDescription: Match.anyValue() }],
    });
  });

  it('lets the client obtain the scope only through the authorization code flow', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      // `storeline/api`: the resource server's Ref is its identifier.
      AllowedOAuthScopes: [
        'openid',
        { 'Fn::Join': ['', [ref(stack.http.resourceServer), `/${API_SCOPE_NAME}`]] },
      ],
      GenerateSecret: false,
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { UserPoolId: ref(stack.http.userPool) });
  });

  it('requires the scope on every authenticated and staff route, and on no other', () => {
    for (const { route } of routes) {
      const found = routeResources.find((r) => r.RouteKey === routeKey(route));
      expect(found, routeKey(route)).toBeDefined();
      if (JWT_ACCESS.has(route.access)) {
        expect(found!.AuthorizationType, routeKey(route)).toBe('JWT');
        expect(found!.AuthorizationScopes, routeKey(route)).toEqual([API_SCOPE]);
      } else {
        expect(found!.AuthorizationType, routeKey(route)).toBe('NONE');
        expect(found!.AuthorizationScopes, routeKey(route)).toBeUndefined();
      }
    }
  });
});

describe('Edge protection: the signed webhook', () => {
  const signed = routes.filter(({ route }) => route.access === 'signed');

  it('is reachable without a token, its function reading its signing secrets from Secrets Manager', () => {
    expect(signed.length).toBeGreaterThan(0);
    for (const { functionName, route } of signed) {
      const fn = stack.functions.get(functionName)!;
      const spec = topology.functions[functionName as keyof typeof topology.functions] as {
        secrets?: readonly { name: string; arnVariable: string }[];
      };
      expect(routeResources.find((r) => r.RouteKey === routeKey(route))?.AuthorizationType).toBe('NONE');
      expect(spec.secrets?.length, functionName).toBeGreaterThan(0);
      const environment = (
        resource(template, logicalId(fn.function)).Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      for (const secret of spec.secrets ?? []) {
        const created = fn.secrets.get(secret.name)!;
        expect(resource(template, logicalId(created)).Type).toBe('AWS::SecretsManager::Secret');
        expect(environment[secret.arnVariable]).toEqual(ref(created));
      }
    }
  });

  it('keeps the signing secrets readable by their own function only', () => {
    const secretRefs = signed.flatMap(({ functionName }) =>
      [...stack.functions.get(functionName)!.secrets.values()].map((s) => JSON.stringify(ref(s))),
    );
    const readers = allIdentityStatements(template).filter(
      (s) =>
        actionsOf(s).some((a) => a.startsWith('secretsmanager:')) &&
        resourcesOf(s).some((r) => secretRefs.includes(JSON.stringify(r))),
    );
    expect(readers).toHaveLength(secretRefs.length);
  });
});

describe('Edge protection: encryption at rest', () => {
  it('encrypts the table with the AWS managed KMS key', () => {
    // SSEEnabled without a key id: KMS with the AWS managed key aws/dynamodb (not the AWS owned default).
    expect(resource(template, logicalId(stack.table)).Properties.SSESpecification).toEqual({
      SSEEnabled: true,
    });
  });

  it('encrypts every queue (SSE-SQS or KMS) and every topic (KMS), nested stacks included', () => {
    // The construct tree, not one template: a nested stack's resources are under the stack too.
    const all = stack.node.findAll();
    const queues = all.filter((c): c is CfnQueue => c instanceof CfnQueue);
    const topics = all.filter((c): c is CfnTopic => c instanceof CfnTopic);
    expect(queues.length).toBeGreaterThan(0);
    expect(topics.length).toBeGreaterThan(0);
    for (const queue of queues)
      expect(queue.sqsManagedSseEnabled === true || queue.kmsMasterKeyId !== undefined, queue.node.path).toBe(
        true,
      );
    for (const topic of topics) expect(topic.kmsMasterKeyId, topic.node.path).toBeDefined();
  });
});

describe('Edge protection: access logs without personal data', () => {
  const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;

  it('logs exactly the documented fields, one JSON object per request', () => {
    expect(format).toEqual(ACCESS_LOG_FIELDS);
  });

  it('logs neither raw paths nor query strings, user agents, token claims or caller identities', () => {
    const variables = Object.values(format).join(' ');
    for (const forbidden of [
      '$context.path',
      'querystring',
      '$context.identity.userAgent',
      '$context.authorizer.claims',
      '$context.authorizer.principalId',
      '$context.identity.caller',
      '$context.identity.user',
      '$context.identity.cognito',
      '$request.',
    ])
      expect(variables, forbidden).not.toContain(forbidden);
    // The route template instead of the path; the one address kept is justified in http-api.ts.
    expect(format.routeKey).toBe('$context.routeKey');
    expect(Object.values(format).filter((v) => v.startsWith('$context.identity.'))).toEqual([
      '$context.identity.sourceIp',
    ]);
  });
});
