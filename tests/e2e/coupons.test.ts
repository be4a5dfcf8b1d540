/**
 * Coupons through the local runtime over HTTP: staff define them, orders redeem them inside their
 * own transaction (200 concurrent orders against a single redemption, 50 of one customer against a
 * limit of 2), cancellation gives a redemption back once, direct redemptions share the limits, a
 * `coupon.issued` webhook makes a coupon like staff do, and redemptions reach the timeline.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRET } from '#functions/webhooks/settings.ts';
import { signedHeaders } from '#functions/webhooks/signature.ts';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';
import { expectStockConserved, httpStockLedger } from '../support/invariant.ts';

const api = apiClient(inject('baseUrl'));
const SECRET = process.env.WEBHOOK_SECRET?.split(',')[0]?.trim() || LOCAL_WEBHOOK_SECRET;
const address = { name: 'Cy', line1: '1 Main St', city: 'Paris', postalCode: '75001', country: 'FR' };

let staff: string;

interface Coupon {
  code: string;
  redemptions: number;
  version: number;
  source: string;
  active: boolean;
}
interface Order {
  id: string;
  subtotal: number;
  discount: number;
  total: number;
  couponCode?: string;
  code?: string;
}
interface Redemption {
  id: string;
  customerId: string;
  status: 'REDEEMED' | 'RELEASED';
  source: string;
}

async function product(price: number, stock: number): Promise<string> {
  const sku = uniqueId('CPN');
  expect(
    (
      await api.request('PUT', `/products/${sku}`, {
        token: staff,
        body: { name: sku, price, currency: 'EUR' },
      })
    ).status,
  ).toBe(201);
  const moved = await api.request('POST', `/products/${sku}/stock-movements`, {
    token: staff,
    body: { quantity: stock, reason: 'receipt' },
  });
  expect(moved.status).toBe(201);
  return sku;
}

async function coupon(body: Record<string, unknown>): Promise<string> {
  const code = uniqueId('Cpn')
    .replace(/[^A-Za-z0-9_-]/g, '')
    .slice(0, 60);
  const put = await api.request<Coupon>('PUT', `/coupons/${code}`, { token: staff, body });
  expect(put.status, JSON.stringify(put.body)).toBe(201);
  return code;
}

const order = (token: string, sku: string, couponCode: string, key: string = randomUUID()) =>
  api.request<Order>('POST', '/orders', {
    token,
    headers: { 'idempotency-key': key },
    body: { lines: [{ sku, quantity: 1 }], couponCode, shippingAddress: address },
  });

/**
 * An order sent as a careful client sends it: a 503 (the gateway gave up waiting, which an
 * overloaded machine running 200 requests through 16 containers can cause) is sent again with the
 * SAME Idempotency-Key, so it is answered by what the first attempt did, never placed twice.
 */
async function orderAnswered(token: string, sku: string, couponCode: string) {
  const key = randomUUID();
  for (let attempt = 0; ; attempt++) {
    const response = await order(token, sku, couponCode, key);
    if (response.status !== 503 || attempt >= 10) return response;
  }
}

/** A cancellation as a careful client makes it: a 429 (contention) or 503 (a busy gateway) is resent. */
async function cancelAnswered(orderId: string) {
  for (let attempt = 0; ; attempt++) {
    const response = await api.request<{ code?: string }>('POST', `/orders/${orderId}/cancel`, {
      token: staff,
    });
    if ((response.status !== 429 && response.status !== 503) || attempt >= 10) return response;
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
  }
}

const getCoupon = async (code: string) =>
  (await api.request<Coupon>('GET', `/coupons/${code}`, { token: staff })).body;

