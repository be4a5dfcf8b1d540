/**
 * The HTTP edge every API function shares: route by `routeKey`, authenticate from the JWT
 * authorizer's claims, parse and validate with the route's zod schemas, call the operation, and
 * map typed errors to problem+json. Operations never see a Lambda event.
 *
 * Wrapped in the one middleware stack (`observed`, #shared/observability.ts). Errors are answered
 * inside the core handler so no middleware ever turns a client error into a 500.
 *
 * Correlation: the caller's `x-correlation-id` when it is a sane token (`correlationIdOf`), else API
 * Gateway's request id. It is the `correlation_id` of every log line, the `requestId` operations
 * pass on as the correlation id of the events they emit, and answered in `x-correlation-id`.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { type Principal, principalFromClaims } from '../auth.ts';
import { AppError } from '../errors.ts';
import { isTransientFault, serviceUnavailable } from '../faults.ts';
import { logger, metrics, observed } from '../observability.ts';
import { type HttpResult, type Operations, type RouteRequest, type RouteSpec, routeKey } from './contract.ts';
import { problem, problemFromError, validationError } from './problem.ts';

/** The header a caller may name its correlation id in; answered on every response. */
export const CORRELATION_HEADER = 'x-correlation-id';
const SANE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's correlation id when it is a sane token, else the request id. */
export const correlationIdOf = (header: string | undefined, requestId: string): string =>
  header !== undefined && SANE_CORRELATION_ID.test(header) ? header : requestId;

/** Largest JSON body accepted; larger ones get 413 before any parsing. */
export const MAX_BODY_BYTES = 256 * 1024;

type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown> } };
  };
};

interface Bound {
  readonly route: RouteSpec;
  readonly operation: (request: RouteRequest<RouteSpec>) => Promise<HttpResult>;
}

function parseWith(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

function readRawBody(event: HttpEvent): string {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  }
  return raw;
}

function parseBody(raw: string): { raw: string; json: unknown } {
  if (raw.trim() === '') return { raw, json: undefined };
  try {
    return { raw, json: JSON.parse(raw) as unknown };
  } catch (error) {
    throw new AppError('MALFORMED_JSON', `Body is not valid JSON: ${(error as Error).message}`);
  }
}

function authenticate(route: RouteSpec, event: HttpEvent): Principal | undefined {
  if (route.access === 'public' || route.access === 'signed') return undefined;
  const principal = principalFromClaims(event.requestContext.authorizer?.jwt?.claims);
  if (!principal) throw new AppError('UNAUTHORIZED', 'A valid bearer token is required');
  if (route.access === 'staff' && !principal.isStaff) {
    throw new AppError('FORBIDDEN', 'This operation is for staff only');
  }
  return principal;
}

function idempotencyKeyOf(route: RouteSpec, headers: Record<string, string | undefined>): string | undefined {
  const key = headers['idempotency-key'];
  if (key === undefined || key === '') {
    if (route.idempotencyKey === 'required') {
      throw new AppError('VALIDATION_FAILED', 'The Idempotency-Key header is required', {
        errors: [{ path: 'headers.idempotency-key', message: 'Required' }],
      });
    }
    return undefined;
  }
  if (key.length > 255) {
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key is at most 255 characters', {
      errors: [{ path: 'headers.idempotency-key', message: 'At most 255 characters' }],
    });
  }
  return key;
}

function toResponse(result: HttpResult, correlationId: string): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { ...result.headers, [CORRELATION_HEADER]: correlationId };
  if (result.body === undefined) return { statusCode: result.status, headers };
  headers['content-type'] ??= 'application/json';
  return { statusCode: result.status, headers, body: JSON.stringify(result.body) };
}

