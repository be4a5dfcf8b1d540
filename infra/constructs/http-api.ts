/** The public HTTP API and the Cognito user pool whose tokens it accepts, built from the route contracts. */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
  type UserPoolGroup,
  type UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_RESOURCE_SERVER, API_SCOPE, API_SCOPE_NAME } from '#infra/topology/access.ts';
import type { RouteThrottle } from '#infra/topology/types.ts';
import { type Access, type RouteSpec, routeKey } from '#shared/http/contract.ts';
import { pascalCase } from './names.ts';

/** The Cognito group whose members are staff (`cognito:groups` in the token; see docs/api.md, authentication). */
export const STAFF_GROUP = 'staff';

/** Route access levels that API Gateway checks a JWT for; the others reach the handler without one. */
export const JWT_ACCESS: ReadonlySet<Access> = new Set<Access>(['authenticated', 'staff']);

/**
 * One JSON line per request: enough to find the request's logs and trace (`requestId`), see who was
 * refused and why (`authorizerError`), and tell a slow handler from a slow gateway. No personal
 * data: the route *template* (`routeKey`), never the raw path or query string (a client can put
 * an email in either); no user agent and no token claims (not even `sub`: the function logs,
 * joined by `requestId`, say who asked). The one identifier kept is `sourceIp`, deliberately: it is
 * what tells a flood or forged webhook traffic from the marketing system's addresses
 * (docs/operations.md, rotating the webhook secret; docs/security.md, edge protection), and the
 * log group keeps it 30 days only. Tests: tests/infra/edge-protection.test.ts.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integration.latency',
  integrationStatus: '$context.integration.status',
  integrationError: '$context.integration.error',
  authorizerError: '$context.authorizer.error',
  errorMessage: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
} as const;

const ACCESS_LOG_FORMAT = AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS));

/** Request headers a browser client sends (beyond the CORS-safelisted ones). */
const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-match'];
/** Response headers a browser client may read. */
const CORS_EXPOSE_HEADERS = ['etag', 'location', 'retry-after'];

/** Why a route is deliberately left without an authorizer, per access level. */
const NO_AUTHORIZER_REASON: Record<Exclude<Access, 'authenticated' | 'staff'>, string> = {
  public:
    'Public by contract (docs/api.md): liveness and the OpenAPI document answer without a token and expose no data.',
  signed:
    'Webhook from a marketing system that cannot obtain a JWT: the handler verifies an HMAC-SHA256 ' +
    'signature over timestamp and raw body and rejects stale or unsigned requests with 401.',
};

