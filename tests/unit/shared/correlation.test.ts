/**
 * Correlation ids at the HTTP edge: a sane `x-correlation-id` is adopted, anything else gives way to
 * API Gateway's request id; either is answered in `x-correlation-id` (errors too), handed to the
 * operation as `requestId` (the correlation id of the events it emits) and on every log line.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { AppError } from '#shared/errors.ts';
import { defineRoute } from '#shared/http/contract.ts';
import type { RequestOutcome } from '#shared/http/handler.ts';
import { lambdaContext } from '../../support/backbone.ts';

vi.hoisted(() => {
  // Each invocation resets the logger to its initial level: INFO here, SILENT elsewhere in the suite.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});
const { correlationIdOf, httpApi, json } = await import('#shared/http/handler.ts');
const { logger } = await import('#shared/observability.ts');

const routes = {
  echo: defineRoute({
    method: 'GET',
    path: '/echo/{id}',
    operationId: 'echo',
    summary: 'test',
    description: 'Echoes the correlation id it was given',
    tag: 'test',
    access: 'public',
    params: z.strictObject({ id: z.string() }),
    responses: { 200: { description: 'ok' } },
  }),
};

const outcomes: RequestOutcome[] = [];
const handler = httpApi(
  routes,
  {
    echo: async ({ params, requestId }) => {
      logger.info('echoing');
      if (params.id === 'refused') throw new AppError('INVALID_STATE', 'no');
      return json({ requestId });
    },
  },
  { onOutcome: (outcome) => outcomes.push(outcome) },
);

const call = async (id: string, headers: Record<string, string> = {}) =>
  (await handler(
    {
      version: '2.0',
      routeKey: 'GET /echo/{id}',
      rawPath: `/echo/${id}`,
      rawQueryString: '',
      headers,
      isBase64Encoded: false,
      pathParameters: { id },
      requestContext: { requestId: 'apigw-req-1', http: { method: 'GET', path: `/echo/${id}` } },
    } as unknown as APIGatewayProxyEventV2,
    lambdaContext('echo'),
  )) as APIGatewayProxyStructuredResultV2;

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  outcomes.length = 0;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('correlation ids at the edge', () => {
  it('adopts a sane caller id: response header, operation, log lines', async () => {
    const res = await call('a', { 'X-Correlation-Id': 'checkout:7f3a-01.b_c' });
    expect(res.headers?.['x-correlation-id']).toBe('checkout:7f3a-01.b_c');
    expect(JSON.parse(res.body ?? '{}')).toEqual({ requestId: 'checkout:7f3a-01.b_c' });
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) {
      expect(line).toMatchObject({ correlation_id: 'checkout:7f3a-01.b_c' });
      expect(line.service).toBeTypeOf('string');
    }
  });

  it('falls back to the API Gateway request id, and answers it on errors too', async () => {
    const res = await call('refused', { 'x-correlation-id': 'has spaces <script>' });
    expect(res.statusCode).toBe(409);
    expect(res.headers?.['x-correlation-id']).toBe('apigw-req-1');
    expect(outcomes).toEqual([expect.objectContaining({ status: 409, code: 'INVALID_STATE' })]);
  });

  it('accepts exactly the tokens of at most 128 [A-Za-z0-9._:-]', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (header) => {
        const sane = /^[A-Za-z0-9._:-]{1,128}$/.test(header);
        expect(correlationIdOf(header, 'fallback')).toBe(sane ? header : 'fallback');
      }),
      { numRuns: 200 },
    );
    expect(correlationIdOf('a'.repeat(128), 'f')).toBe('a'.repeat(128));
    expect(correlationIdOf('a'.repeat(129), 'f')).toBe('f');
    expect(correlationIdOf(undefined, 'f')).toBe('f');
  });
});
