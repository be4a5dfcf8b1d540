/**
 * Unit tier: the webhook function's HTTP edge, invoked as Lambda would invoke it, on the paths that
 * never reach the table: every refused signature is the same 401, checked before the body is read
 * (an unsigned caller learns nothing about the schema), and a signed but invalid body is a 400.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '#functions/webhooks/signature.ts';
import { httpApi, json } from '#shared/http/handler.ts';

const SECRET = 'unit-webhook-secret-0123456789abcdef';
type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;

beforeAll(async () => {
  // Module-scope configuration is read at import, as at a cold start. No request here reaches the table.
  Object.assign(process.env, { TABLE_NAME: 'unused-by-these-tests', WEBHOOK_SECRET: SECRET });
  delete process.env.WEBHOOK_SECRETS_ARN;
  handler = (await import('#functions/webhooks/handler.ts')).handler as unknown as Handler;
});

const context = {
  functionName: 'webhooks',
  awsRequestId: 'req',
  getRemainingTimeInMillis: () => 1000,
} as Context;
const now = () => Math.floor(Date.now() / 1000);

function post(body: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/marketing',
    rawPath: '/webhooks/marketing',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', http: { method: 'POST', path: '/webhooks/marketing' } },
  } as unknown as APIGatewayProxyEventV2;
}

const parsed = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '{}');

describe('Handler: webhooks (refusals)', () => {
  it('answers every kind of bad signature with the same 401 and the same words', async () => {
    // Prepare
    const body = JSON.stringify({ id: 'evt_1', type: 'contact.unsubscribed', data: { email: 'a@b.co' } });
    const good = signedHeaders(SECRET, now(), body);
    const cases: Record<string, string>[] = [
      {},
      { 'x-webhook-timestamp': good['x-webhook-timestamp'] },
      { ...good, 'x-webhook-signature': 'v1=zz' },
      signedHeaders('somebody-elses-secret-0123456789abcdef', now(), body),
      signedHeaders(SECRET, now() - 360, body),
      signedHeaders(SECRET, now() + 360, body),
      { ...good, 'x-webhook-timestamp': String(now() - 1) },
    ];

    // Act
    const responses: APIGatewayProxyStructuredResultV2[] = [];
    for (const headers of cases) responses.push(await handler(post(body, headers), context));

    // Assess
    const answers = responses.map((r) => ({ status: r.statusCode, ...parsed(r) }));
    for (const answer of answers) {
      expect(answer).toEqual({
        type: 'urn:storeline:problem:unauthorized',
        title: 'Authentication required',
        status: 401,
        code: 'UNAUTHORIZED',
        detail: 'The webhook signature is missing, invalid or expired',
        instance: '/webhooks/marketing',
      });
    }
  });

  it('refuses an unsigned body that is not even JSON with 401, not 400: the schema is not revealed', async () => {
    const response = await handler(post('{"id": oops'), context);
    expect(response.statusCode).toBe(401);
    const unknownFields = await handler(post(JSON.stringify({ hello: 'world' })), context);
    expect(unknownFields.statusCode).toBe(401);
  });

  it('answers a correctly signed but malformed body with 400', async () => {
    // Prepare
    const notJson = '{"id": oops';
    const wrongShape = JSON.stringify({ id: 'evt 1', type: 'contact.unsubscribed', extra: true });

    // Act
    const a = await handler(post(notJson, signedHeaders(SECRET, now(), notJson)), context);
    const b = await handler(post(wrongShape, signedHeaders(SECRET, now(), wrongShape)), context);

    // Assess
    expect({ status: a.statusCode, code: parsed(a).code }).toEqual({ status: 400, code: 'MALFORMED_JSON' });
    expect(b.statusCode).toBe(400);
    expect(
      parsed(b)
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['body.data', 'body.extra', 'body.id']);
  });
});

describe('Function: httpApi with a signed route', () => {
  it('refuses to build a handler for a signed route without a verifier', () => {
    const routes = {
      hook: {
        method: 'POST',
        path: '/hook',
        operationId: 'hook',
        summary: 'test',
        tag: 'test',
        access: 'signed',
        responses: { 200: { description: 'ok' } },
      },
    } as const;
    expect(() => httpApi(routes, { hook: async () => json({}) })).toThrow(/POST \/hook.*verifySignature/);
  });
});
