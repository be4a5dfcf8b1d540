/**
 * The local HTTP API: turns each request into an API Gateway v2 (payload format 2.0) event for the
 * topology's handler, verifying JWTs the way the HTTP API's JWT authorizer does, and maps the
 * handler's result back the way API Gateway does.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { API_SCOPE } from '#infra/topology/access.ts';
import type { HttpResult, RouteSpec } from '#shared/http/contract.ts';
import { problem, validationError } from '#shared/http/problem.ts';
import type { Topology } from '../topology/types.ts';
import { allRoutes } from '../topology.ts';
import { isDocsPath, serveDocs } from './docs-page.ts';
import { LocalRuntimeError } from './errors.ts';
import type { FunctionHost } from './functions.ts';
import { flattenClaims, type LocalIssuer, scopesOf, TokenRequest } from './jwt.ts';

/** HTTP APIs give up on an integration after 30 s (the maximum) and answer 503. */
const INTEGRATION_TIMEOUT_MS = 30_000;

function withIntegrationTimeout<T>(invocation: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('integration timed out after 30 s')), INTEGRATION_TIMEOUT_MS);
  });
  return Promise.race([invocation, timeout]).finally(() => clearTimeout(timer));
}

/** API Gateway's own payload limit for HTTP APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  readonly functionName: string;
  readonly route: RouteSpec;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

function compile(functionName: string, route: RouteSpec): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        names.push(greedy[1]);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1]) {
        names.push(param[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { functionName, route, pattern: new RegExp(`^${source}$`), names };
}

/** Static segments beat parameters, as in API Gateway's route selection. */
function specificity(route: RouteSpec): number {
  return route.path.split('/').filter((s) => s !== '' && !s.startsWith('{')).length;
}

function send(res: ServerResponse, result: HttpResult): void {
  const body = result.body === undefined ? '' : JSON.stringify(result.body);
  res.writeHead(result.status, {
    'content-type': 'application/json',
    ...result.headers,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendIntegrationResult(res: ServerResponse, result: unknown): void {
  // Payload format 2.0: a result without statusCode is taken as a 200 JSON body.
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    send(res, { status: 200, body: result ?? null });
    return;
  }
  const r = result as APIGatewayProxyStructuredResultV2;
  const body =
    r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(r.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (r.cookies?.length) headers['set-cookie'] = r.cookies;
  headers['content-length'] = String(body.length);
  res.writeHead(r.statusCode ?? 200, headers);
  res.end(body);
}

function requestId(): string {
  // Same shape as API Gateway's: 16 random bytes, base64.
  return randomBytes(12).toString('base64');
}

/**
 * The body, or undefined when it is over API Gateway's limit. An oversized body is still read to
 * its end (and dropped): leaving it unread would leave the keep-alive connection either stuck on
 * the rest of the upload or torn down, and the client's next request on it would fail.
 */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) chunks.length = 0;
    else chunks.push(chunk as Buffer);
  }
  return size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks);
}

const TOO_LARGE: HttpResult = { status: 413, body: { message: 'Request Entity Too Large' } };