async function redemptions(code: string): Promise<Redemption[]> {
  const all: Redemption[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const page = await api.request<{ items: Redemption[]; nextCursor: string | null }>(
      'GET',
      `/coupons/${code}/redemptions${query}`,
      { token: staff },
    );
    expect(page.status).toBe(200);
    all.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return all;
}

const reserved = async (sku: string) =>
  (await api.request<{ stock: { reserved: number } }>('GET', `/products/${sku}`, { token: staff })).body.stock
    .reserved;

beforeAll(async () => {
  staff = await api.token('staff-coupons-e2e', ['staff']);
});

describe('Local runtime: coupons', () => {
  it('staff create, update and read coupons; codes are case-insensitive; customers may not define them', async () => {
    const code = `Spring${randomUUID().slice(0, 8)}`;
    const body = { kind: 'percent', value: 10, maxRedemptions: 100, validUntil: '2999-01-01T00:00:00Z' };
    const created = await api.request<Coupon>('PUT', `/coupons/${code}`, { token: staff, body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      code,
      kind: 'percent',
      value: 10,
      redemptions: 0,
      active: true,
      version: 1,
    });
    expect(created.body).toMatchObject({ validUntil: '2999-01-01T00:00:00.000Z', source: 'staff' });
    const updated = await api.request<Coupon>('PUT', `/coupons/${code.toLowerCase()}`, {
      token: staff,
      body: { ...body, value: 15 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ value: 15, version: 2 });
    expect(
      (await api.request<Coupon>('GET', `/coupons/${code.toUpperCase()}`, { token: staff })).body,
    ).toEqual(updated.body);

    const customer = await api.token(uniqueId('cust'));
    expect((await api.request('PUT', `/coupons/${code}`, { token: customer, body })).status).toBe(403);
    expect((await api.request('GET', `/coupons/${code}`, { token: customer })).status).toBe(403);
    expect((await api.request('GET', '/coupons/NOPE-NOT-THERE', { token: staff })).status).toBe(404);
    const invalid = await api.request<{ code: string }>('PUT', `/coupons/${code}`, {
      token: staff,
      body: { kind: 'fixed', value: 500 },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
  });

  it('maxRedemptions 1: of 200 concurrent orders exactly one carries the discount, 199 are COUPON_EXHAUSTED and reserve nothing', async () => {
    // Prepare
    const sku = await product(2000, 600);
    const code = await coupon({ kind: 'percent', value: 25, maxRedemptions: 1 });
    const customers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.token(`burst-${i}-${code}`)),
    );
    // Act
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => orderAnswered(customers[i % 10] as string, sku, code)),
    );
    const elapsedMs = Date.now() - started;
    // Assess
    const placed = responses.filter((r) => r.status === 201);
    expect(placed).toHaveLength(1);
    expect(placed[0]?.body).toMatchObject({ subtotal: 2000, discount: 500, total: 1500, couponCode: code });
    const refused = responses.filter((r) => r.status === 409);
    expect(refused).toHaveLength(199);
    expect(new Set(refused.map((r) => r.body.code))).toEqual(new Set(['COUPON_EXHAUSTED']));
    expect(await reserved(sku)).toBe(1);
    expectStockConserved(await httpStockLedger(api, staff, sku));
    expect((await getCoupon(code)).redemptions).toBe(1);
    expect(await redemptions(code)).toHaveLength(1);
    console.info(`Coupon burst: 200 orders vs maxRedemptions 1 in ${elapsedMs} ms → 201×1, 409×199`);
  }, 300_000);

  it('perCustomerLimit 2: of 50 concurrent orders by one customer exactly 2 succeed', async () => {
    const sku = await product(1000, 100);
    const code = await coupon({ kind: 'fixed', value: 300, currency: 'EUR', perCustomerLimit: 2 });
    const shopper = await api.token(uniqueId('greedy'));
    const responses = await Promise.all(Array.from({ length: 50 }, () => orderAnswered(shopper, sku, code)));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(2);
    const refused = responses.filter((r) => r.status === 409);
    expect(refused).toHaveLength(48);
    expect(new Set(refused.map((r) => r.body.code))).toEqual(new Set(['COUPON_LIMIT_REACHED']));
    expect(await reserved(sku)).toBe(2);
    expect((await getCoupon(code)).redemptions).toBe(2);
  }, 180_000);

  it('cancel + re-order cycles never exceed the limit; the counter equals the live redemptions; the timeline shows them', async () => {
    const sku = await product(1000, 100);
    const code = await coupon({ kind: 'percent', value: 10, maxRedemptions: 2, perCustomerLimit: 1 });
    const ids = Array.from({ length: 4 }, () => uniqueId('cycle').toLowerCase());
    const tokens = await Promise.all(ids.map((id) => api.token(id)));
    for (let round = 0; round < 3; round++) {
      const responses = await Promise.all(tokens.flatMap((t) => [order(t, sku, code), order(t, sku, code)]));
      const placed = responses.filter((r) => r.status === 201);
      expect(placed.length).toBeLessThanOrEqual(2);
      const live = (await redemptions(code)).filter((r) => r.status === 'REDEEMED');
      expect(live.length).toBeLessThanOrEqual(2);
      expect((await getCoupon(code)).redemptions).toBe(live.length);
      expect(new Set(live.map((r) => r.customerId)).size).toBe(live.length);
      // Cancel every live one, twice at once: each is given back once.
      const cancels = await Promise.all(live.flatMap((r) => [cancelAnswered(r.id), cancelAnswered(r.id)]));
      expect(cancels.filter((c) => c.status === 200)).toHaveLength(live.length);
      expect(cancels.filter((c) => c.status === 409).map((c) => c.body.code)).toEqual(
        live.map(() => 'INVALID_STATE'),
      );
      expect((await getCoupon(code)).redemptions).toBe(0);
    }
    const all = await redemptions(code);
    expect(all.every((r) => r.status === 'RELEASED')).toBe(true);
    expectStockConserved(await httpStockLedger(api, staff, sku));

    // The last customer to redeem sees the redemption and its release on their timeline.
    const last = all[0] as Redemption;
    const token = tokens[ids.indexOf(last.customerId)] as string;
    await eventually(
      async () => {
        const res = await api.request<{ items: { type: string }[] }>(
          'GET',
          `/customers/${encodeURIComponent(last.customerId)}/timeline?limit=100`,
          { token },
        );
        const types = res.body.items?.map((i) => i.type) ?? [];
        return types.includes('coupon.redeemed') && types.includes('coupon.redemption_released')
          ? types
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'coupon entries on the timeline' },
    );
  }, 180_000);

  it('redeems directly (in-store) under the same limits; a keyed retry answers the first redemption', async () => {
    const code = await coupon({
      kind: 'fixed',
      value: 500,
      currency: 'EUR',
      maxRedemptions: 1,
      minSubtotal: 1000,
    });
    const shopper = await api.token(uniqueId('instore'));
    const key = randomUUID();
    const redeem = (token: string, body: Record<string, unknown>, k = key) =>
      api.request<Redemption & { code: string; discount?: number }>('POST', `/coupons/${code}/redemptions`, {
        token,
        headers: { 'idempotency-key': k },
        body,
      });
    const below = await redeem(shopper, { subtotal: 999, currency: 'EUR' }, randomUUID());
    expect(below.status).toBe(422);
    expect(below.body.code).toBe('COUPON_NOT_APPLICABLE');
    const first = await redeem(shopper, { subtotal: 1200, currency: 'EUR', orderId: 'till-9' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ source: 'direct', discount: 500, status: 'REDEEMED' });
    const retry = await redeem(shopper, { subtotal: 1200, currency: 'EUR', orderId: 'till-9' });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const other = await redeem(
      await api.token(uniqueId('late')),
      { subtotal: 1200, currency: 'EUR' },
      randomUUID(),
    );
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('COUPON_EXHAUSTED');
  });

  it('a coupon.issued webhook makes a coupon an order can redeem; its replay changes nothing', async () => {
    const code = `Hook${randomUUID().slice(0, 8)}`;
    const event = {
      id: `evt_${randomUUID()}`,
      type: 'coupon.issued',
      data: { code, kind: 'percent', value: 50 },
    };
    const send = () => {
      const rawBody = JSON.stringify(event);
      return api.request<{ outcome: string }>('POST', '/webhooks/marketing', {
        rawBody,
        headers: {
          'content-type': 'application/json',
          ...signedHeaders(SECRET, Math.floor(Date.now() / 1000), rawBody),
        },
      });
    };
    const applied = await send();
    expect(applied.status).toBe(200);
    expect(applied.body.outcome).toBe('applied');
    expect(await getCoupon(code)).toMatchObject({ code, source: 'webhook', version: 1 });
    expect((await send()).body.outcome).toBe('duplicate');
    expect((await getCoupon(code)).version).toBe(1);
    const sku = await product(1000, 5);
    const placed = await order(await api.token(uniqueId('hooked')), sku, code.toLowerCase());
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ discount: 500, total: 500 });
  });
});
