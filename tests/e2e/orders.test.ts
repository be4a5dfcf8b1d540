import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { expectStockConserved, httpStockLedger } from '../support/invariant.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let alice: string;
let bob: string;
const aliceId = uniqueId('alice').toLowerCase();
const bobId = uniqueId('bob').toLowerCase();

const address = { name: 'Alice', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

interface Order {
  id: string;
  customerId: string;
  status: string;
  lines: { sku: string; quantity: number; unitPrice: number; lineTotal: number }[];
  total: number;
  history: { status: string }[];
  shipments: { carrier: string; trackingNumber: string }[];
}

async function product(price: number, stock: number): Promise<string> {
  const sku = uniqueId('E2E');
  const put = await api.request('PUT', `/products/${sku}`, {
    token: staff,
    body: { name: `Thing ${sku}`, price, currency: 'EUR' },
  });
  expect(put.status).toBe(201);
  if (stock > 0) {
    const moved = await api.request('POST', `/products/${sku}/stock-movements`, {
      token: staff,
      body: { quantity: stock, reason: 'receipt' },
    });
    expect(moved.status).toBe(201);
  }
  return sku;
}

const order = (token: string, key: string, lines: { sku: string; quantity: number }[], extra = {}) =>
  api.request<Order & { code?: string; skus?: string[] }>('POST', '/orders', {
    token,
    headers: { 'idempotency-key': key },
    body: { lines, shippingAddress: address, ...extra },
  });

/** The levels orders move; orders never touch the returns' counters (`returned`, `scrapped`). */
const stock = async (sku: string) => {
  const { returned, scrapped, ...levels } = (
    await api.request<{ stock: Record<string, number> }>('GET', `/products/${sku}`, { token: staff })
  ).body.stock;
  expect({ returned, scrapped }, `${sku}: return counters`).toEqual({ returned: 0, scrapped: 0 });
  return levels;
};

beforeAll(async () => {
  [staff, alice, bob] = await Promise.all([
    api.token('staff-orders-e2e', ['staff']),
    api.token(aliceId),
    api.token(bobId),
  ]);
});

describe('Local runtime: orders', () => {
  it('places, retries, reads, lists and cancels an order; another customer sees nothing', async () => {
    const mug = await product(850, 10);
    const cup = await product(1200, 5);
    const key = crypto.randomUUID();
    const lines = [
      { sku: mug, quantity: 2 },
      { sku: cup, quantity: 1 },
      { sku: mug, quantity: 1 },
    ];

    // Place: prices from the catalogue, same-SKU lines merged.
    const placed = await order(alice, key, lines);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      customerId: aliceId,
      status: 'CONFIRMED',
      lines: [
        { sku: mug, quantity: 3, unitPrice: 850, lineTotal: 2550 },
        { sku: cup, quantity: 1, unitPrice: 1200, lineTotal: 1200 },
      ],
      subtotal: 3750,
      discount: 0,
      total: 3750,
      currency: 'EUR',
      channel: 'web',
      history: [{ status: 'CONFIRMED' }],
      shipments: [],
    });
    expect(await stock(mug)).toEqual({ available: 7, reserved: 3, shipped: 0 });

    // Retry: the first response again, byte for byte; nothing reserved twice.
    const retry = await order(alice, key, lines);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(placed.body);
    expect(await stock(mug)).toEqual({ available: 7, reserved: 3, shipped: 0 });

    // Same key, another body: 422.
    const reused = await order(alice, key, [{ sku: mug, quantity: 1 }]);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });

    // Read: the owner and staff; Bob gets 404, not 403.
    const id = placed.body.id;
    // (The fulfilment consumer may have moved it to FULFILLING by now.)
    const read = await api.request<Order>('GET', `/orders/${id}`, { token: alice });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, lines: placed.body.lines, total: 3750 });
    expect((await api.request('GET', `/orders/${id}`, { token: staff })).status).toBe(200);
    const asBob = await api.request('GET', `/orders/${id}`, { token: bob });
    expect(asBob.status).toBe(404);
    expect(asBob.body).toMatchObject({ code: 'NOT_FOUND' });

    // List: Alice's own, newest first; Bob may not list Alice's; staff must name the customer.
    const second = await order(alice, crypto.randomUUID(), [{ sku: cup, quantity: 1 }]);
    const mine = await api.request<{ items: Order[]; nextCursor: string | null }>('GET', '/orders?limit=1', {
      token: alice,
    });
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((o) => o.id)).toEqual([second.body.id]);
    const next = await api.request<{ items: Order[] }>(
      'GET',
      `/orders?limit=1&cursor=${encodeURIComponent(mine.body.nextCursor ?? '')}`,
      { token: alice },
    );
    expect(next.body.items.map((o) => o.id)).toEqual([id]);
    expect((await api.request('GET', `/orders?customerId=${aliceId}`, { token: bob })).status).toBe(403);
    expect((await api.request('GET', '/orders', { token: staff })).status).toBe(400);
    const forStaff = await api.request<{ items: Order[] }>('GET', `/orders?customerId=${aliceId}`, {
      token: staff,
    });
    expect(forStaff.body.items.map((o) => o.id)).toEqual([second.body.id, id]);
    expect((await api.request('GET', '/orders?cursor=bogus', { token: alice })).status).toBe(400);

    // Cancel: Bob cannot (404); Alice can; stock released; a second cancel is INVALID_STATE.
    expect((await api.request('POST', `/orders/${id}/cancel`, { token: bob })).status).toBe(404);
    const cancelled = await api.request<Order>('POST', `/orders/${id}/cancel`, { token: alice });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const cancelHistory = cancelled.body.history.map((h) => h.status);
    expect([cancelHistory[0], cancelHistory.at(-1)]).toEqual(['CONFIRMED', 'CANCELLED']);
    expect(await stock(mug)).toEqual({ available: 10, reserved: 0, shipped: 0 });
    const again = await api.request('POST', `/orders/${id}/cancel`, { token: alice });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'INVALID_STATE', status: 409, currentStatus: 'CANCELLED' });

    for (const sku of [mug, cup]) expectStockConserved(await httpStockLedger(api, staff, sku));
  });

  it('ships and delivers for staff only; cancellation after shipment is refused', async () => {
    const sku = await product(500, 4);
    const placed = await order(bob, crypto.randomUUID(), [{ sku, quantity: 3 }]);
    const id = placed.body.id;

    const byCustomer = await api.request('POST', `/orders/${id}/ship`, {
      token: bob,
      body: { carrier: 'DHL', trackingNumber: 'X' },
    });
    expect(byCustomer.status).toBe(403);
    const shipped = await api.request<Order>('POST', `/orders/${id}/ship`, {
      token: staff,
      body: { carrier: 'DHL', trackingNumber: 'JJD0001' },
    });
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({
      status: 'SHIPPED',
      shipments: [{ carrier: 'DHL', trackingNumber: 'JJD0001' }],
    });
    expect(await stock(sku)).toEqual({ available: 1, reserved: 0, shipped: 3 });

    const lateCancel = await api.request('POST', `/orders/${id}/cancel`, { token: bob });
    expect(lateCancel.status).toBe(409);
    expect(lateCancel.body).toMatchObject({ code: 'INVALID_STATE' });

    const delivered = await api.request<Order>('POST', `/orders/${id}/deliver`, { token: staff });
    expect(delivered.status).toBe(200);
    expect(delivered.body.history.map((h) => h.status).filter((s) => s !== 'FULFILLING')).toEqual([
      'CONFIRMED',
      'SHIPPED',
      'DELIVERED',
    ]);
    expectStockConserved(await httpStockLedger(api, staff, sku));
  });

  it('refuses short stock with 409 OUT_OF_STOCK naming the SKUs, and unknown SKUs with 400', async () => {
    const plenty = await product(100, 50);
    const scarce = await product(100, 1);
    const short = await order(alice, crypto.randomUUID(), [
      { sku: plenty, quantity: 1 },
      { sku: scarce, quantity: 2 },
    ]);
    expect(short.status).toBe(409);
    expect(short.headers.get('content-type')).toBe('application/problem+json');
    expect(short.body).toMatchObject({ code: 'OUT_OF_STOCK', skus: [scarce] });
    expect(await stock(plenty)).toEqual({ available: 50, reserved: 0, shipped: 0 });

    const ghost = uniqueId('GHOST');
    const unknown = await order(alice, crypto.randomUUID(), [{ sku: ghost, quantity: 1 }]);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'VALIDATION_FAILED', skus: [ghost] });
  });

  it('validates the request: Idempotency-Key required, customerId for staff only, line limit', async () => {
    const sku = await product(100, 5);
    const noKey = await api.request('POST', '/orders', {
      token: alice,
      body: { lines: [{ sku, quantity: 1 }], shippingAddress: address },
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body).toMatchObject({ errors: [{ path: 'headers.idempotency-key' }] });

    const forBob = await order(alice, crypto.randomUUID(), [{ sku, quantity: 1 }], { customerId: bobId });
    expect(forBob.status).toBe(403);

    const phone = await order(staff, crypto.randomUUID(), [{ sku, quantity: 1 }], {
      customerId: bobId,
      channel: 'phone',
    });
    expect(phone.status).toBe(201);
    expect(phone.body).toMatchObject({ customerId: bobId, channel: 'phone' });

    const tooMany = await order(
      alice,
      crypto.randomUUID(),
      Array.from({ length: 47 }, (_, i) => ({ sku: `S-${i}`, quantity: 1 })),
    );
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body)).toContain('At most 45 lines');
  });

  it('over HTTP: 100 concurrent orders against 30 units → 30 placed, 70 OUT_OF_STOCK, stock conserved', async () => {
    const sku = await product(999, 30);
    const customers = await Promise.all(Array.from({ length: 10 }, (_, i) => api.token(`burst-${i}-${sku}`)));
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        order(customers[i % 10] as string, crypto.randomUUID(), [{ sku, quantity: 1 }]),
      ),
    );
    const elapsedMs = Date.now() - started;
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(statuses.filter((s) => s === 409)).toHaveLength(70);
    expect(await stock(sku)).toEqual({ available: 0, reserved: 30, shipped: 0 });
    expectStockConserved(await httpStockLedger(api, staff, sku));
    console.info(`HTTP burst: 100 orders vs 30 units in ${elapsedMs} ms → 201×30, 409×70`);
  });

  it('over HTTP: 20 concurrent identical requests with one key → one order, every response names it', async () => {
    const sku = await product(100, 100);
    const key = crypto.randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => order(alice, key, [{ sku, quantity: 2 }])),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(await stock(sku)).toEqual({ available: 98, reserved: 2, shipped: 0 });
  });
});