/** A path parameter decoded as API Gateway decodes it, or undefined for malformed percent-encoding. */
function decodePathParameter(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function isText(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return /^(text\/|application\/(json|[\w.+-]*\+json|x-www-form-urlencoded|xml))/i.test(contentType);
}

/** A request to a local-only `/_local/*` endpoint other than the token one. */
export interface LocalRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

export interface GatewayOptions {
  readonly topology: Topology;
  readonly host: FunctionHost;
  readonly issuer: LocalIssuer;
  readonly log?: (line: string) => void;
  /** Serves other `/_local/*` requests (queues, DLQs); undefined falls through to the routes. */
  readonly extras?: (request: LocalRequest) => Promise<HttpResult | undefined>;
  /** An HTML page for a `GET /_local/*` path (the ops page), or undefined. */
  readonly pages?: (path: string) => string | undefined;
  /**
   * Each API request once answered (not the `/_local/*` or docs ones), with the route group (the
   * function serving the route) when one matched: the series API Gateway gives CloudWatch.
   */
  readonly onRequest?: (request: { routeGroup?: string; status: number; latencyMs: number }) => void;
}

export function createGateway({
  topology,
  host,
  issuer,
  log = () => undefined,
  extras,
  pages,
  onRequest,
}: GatewayOptions): Server {
  const routes = allRoutes(topology)
    .map(({ functionName, route }) => compile(functionName, route))
    .sort((a, b) => specificity(b.route) - specificity(a.route));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const id = requestId();
    // The API's own requests are measured; the local-only pages and endpoints are not.
    const measured = !url.pathname.startsWith('/_local/') && !(method === 'GET' && isDocsPath(url.pathname));
    let routeGroup: string | undefined;
    res.once('finish', () => {
      if (measured)
        onRequest?.({
          ...(routeGroup ? { routeGroup } : {}),
          status: res.statusCode,
          latencyMs: Date.now() - started,
        });
    });
    // API Gateway returns its request id on every response; it is the correlation id of every event.
    res.setHeader('apigw-requestid', id);
    const body = await readBody(req);
    if (body === undefined) {
      send(res, TOO_LARGE);
      return;
    }

    if (method === 'GET' && isDocsPath(url.pathname)) {
      // Local only: a browsable reference for /openapi.json, served offline (docs-page.ts).
      await serveDocs(url.pathname, res);
      return;
    }

    if (url.pathname === '/_local/token' && method === 'POST') {
      let json: unknown;
      try {
        json = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        send(res, problem('MALFORMED_JSON', 'Body is not valid JSON'));
        return;
      }
      const parsed = TokenRequest.safeParse(json);
      if (!parsed.success) {
        const error = validationError(parsed.error, 'body');
        send(res, problem(error.code, error.message, { ...error.extra }));
        return;
      }
      send(res, { status: 201, body: { token: await issuer.mint(parsed.data), tokenType: 'Bearer' } });
      return;
    }

    const page = method === 'GET' && url.pathname.startsWith('/_local/') ? pages?.(url.pathname) : undefined;
    if (page !== undefined) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(page),
        'cache-control': 'no-store',
      });
      res.end(page);
      return;
    }

    if (extras && url.pathname.startsWith('/_local/')) {
      const result = await extras({ method, path: url.pathname, query: url.searchParams, body });
      if (result) {
        send(res, result);
        return;
      }
    }

    let matched: { compiled: CompiledRoute; params: Record<string, string> } | undefined;
    const malformed: string[] = [];
    for (const compiled of routes) {
      if (compiled.route.method !== method) continue;
      const m = compiled.pattern.exec(url.pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      compiled.names.forEach((name, i) => {
        const value = decodePathParameter(m[i + 1] ?? '');
        if (value === undefined) malformed.push(name);
        else params[name] = value;
      });
      matched = { compiled, params };
      break;
    }
    if (malformed.length > 0) {
      // Bad input, so a 400 and not a 500, answered before the authorizer as a request the
      // gateway cannot parse would be. docs/local-runtime.md ("Gateway fidelity") says why 400.
      send(
        res,
        problem('VALIDATION_FAILED', 'The request path has malformed percent-encoding', {
          errors: malformed.map((name) => ({ path: `path.${name}`, message: 'Malformed percent-encoding' })),
        }),
      );
      return;
    }
    if (!matched) {
      // What API Gateway answers for a request no route matches.
      send(res, { status: 404, body: { message: 'Not Found' } });
      return;
    }
    const { compiled, params } = matched;
    const { route } = compiled;
    routeGroup = compiled.functionName;

    let claims: Record<string, string> | undefined;
    let scopes: string[] = [];
    if (route.access === 'authenticated' || route.access === 'staff') {
      const header = req.headers.authorization ?? '';
      const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
      const verified = token ? await issuer.verify(token) : undefined;
      if (!verified) {
        // In AWS the JWT authorizer answers this 401 itself; locally it is problem+json like the API's own.
        send(
          res,
          problem(
            'UNAUTHORIZED',
            token ? 'The bearer token is invalid or expired' : 'A bearer token is required',
          ),
        );
        return;
      }
      scopes = scopesOf(verified);
      if (!scopes.includes(API_SCOPE)) {
        // The HTTP API's routes require the scope (`authorizationScopes`): API Gateway answers 403.
        send(res, problem('FORBIDDEN', `The bearer token lacks the ${API_SCOPE} scope`));
        return;
      }
      claims = flattenClaims(verified);
    }

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
    const cookies = req.headers.cookie?.split(';').map((c) => c.trim());
    const text = isText(req.headers['content-type']);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
    const now = new Date();
    const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
      version: '2.0',
      routeKey: `${route.method} ${route.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies?.length ? { cookies } : {}),
      headers,
      ...(url.searchParams.size ? { queryStringParameters: query } : {}),
      ...(compiled.names.length ? { pathParameters: params } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: req.headers.host ?? 'localhost',
        domainPrefix: 'localhost',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: req.headers['user-agent'] ?? '',
        },
        requestId: id,
        routeKey: `${route.method} ${route.path}`,
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
        ...(claims ? { authorizer: { jwt: { claims, scopes } } } : {}),
      },
      ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && !text,
    };

    try {
      const result = await withIntegrationTimeout(host.invoke(compiled.functionName, event));
      sendIntegrationResult(res, result);
      log(`${method} ${url.pathname} → ${res.statusCode} ${compiled.functionName} ${Date.now() - started}ms`);
    } catch (error) {
      log(`${method} ${url.pathname} → 500 ${compiled.functionName}: ${(error as Error).message}`);
      // What API Gateway answers when the integration fails or times out.
      const timedOut = /timed out/.test((error as Error).message);
      send(res, {
        status: timedOut ? 503 : 500,
        body: { message: timedOut ? 'Service Unavailable' : 'Internal Server Error' },
      });
    }
  }

  const serve = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      log(`gateway error: ${String(error)}`);
      if (!res.headersSent) send(res, { status: 500, body: { message: 'Internal Server Error' } });
      else res.destroy();
    });
  };
  const server = createServer({ keepAliveTimeout: 30_000 }, serve);
  // A client that asks before sending (`Expect: 100-continue`, curl does for large bodies) is
  // told 413 without uploading a body that would be refused; it did not send the body, so the
  // connection is closed rather than left with the client unsure whether to send it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_PAYLOAD_BYTES) {
      res.setHeader('apigw-requestid', requestId());
      res.setHeader('connection', 'close');
      send(res, TOO_LARGE);
      return;
    }
    res.writeContinue();
    serve(req, res);
  });
  return server;
}

/** Listens on `port`, turning a taken port into a one-line error. */
export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new LocalRuntimeError(
              `Port ${port} is already in use: stop what holds it or set PORT to another port.`,
            )
          : error,
      );
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolvePromise(typeof address === 'object' && address ? address.port : port);
    });
  });
}
