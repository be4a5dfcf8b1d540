/**
 * Loyalty over the local runtime, as a customer lives it: a delivered order earns points (the
 * loyalty consumer, within seconds); they pay part of the next order (in its transaction,
 * shown on the order and spread by its invoice); cancelling that order gives them back; a
 * received return takes back its share of what its order earned. Only the customer and staff see
 * the account.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let fay: string;
let gus: string;
const fayId = uniqueId('fay').toLowerCase();

const address = { name: 'Fay', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

interface Entry {
  id: string;
  kind: 'earn' | 'spend' | 'reverse' | 'refund';
  points: number;
  balance: number;
  orderId?: string;
  returnId?: string;
  shortfall?: number;
  at: string;
}
interface Account {
  customerId: string;
  balance: number;
  items: Entry[];
  nextCursor: string | null;
}
interface Order {
  id: string;
  status: string;
  subtotal: number;
  discount: number;
  total: number;
  loyaltyPoints?: number;
  loyaltyPointsValue?: number;
}

async function product(price: number, stock: number): Promise<string> {
  const sku = uniqueId('LOY');
  const put = await api.request('PUT', `/products/${sku}`, {
    token: staff,
    body: { name: sku, price, currency: 'EUR' },
  });
  expect(put.status).toBe(201);
  const moved = await api.request('POST', `/products/${sku}/stock-movements`, {
    token: staff,
    body: { quantity: stock, reason: 'receipt' },
  });
  expect(moved.status).toBe(201);
  return sku;
}

const order = (lines: { sku: string; quantity: number }[], extra: object = {}) =>
  api.request<Order & { code?: string; balance?: number; maxPoints?: number }>('POST', '/orders', {
    token: fay,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: { lines, shippingAddress: address, ...extra },
  });

const account = (token: string, query = '') =>
  api.request<Account & { code?: string }>('GET', `/customers/${fayId}/loyalty${query}`, { token });

/** Fay's account once `ready` holds for it (the consumer applies events within seconds). */
const accountWhen = (ready: (a: Account) => boolean, what: string) =>
  eventually(
    async () => {
      const res = await account(fay);
      return res.status === 200 && ready(res.body) ? res.body : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200, what },
  );

async function shipAndDeliver(id: string) {
  const shipped = await api.request('POST', `/orders/${id}/ship`, {
    token: staff,
    body: { carrier: 'DHL', trackingNumber: 'JJD-LOY' },
  });
  expect(shipped.status).toBe(200);
  expect((await api.request('POST', `/orders/${id}/deliver`, { token: staff })).status).toBe(200);
}

beforeAll(async () => {
  [staff, fay, gus] = await Promise.all([
    api.token('staff-loyalty-e2e', ['staff']),
    api.token(fayId),
    api.token(uniqueId('gus').toLowerCase()),
  ]);
});

describe('Local runtime: loyalty', () => {
  it('earns on delivery, spends at checkout, refunds on cancellation, reverses on return', async () => {
    // A new customer has an empty account; only they and staff may read it.
    expect((await account(fay)).body).toEqual({ customerId: fayId, balance: 0, items: [], nextCursor: null });
    expect((await account(staff)).status).toBe(200);
    const other = await account(gus);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('NOT_FOUND');

    // Deliver an order of 2 × 25.00 EUR: 50 points appear.
    const sku = await product(2500, 10);
    const first = await order([{ sku, quantity: 2 }]);
    expect(first.status).toBe(201);
    await shipAndDeliver(first.body.id);
    const earned = await accountWhen((a) => a.balance === 50, '50 points earned');
    expect(earned.items).toEqual([
      expect.objectContaining({ kind: 'earn', points: 50, balance: 50, orderId: first.body.id }),
    ]);

    // More points than the balance: 409, nothing placed.
    const tooMany = await order([{ sku, quantity: 1 }], { loyaltyPoints: 51 });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({ code: 'INSUFFICIENT_POINTS', balance: 50 });

    // Spend them on the next order: 50 points pay 0.50 EUR, in its discount and on its invoice.
    const second = await order([{ sku, quantity: 1 }], { loyaltyPoints: 50 });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({
      subtotal: 2500,
      discount: 50,
      total: 2450,
      loyaltyPoints: 50,
      loyaltyPointsValue: 50,
    });
    const spent = await account(fay);
    expect(spent.body.balance).toBe(0);
    expect(spent.body.items[0]).toMatchObject({ kind: 'spend', points: -50, orderId: second.body.id });
    const invoice = await eventually(
      async () => {
        const res = await api.request<{ items: { kind: string; discount: number; subtotal: number }[] }>(
          'GET',
          `/invoices?orderId=${second.body.id}`,
          { token: fay },
        );
        return res.body.items?.[0];
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'the invoice of the order paid with points' },
    );
    expect(invoice).toMatchObject({ kind: 'invoice', subtotal: 2500, discount: 50 });

    // Cancel it: the points come back, once.
    expect((await api.request('POST', `/orders/${second.body.id}/cancel`, { token: fay })).status).toBe(200);
    const refunded = await accountWhen((a) => a.balance === 50, 'the spent points refunded');
    expect(refunded.items[0]).toMatchObject({ kind: 'refund', points: 50, orderId: second.body.id });

    // Return one of the two delivered units: half of what that order earned is taken back.
    const opened = await api.request<{ id: string }>('POST', `/orders/${first.body.id}/returns`, {
      token: fay,
      body: { lines: [{ sku, quantity: 1 }], reason: 'Does not fit' },
    });
    expect(opened.status).toBe(201);
    expect((await api.request('POST', `/returns/${opened.body.id}/approve`, { token: staff })).status).toBe(
      200,
    );
    const received = await api.request('POST', `/returns/${opened.body.id}/receive`, {
      token: staff,
      body: { lines: [{ sku, quantity: 1, disposition: 'restock' }] },
    });
    expect(received.status).toBe(200);
    const reversed = await accountWhen((a) => a.balance === 25, 'half the earned points reversed');
    expect(reversed.items[0]).toMatchObject({
      kind: 'reverse',
      points: -25,
      orderId: first.body.id,
      returnId: opened.body.id,
    });

    // The ledger sums to the balance, newest first, and pages.
    const all = (await account(staff, '?limit=100')).body.items;
    expect(all.map((e) => e.kind)).toEqual(['reverse', 'refund', 'spend', 'earn']);
    expect(all.reduce((s, e) => s + e.points, 0)).toBe(25);
    const page1 = await account(fay, '?limit=3');
    expect(page1.body.items).toHaveLength(3);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await account(fay, `?limit=3&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((e) => e.kind)).toEqual(['earn']);
    expect(page2.body.nextCursor).toBeNull();
  });
});