export interface StorelineHttpApiProps {
  /** Every route with the name of the function serving it (`allRoutes(topology)`). */
  readonly routes: readonly { readonly functionName: string; readonly route: RouteSpec }[];
  /** Route-level throttling by function name (the topology's `routeThrottle`), over the stage's. */
  readonly routeThrottles?: ReadonlyMap<string, RouteThrottle>;
  /**
   * Route-level throttling by route key (`POST /orders`; the topology's `routeKeyThrottles`), over
   * the function's and the stage's.
   */
  readonly routeKeyThrottles?: ReadonlyMap<string, RouteThrottle>;
  /**
   * Browser origins allowed to call the API (CORS), e.g. `https://shop.example.com`. Default none:
   * no CORS configuration, so browsers refuse cross-origin calls; servers are unaffected.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Where Cognito's managed login may return an authorization code (the client's callback URLs).
   * Default: `<origin>/auth/callback` for each allowed origin, else `http://localhost:3000/auth/callback`.
   */
  readonly callbackUrls?: readonly string[];
  /** The managed-login domain prefix (globally unique per region). Default: `<stack name>-<account>`. */
  readonly authDomainPrefix?: string;
  /** The function for each name used in `routes`. */
  readonly functions: ReadonlyMap<string, IFunction>;
  /** Steady-state and burst request limits on the stage. Default: 500 rps, burst 1000. */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/**
 * API Gateway HTTP API with a Cognito JWT authorizer.
 *
 * - One `HttpLambdaIntegration` (payload format 2.0) per function, shared by its routes, and one
 *   permission per function letting this API (any of its stages and routes) invoke it.
 * - Routes exactly as the contracts say (`METHOD /path`); `authenticated` and `staff` routes get the
 *   user-pool JWT authorizer, `public` and `signed` ones none. The staff check itself (group
 *   membership) is the handler's, from `cognito:groups`.
 * - JWT routes also require the `storeline/api` scope (`authorizationScopes`): the user pool has a
 *   resource server `storeline` with the scope `api`, and the client gets it only through the OAuth
 *   authorization-code flow (PKCE, public client) of the managed login on the pool's domain. An ID
 *   token, or an access token from the SRP API (scope `aws.cognito.signin.user.admin` only), is
 *   refused with 403 by API Gateway.
 * - CORS only for `allowedOrigins` (default none).
 * - User pool: no self sign-up, e-mail sign-in, 12+ character passwords with all character classes,
 *   optional TOTP MFA, Plus feature plan with full threat protection (blocks compromised credentials
 *   and risky sign-ins), retained and deletion-protected. A `staff` group.
 * - One public client (no secret; SRP for tools, authorization code + PKCE for the API scope)
 *   whose id is the token audience.
 * - The `$default` stage auto-deploys, is throttled, and writes JSON access logs to its own group;
 *   routes of a function with a `routeThrottle` get stage route settings of their own.
 */
export class StorelineHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  readonly staffGroup: UserPoolGroup;
  readonly accessLogGroup: LogGroup;
  /** The resource server whose `api` scope every JWT route requires. */
  readonly resourceServer: UserPoolResourceServer;
  /** The managed-login domain the OAuth flow runs on. */
  readonly domain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: StorelineHttpApiProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP) rather than required: customers of the shop sign in from web and mobile ' +
        'clients, and threat protection in FULL_FUNCTION mode already demands a second factor on risky sign-ins.',
    });

    const apiScope = new ResourceServerScope({
      scopeName: API_SCOPE_NAME,
      scopeDescription: 'Call the Storeline API on behalf of the signed-in user',
    });
    this.resourceServer = this.userPool.addResourceServer('ResourceServer', {
      identifier: API_RESOURCE_SERVER,
      userPoolResourceServerName: 'Storeline API',
      scopes: [apiScope],
    });
    const stack = Stack.of(this);
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: {
        domainPrefix: props.authDomainPrefix ?? `${stack.stackName.toLowerCase()}-${stack.account}`,
      },
    });
    const origins = props.allowedOrigins ?? [];
    const callbackUrls =
      props.callbackUrls ??
      (origins.length > 0
        ? origins.map((origin) => `${origin}/auth/callback`)
        : ['http://localhost:3000/auth/callback']);

    this.userPoolClient = this.userPool.addClient('Client', {
      authFlows: { userSrp: true },
      generateSecret: false,
      // Authorization code with PKCE only (no implicit grant): the one way to a token with the API scope.
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.resourceServer(this.resourceServer, apiScope)],
        callbackUrls: [...callbackUrls],
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    this.staffGroup = this.userPool.addGroup('StaffGroup', {
      groupName: STAFF_GROUP,
      description: 'Storeline staff: may manage the catalogue, orders, coupons, customers and tickets',
    });

    this.api = new HttpApi(this, 'Api', {
      description: 'Storeline REST API',
      createDefaultStage: false,
      ...(origins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...origins],
              allowMethods: [...new Set(props.routes.map(({ route }) => CorsHttpMethod[route.method]))],
              allowHeaders: CORS_ALLOW_HEADERS,
              exposeHeaders: CORS_EXPOSE_HEADERS,
              allowCredentials: false,
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const throttle = props.throttle ?? { rateLimit: 500, burstLimit: 1000 };
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const jwt = new HttpUserPoolAuthorizer('CognitoAuthorizer', this.userPool, {
      userPoolClients: [this.userPoolClient],
    });
    const none = new HttpNoneAuthorizer();
    const integrations = new Map<string, HttpLambdaIntegration>();
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};

    for (const { functionName, route } of props.routes) {
      const handler = props.functions.get(functionName);
      if (!handler) throw new Error(`Route ${route.method} ${route.path}: no function named ${functionName}`);
      let integration = integrations.get(functionName);
      if (!integration) {
        // One invoke permission per function for this API (`<api>/*/*/*`), not one per route: the
        // API's routes are all ours, and 75 route-scoped permissions pushed the stack past
        // CloudFormation's 500-resource limit.
        integration = new HttpLambdaIntegration(`${pascalCase(functionName)}Integration`, handler, {
          scopePermissionToRoute: false,
        });
        integrations.set(functionName, integration);
      }
      const authorizer: IHttpRouteAuthorizer = JWT_ACCESS.has(route.access) ? jwt : none;
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer,
        ...(authorizer === jwt ? { authorizationScopes: [API_SCOPE] } : {}),
      });
      if (httpRoute && (route.access === 'public' || route.access === 'signed')) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: NO_AUTHORIZER_REASON[route.access],
        });
      }
      const routeThrottle =
        props.routeKeyThrottles?.get(routeKey(route)) ?? props.routeThrottles?.get(functionName);
      if (httpRoute && routeThrottle) {
        routeSettings[routeKey(route)] = {
          ThrottlingRateLimit: routeThrottle.rateLimit,
          ThrottlingBurstLimit: routeThrottle.burstLimit,
        };
        // Route settings name a route key that must exist when the stage is updated.
        this.stage.node.addDependency(httpRoute);
      }
    }
    const served = new Set(props.routes.map(({ route }) => routeKey(route)));
    for (const key of props.routeKeyThrottles?.keys() ?? [])
      if (!served.has(key)) throw new Error(`Throttle for ${key}: no such route`);
    if (Object.keys(routeSettings).length > 0) {
      (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    }
  }

  /** The stage's invoke URL, `https://{api-id}.execute-api.{region}.amazonaws.com/`. */
  get url(): string {
    return this.stage.url;
  }
}
