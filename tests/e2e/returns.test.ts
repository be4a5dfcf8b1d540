import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { expectStockConserved, httpStockLedger } from '../support/invariant.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let carol: string;
let dave: string;
const carolId = uniqueId('carol').toLowerCase();

const address = { name: 'Carol', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

interface Return {
  id: string;
  status: string;
  orderId: string;
  customerId: string;
  lines: { sku: string; quantity: number }[];
  reason: string;
  history: { status: string }[];
  receivedLines?: { sku: string; quantity: number; disposition: string }[];
}
interface Stock {
  available: number;
  reserved: number;
  shipped: number;
  returned: number;
  scrapped: number;
}

async function product(stock: number): Promise<string> {
  const sku = uniqueId('RMA');
  expect(
    (
      await api.request('PUT', `/products/${sku}`, {
        token: staff,
        body: { name: sku, price: 700, currency: 'EUR' },
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

/** An order by Carol, placed; shipped and delivered unless `until` says otherwise. */
async function carolsOrder(
  lines: { sku: string; quantity: number }[],
  until: 'placed' | 'delivered' = 'delivered',
) {
  const placed = await api.request<{ id: string }>('POST', '/orders', {
    token: carol,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: { lines, shippingAddress: address },
  });
  expect(placed.status).toBe(201);
  const id = placed.body.id;
  if (until === 'delivered') {
    const shipped = await api.request('POST', `/orders/${id}/ship`, {
      token: staff,
      body: { carrier: 'DHL', trackingNumber: 'JJD-RMA' },
    });
    expect(shipped.status).toBe(200);
    expect((await api.request('POST', `/orders/${id}/deliver`, { token: staff })).status).toBe(200);
  }
  return id;
}

const stock = async (sku: string) =>
  (await api.request<{ stock: Stock }>('GET', `/products/${sku}`, { token: staff })).body.stock;

const openReturn = (
  token: string,
  orderId: string,
  lines: { sku: string; quantity: number }[],
  key?: string,
) =>
  api.request<Return & { code?: string; skus?: string[]; currentStatus?: string }>(
    'POST',
    `/orders/${orderId}/returns`,
    {
      token,
      body: { lines, reason: 'Does not fit' },
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
    },
  );

const act = (token: string, returnId: string, action: 'approve' | 'reject' | 'receive', body?: unknown) =>
  api.request<Return & { code?: string; currentStatus?: string }>('POST', `/returns/${returnId}/${action}`, {
    token,
    ...(body === undefined ? {} : { body }),
  });

beforeAll(async () => {
  [staff, carol, dave] = await Promise.all([
    api.token('staff-returns-e2e', ['staff']),
    api.token(carolId),
    api.token(uniqueId('dave').toLowerCase()),
  ]);
});

describe('Local runtime: returns', () => {
  it('returns a delivered line: open as the customer, approve and receive with restock as staff; stock back', async () => {
    const mug = await product(10);
    const cup = await product(5);
    const orderId = await carolsOrder([
      { sku: mug, quantity: 3 },
      { sku: cup, quantity: 1 },
    ]);
    expect(await stock(mug)).toEqual({ available: 7, reserved: 0, shipped: 3, returned: 0, scrapped: 0 });

    // Open as the customer, with a key: a retry answers the first response.
    const key = crypto.randomUUID();
    const opened = await openReturn(carol, orderId, [{ sku: mug, quantity: 2 }], key);
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      status: 'REQUESTED',
      orderId,
      customerId: carolId,
      lines: [{ sku: mug, quantity: 2 }],
      reason: 'Does not fit',
      history: [{ status: 'REQUESTED' }],
    });
    const retry = await openReturn(carol, orderId, [{ sku: mug, quantity: 2 }], key);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(opened.body);
    const id = opened.body.id;

    // Reading: the customer and staff; another customer gets 404 for the return, the order's list and a new return.
    expect((await api.request<Return>('GET', `/returns/${id}`, { token: carol })).body).toEqual(opened.body);
    expect((await api.request('GET', `/returns/${id}`, { token: staff })).status).toBe(200);
    const asDave = await api.request('GET', `/returns/${id}`, { token: dave });
    expect(asDave.status).toBe(404);
    expect(asDave.body).toMatchObject({ code: 'NOT_FOUND' });
    expect((await api.request('GET', `/orders/${orderId}/returns`, { token: dave })).status).toBe(404);
    expect((await openReturn(dave, orderId, [{ sku: mug, quantity: 1 }])).status).toBe(404);
    const listed = await api.request<{ items: Return[]; nextCursor: string | null }>(
      'GET',
      `/orders/${orderId}/returns`,
      { token: carol },
    );
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [opened.body], nextCursor: null });

    // The customer may not approve; staff may. Receiving restocks both units in the same transaction.
    expect((await act(carol, id, 'approve')).status).toBe(403);
    const approved = await act(staff, id, 'approve');
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('APPROVED');
    const received = await act(staff, id, 'receive', {
      lines: [{ sku: mug, quantity: 2, disposition: 'restock' }],
    });
    expect(received.status).toBe(200);
    expect(received.body).toMatchObject({
      status: 'RECEIVED',
      receivedLines: [{ sku: mug, quantity: 2, disposition: 'restock' }],
      history: [{ status: 'REQUESTED' }, { status: 'APPROVED' }, { status: 'RECEIVED' }],
    });
    expect(await stock(mug)).toEqual({ available: 9, reserved: 0, shipped: 3, returned: 2, scrapped: 0 });
    for (const sku of [mug, cup]) expectStockConserved(await httpStockLedger(api, staff, sku));

    // The line is spent: one unit left, two are refused; a received return cannot move again.
    const beyond = await openReturn(carol, orderId, [{ sku: mug, quantity: 2 }]);
    expect(beyond.status).toBe(409);
    expect(beyond.body).toMatchObject({ code: 'RETURN_QUANTITY_EXCEEDED', skus: [mug] });
    const again = await act(staff, id, 'reject');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'RECEIVED' });
  });

  it('scraps what cannot be sold again and keeps the invariant; refuses partial receipt', async () => {
    const lamp = await product(4);
    const orderId = await carolsOrder([{ sku: lamp, quantity: 3 }]);
    const opened = await openReturn(staff, orderId, [{ sku: lamp, quantity: 3 }]);
    expect(opened.status).toBe(201);
    expect(opened.body.customerId).toBe(carolId);
    const id = opened.body.id;

    const early = await act(staff, id, 'receive', {
      lines: [{ sku: lamp, quantity: 3, disposition: 'restock' }],
    });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'REQUESTED' });
    expect((await act(staff, id, 'approve')).status).toBe(200);
    const twice = await act(staff, id, 'approve');
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'APPROVED' });

    const partial = await act(staff, id, 'receive', {
      lines: [{ sku: lamp, quantity: 2, disposition: 'restock' }],
    });
    expect(partial.status).toBe(400);
    expect(partial.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const received = await act(staff, id, 'receive', {
      lines: [
        { sku: lamp, quantity: 1, disposition: 'restock' },
        { sku: lamp, quantity: 2, disposition: 'scrap' },
      ],
    });
    expect(received.status).toBe(200);
    expect(await stock(lamp)).toEqual({ available: 2, reserved: 0, shipped: 3, returned: 3, scrapped: 2 });
    expectStockConserved(await httpStockLedger(api, staff, lamp));
  });

  it('refuses a return on an undelivered order (409) and a rejected return frees its quantities', async () => {
    const vase = await product(3);
    const pending = await carolsOrder([{ sku: vase, quantity: 1 }], 'placed');
    const notYet = await openReturn(carol, pending, [{ sku: vase, quantity: 1 }]);
    expect(notYet.status).toBe(409);
    expect(notYet.body).toMatchObject({ code: 'INVALID_STATE' });
    expect(['CONFIRMED', 'FULFILLING']).toContain(notYet.body.currentStatus);

    const orderId = await carolsOrder([{ sku: vase, quantity: 1 }]);
    const first = await openReturn(carol, orderId, [{ sku: vase, quantity: 1 }]);
    expect(first.status).toBe(201);
    expect((await openReturn(carol, orderId, [{ sku: vase, quantity: 1 }])).status).toBe(409);
    const rejected = await act(staff, first.body.id, 'reject');
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('REJECTED');
    expect((await act(staff, first.body.id, 'approve')).body).toMatchObject({
      code: 'INVALID_STATE',
      currentStatus: 'REJECTED',
    });
    expect((await openReturn(carol, orderId, [{ sku: vase, quantity: 1 }])).status).toBe(201);
    expectStockConserved(await httpStockLedger(api, staff, vase));
  });

  it('never returns more than delivered when the customer sends many requests at once', async () => {
    const sock = await product(6);
    const orderId = await carolsOrder([{ sku: sock, quantity: 4 }]);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => openReturn(carol, orderId, [{ sku: sock, quantity: 1 }])),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(4);
    expect(statuses.every((s) => s === 201 || s === 409 || s === 429)).toBe(true);
    const listed = await api.request<{ items: Return[] }>('GET', `/orders/${orderId}/returns?limit=100`, {
      token: staff,
    });
    expect(listed.body.items.length).toBe(statuses.filter((s) => s === 201).length);
    // What is left can still be returned, and not one unit more.
    const accepted = listed.body.items.reduce((sum, r) => sum + (r.lines[0]?.quantity ?? 0), 0);
    if (accepted < 4)
      expect((await openReturn(carol, orderId, [{ sku: sock, quantity: 4 - accepted }])).status).toBe(201);
    const over = await openReturn(carol, orderId, [{ sku: sock, quantity: 1 }]);
    expect(over.body).toMatchObject({ code: 'RETURN_QUANTITY_EXCEEDED', skus: [sock] });
  });
});