/** Lower-cases header names; API Gateway already does, direct invocations may not. */
function normaliseHeaders(
  headers: APIGatewayProxyEventV2['headers'] | undefined,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

/** What a `signed` route's verifier sees: nothing about the request has been parsed yet. */
export interface SignedRequest {
  readonly route: RouteSpec;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received. */
  readonly rawBody: string;
}

export interface HttpApiOptions {
  /**
   * Authenticates the `signed` routes: called before the body is parsed or validated, so a caller
   * without a valid signature learns nothing about the body's schema (every refusal is the same
   * 401). Throws an `AppError('UNAUTHORIZED', …)` to refuse. Required when any route is `signed`.
   */
  readonly verifySignature?: (request: SignedRequest) => Promise<void>;
  /**
   * Told how each routed request ended (the status answered, the error code of a refusal), for the
   * business metrics a context counts at its edge (rejections, replays, webhooks accepted/refused).
   */
  readonly onOutcome?: (outcome: RequestOutcome) => void;
}

/** How a routed request ended: `code` is the `AppError` code of a refusal. */
export interface RequestOutcome {
  readonly route: RouteSpec;
  readonly status: number;
  readonly code?: string;
}

/**
 * Builds the Lambda handler for a set of routes. The operations object must cover every route,
 * which the type enforces.
 */
export function httpApi<Routes extends Record<string, RouteSpec>>(
  routes: Routes,
  operations: Operations<Routes>,
  options: HttpApiOptions = {},
) {
  const signed = Object.values(routes).filter((route) => route.access === 'signed');
  if (signed.length > 0 && !options.verifySignature) {
    throw new Error(`${signed.map(routeKey).join(', ')}: a signed route needs options.verifySignature`);
  }
  const byKey = new Map<string, Bound>();
  for (const [name, route] of Object.entries(routes)) {
    byKey.set(routeKey(route), {
      route,
      operation: operations[name as keyof Routes] as unknown as Bound['operation'],
    });
  }

  const core = async (event: HttpEvent, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const headers = normaliseHeaders(event.headers);
    const requestId = correlationIdOf(headers[CORRELATION_HEADER], event.requestContext.requestId);
    logger.setCorrelationId(requestId);
    const respond = (result: HttpResult) => toResponse(result, requestId);
    const bound = byKey.get(event.routeKey);
    if (!bound)
      return respond(problem('NOT_FOUND', `No route ${event.routeKey}`, { instance: event.rawPath }));
    const { route, operation } = bound;
    metrics.addDimension('operation', route.operationId);
    // One line per request, with the correlation id, route and outcome (no path values, no body).
    const outcome = (answer: { route: RouteSpec; status: number; code?: string }) => {
      logger.info('request answered', {
        route: event.routeKey,
        status: answer.status,
        ...(answer.code ? { code: answer.code } : {}),
      });
      options.onOutcome?.(answer);
    };
    try {
      const principal = authenticate(route, event);
      const rawBody = readRawBody(event);
      if (route.access === 'signed') await options.verifySignature?.({ route, headers, rawBody });
      const body = parseBody(rawBody);
      const request: RouteRequest<RouteSpec> = {
        params: parseWith(route.params, event.pathParameters ?? {}, 'params') as never,
        query: parseWith(route.query, event.queryStringParameters ?? {}, 'query') as never,
        body: parseWith(route.body, body.json, 'body') as never,
        principal: principal as never,
        headers,
        rawBody: body.raw,
        idempotencyKey: idempotencyKeyOf(route, headers) as never,
        requestId,
      };
      const result = await operation(request);
      metrics.addMetric('Requests', MetricUnit.Count, 1);
      outcome({ route, status: result.status });
      return respond(result);
    } catch (caught) {
      // Throttling or a transient fault the SDK's bounded retries could not overcome: 503.
      const error = isTransientFault(caught) ? serviceUnavailable() : caught;
      if (error instanceof AppError) {
        // A 503 (retries spent) is ours, not the caller's: counted with the server errors.
        metrics.addMetric(error.status >= 500 ? 'ServerErrors' : 'ClientErrors', MetricUnit.Count, 1);
        if (error.status >= 500) logger.error('request failed', { error });
        outcome({ route, status: error.status, code: error.code });
        return respond(problemFromError(error, event.rawPath));
      }
      metrics.addMetric('ServerErrors', MetricUnit.Count, 1);
      logger.error('unhandled error', { error: error as Error, route: event.routeKey });
      outcome({ route, status: 500, code: 'INTERNAL' });
      return respond(
        problem('INTERNAL', `Something went wrong on our side; quote request id ${requestId}`, {
          instance: event.rawPath,
        }),
      );
    }
  };

  return observed('http', core);
}

/** A JSON result; `status` defaults to 200. */
export const json = (body: unknown, status = 200, headers?: Record<string, string>): HttpResult => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});
