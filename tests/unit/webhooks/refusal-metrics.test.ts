/**
 * The webhook edge's business metrics: each refusal counts one `WebhooksRefused` with its reason
 * (bad signature, invalid body), written as EMF lines with `service=storeline` at the end of the
 * invocation. (Accepted deliveries reach the table: see the webhooks integration tests.)
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signedHeaders } from '#functions/webhooks/signature.ts';
import { lambdaContext } from '../../support/backbone.ts';

const SECRET = 'unit-webhook-secret-0123456789abcdef';
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
beforeAll(async () => {
  // Module-scope configuration is read at import, as at a cold start. No request here reaches the table.
  Object.assign(process.env, { TABLE_NAME: 'unused-by-these-tests', WEBHOOK_SECRET: SECRET });
  delete process.env.WEBHOOK_SECRETS_ARN;
  const module = await import('#functions/webhooks/handler.ts');
  handler = async (event) =>
    (await module.handler(event as never, lambdaContext('webhooks'))) as APIGatewayProxyStructuredResultV2;
});

const post = (body: string, headers: Record<string, string> = {}) =>
  ({
    version: '2.0',
    routeKey: 'POST /webhooks/marketing',
    rawPath: '/webhooks/marketing',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', http: { method: 'POST', path: '/webhooks/marketing' } },
  }) as unknown as APIGatewayProxyEventV2;

let emf: Record<string, unknown>[] = [];
beforeEach(() => {
  emf = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if ('_aws' in parsed && parsed.service === 'storeline') emf.push(parsed);
    }
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('webhook refusal metrics', () => {
  it('counts a bad signature as refused for its signature', async () => {
    const body = JSON.stringify({ id: 'evt_1', type: 'contact.unsubscribed', data: { email: 'a@b.co' } });
    const response = await handler(
      post(body, signedHeaders('not-our-secret-0123456789abcdef', Date.now() / 1000, body)),
    );
    expect(response.statusCode).toBe(401);
    expect(emf).toEqual([expect.objectContaining({ WebhooksRefused: 1, reason: 'signature' })]);
  });

  it('counts a signed but invalid body as refused for validation', async () => {
    const body = JSON.stringify({ hello: 'world' });
    const response = await handler(post(body, signedHeaders(SECRET, Math.floor(Date.now() / 1000), body)));
    expect(response.statusCode).toBe(400);
    expect(emf).toEqual([expect.objectContaining({ WebhooksRefused: 1, reason: 'validation' })]);
  });
});
