/**
 * Business metrics counted at the orders edge, through the real orders function on DynamoDB Local:
 * an order refused for stock counts one `OutOfStockRejections`, a retried order (same
 * Idempotency-Key) one `IdempotentReplays`, a first placement neither; all with `service=storeline`.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../support/backbone.ts';
import { orderInput, stockedProduct } from '../orders/fixtures.ts';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});
const { handler } = await import('#functions/orders/handler.ts');

const placeOrder = async (body: unknown, key: string) =>
  (await handler(
    {
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: {
        requestId: `req-${key}`,
        http: { method: 'POST', path: '/orders' },
        authorizer: { jwt: { claims: { sub: 'edge-metrics-customer' } } },
      },
    } as unknown as APIGatewayProxyEventV2,
    lambdaContext('orders'),
  )) as APIGatewayProxyStructuredResultV2;

let business: Record<string, unknown>[] = [];
beforeEach(() => {
  business = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if ('_aws' in parsed && parsed.service === 'storeline') business.push(parsed);
    }
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const values = (name: string) => business.filter((d) => name in d).map((d) => d[name]);

describe('orders edge metrics', () => {
  it('counts an out-of-stock refusal and an idempotent replay, not a first placement', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 2 });

    // Act
    const first = await placeOrder(orderInput([{ sku, quantity: 1 }]), 'edge-1');
    const countAfterFirst = business.length;
    const replay = await placeOrder(orderInput([{ sku, quantity: 1 }]), 'edge-1');
    const refused = await placeOrder(orderInput([{ sku, quantity: 5 }]), 'edge-2');

    // Assess
    expect([first.statusCode, replay.statusCode, refused.statusCode]).toEqual([201, 201, 409]);
    expect(countAfterFirst).toBe(0);
    expect(values('IdempotentReplays')).toEqual([1]);
    expect(values('OutOfStockRejections')).toEqual([1]);
  });
});
