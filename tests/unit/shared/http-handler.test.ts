import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { AppError } from '#shared/errors.ts';
import { defineRoute } from '#shared/http/contract.ts';
import { httpApi, json, MAX_BODY_BYTES } from '#shared/http/handler.ts';

const routes = {
  create: defineRoute({
    method: 'POST',
    path: '/things/{id}',
    operationId: 'createThing',
    summary: 'test',
    tag: 'test',
    access: 'staff',
    idempotencyKey: 'required',
    params: z.strictObject({ id: z.string().regex(/^[a-z]+$/) }),
    body: z.strictObject({ name: z.string().min(1), count: z.int() }),
    responses: { 201: { description: 'created' } },
  }),
  read: defineRoute({
    method: 'GET',
    path: '/things/{id}',
    operationId: 'readThing',
    summary: 'test',
    tag: 'test',
    access: 'authenticated',
    params: z.strictObject({ id: z.string() }),
    responses: { 200: { description: 'ok' } },
  }),
  open: defineRoute({
    method: 'GET',
    path: '/open',
    operationId: 'open',
    summary: 'test',
    tag: 'test',
    access: 'public',
    responses: { 200: { description: 'ok' } },
  }),
};

const handler = httpApi(routes, {
  create: async ({ params, body, principal, idempotencyKey }) =>
    json({ id: params.id, ...body, by: principal.sub, key: idempotencyKey }, 201),
  read: async ({ params }) => {
    if (params.id === 'boom') throw new Error('secret database detail');
    if (params.id === 'gone') throw new AppError('NOT_FOUND', 'Thing gone was not found');
    return json({ id: params.id });
  },
  open: async ({ principal }) => json({ anonymous: principal === undefined }),
});

const context = {
  functionName: 'test',
  awsRequestId: 'req',
  getRemainingTimeInMillis: () => 1000,
} as Context;

function event(
  routeKey: string,
  init: Partial<APIGatewayProxyEventV2> & { claims?: Record<string, string> },
) {
  const { claims, ...rest } = init;
  const [method, path] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      requestId: 'r-1',
      http: { method, path },
      ...(claims ? { authorizer: { jwt: { claims } } } : {}),
    },
    ...rest,
  } as unknown as APIGatewayProxyEventV2;
}

async function call(e: APIGatewayProxyEventV2) {
  const res = (await handler(e, context)) as APIGatewayProxyStructuredResultV2;
  return { ...res, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined };
}

const staff = { sub: 'alice', 'cognito:groups': '[staff]' };
const customer = { sub: 'bob', 'cognito:groups': '[]' };
const validCreate = {
  pathParameters: { id: 'abc' },
  headers: { 'idempotency-key': 'k1' },
  body: JSON.stringify({ name: 'a', count: 1 }),
};

describe('Function: httpApi', () => {
  it('passes validated input and the principal to the operation', async () => {
    const res = await call(event('POST /things/{id}', { ...validCreate, claims: staff }));
    expect(res.statusCode).toBe(201);
    expect(res.json).toEqual({ id: 'abc', name: 'a', count: 1, by: 'alice', key: 'k1' });
  });

  it('answers malformed JSON with 400 MALFORMED_JSON as problem+json', async () => {
    const res = await call(event('POST /things/{id}', { ...validCreate, body: '{"name":', claims: staff }));
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(res.json).toMatchObject({ code: 'MALFORMED_JSON', status: 400, title: expect.any(String) });
  });

  it('rejects unknown fields and wrong types, naming each path', async () => {
    const body = JSON.stringify({ name: '', count: 'x', extra: true });
    const res = await call(event('POST /things/{id}', { ...validCreate, body, claims: staff }));
    expect(res.statusCode).toBe(400);
    expect(res.json?.code).toBe('VALIDATION_FAILED');
    const paths = ((res.json?.errors ?? []) as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['body.count', 'body.extra', 'body.name']);
  });

  it('validates path parameters', async () => {
    const res = await call(
      event('POST /things/{id}', { ...validCreate, pathParameters: { id: 'A1' }, claims: staff }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json?.errors).toEqual([{ path: 'params.id', message: expect.any(String) }]);
  });

  it('answers 401 without claims and 403 for a customer on a staff route', async () => {
    expect((await call(event('POST /things/{id}', validCreate))).json?.code).toBe('UNAUTHORIZED');
    const forbidden = await call(event('POST /things/{id}', { ...validCreate, claims: customer }));
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json?.code).toBe('FORBIDDEN');
  });

  it('requires the Idempotency-Key where the route says so', async () => {
    const res = await call(event('POST /things/{id}', { ...validCreate, headers: {}, claims: staff }));
    expect(res.statusCode).toBe(400);
    expect(res.json?.errors).toEqual([{ path: 'headers.idempotency-key', message: 'Required' }]);
  });

  it('answers 413 for bodies over the limit before parsing them', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES), count: 1 });
    const res = await call(event('POST /things/{id}', { ...validCreate, body, claims: staff }));
    expect(res.statusCode).toBe(413);
    expect(res.json?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('maps typed domain errors and hides unexpected ones behind a bare 500', async () => {
    const gone = await call(event('GET /things/{id}', { pathParameters: { id: 'gone' }, claims: customer }));
    expect(gone.statusCode).toBe(404);
    expect(gone.json?.code).toBe('NOT_FOUND');
    const boom = await call(event('GET /things/{id}', { pathParameters: { id: 'boom' }, claims: customer }));
    expect(boom.statusCode).toBe(500);
    expect(JSON.stringify(boom.json)).not.toContain('secret database detail');
    expect(JSON.stringify(boom.json)).not.toContain('at ');
    expect(boom.json?.detail).toContain('r-1');
  });

  it('serves public routes without a principal', async () => {
    expect((await call(event('GET /open', {}))).json).toEqual({ anonymous: true });
  });
});
