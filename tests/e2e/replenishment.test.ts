import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';
import { expectStockConserved, httpStockLedger } from '../support/invariant.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let shopper: string;

const address = {
  name: 'Rui',
  line1: '1 Rua Augusta',
  city: 'Lisboa',
  postalCode: '1100-048',
  country: 'PT',
};

interface Replenishment {
  id: string;
  sku: string;
  status: string;
  suggestedQuantity: number;
  purchaseOrderId?: string;
}

interface PurchaseOrder {
  id: string;
  status: string;
  lines: { sku: string; quantity: number; received: number }[];
  receipts: { id: string; lines: { sku: string; quantity: number; movementId: string }[] }[];
  replenishmentIds: string[];
}

const stock = async (sku: string) =>
  (
    await api.request<{ stock: { available: number; reserved: number; shipped: number } }>(
      'GET',
      `/products/${sku}`,
      {
        token: staff,
      },
    )
  ).body.stock;

/** The open suggestions for a SKU, page by page. */
async function openSuggestions(sku: string): Promise<Replenishment[]> {
  const found: Replenishment[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const page = await api.request<{ items: Replenishment[]; nextCursor: string | null }>(
      'GET',
      `/replenishments${query}`,
      { token: staff },
    );
    expect(page.status).toBe(200);
    found.push(...page.body.items.filter((r) => r.sku === sku));
    cursor = page.body.nextCursor;
  } while (cursor);
  return found;
}

beforeAll(async () => {
  [staff, shopper] = await Promise.all([
    api.token('staff-replenishment-e2e', ['staff']),
    api.token(uniqueId('rui')),
  ]);
});

describe('Local runtime: replenishment', () => {
  it('low stock → suggestion → purchase order → two receipts → RECEIVED, stock back, suggestion no longer open', async () => {
    // A product with 12 in stock and a reorder point of 5.
    const sku = uniqueId('REPL');
    const put = await api.request('PUT', `/products/${sku}`, {
      token: staff,
      body: { name: `Socks ${sku}`, price: 700, currency: 'EUR', reorderPoint: 5, reorderQuantity: 40 },
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ reorderPoint: 5, reorderQuantity: 40 });
    const moved = await api.request('POST', `/products/${sku}/stock-movements`, {
      token: staff,
      body: { quantity: 12, reason: 'receipt' },
    });
    expect(moved.status).toBe(201);

    // An order takes it to 4: the monitor raises one suggestion for the reorder quantity.
    const order = await api.request('POST', '/orders', {
      token: shopper,
      headers: { 'idempotency-key': crypto.randomUUID() },
      body: { lines: [{ sku, quantity: 8 }], shippingAddress: address },
    });
    expect(order.status).toBe(201);
    const [suggestion] = await eventually(
      async () => {
        const open = await openSuggestions(sku);
        return open.length > 0 ? open : undefined;
      },
      { what: `an open suggestion for ${sku}`, timeoutMs: 20_000 },
    );
    expect(suggestion).toMatchObject({ sku, status: 'open', suggestedQuantity: 40 });

    // Customers may not see suggestions or purchase orders.
    expect((await api.request('GET', '/replenishments', { token: shopper })).status).toBe(403);

    // A purchase order from it, sent.
    const created = await api.request<PurchaseOrder>('POST', '/purchase-orders', {
      token: staff,
      headers: { 'idempotency-key': crypto.randomUUID() },
      body: {
        supplier: 'Meias Lda',
        currency: 'EUR',
        lines: [{ sku, quantity: 40, unitCost: 210 }],
        replenishmentIds: [suggestion!.id],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'DRAFT', replenishmentIds: [suggestion!.id] });
    const id = created.body.id;
    expect((await openSuggestions(sku)).map((r) => r.id)).not.toContain(suggestion!.id);
    const sent = await api.request<PurchaseOrder>('POST', `/purchase-orders/${id}/send`, { token: staff });
    expect(sent.status).toBe(200);
    expect(sent.body.status).toBe('SENT');

    // Two receipts: PARTIALLY_RECEIVED, then RECEIVED; a third would exceed the order.
    const first = await api.request<PurchaseOrder>('POST', `/purchase-orders/${id}/receipts`, {
      token: staff,
      body: { lines: [{ sku, quantity: 25 }] },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'PARTIALLY_RECEIVED', lines: [{ received: 25 }] });
    const over = await api.request('POST', `/purchase-orders/${id}/receipts`, {
      token: staff,
      body: { lines: [{ sku, quantity: 16 }] },
    });
    expect(over.status).toBe(409);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(over.body).toMatchObject({
      code: 'OVER_RECEIPT',
      lines: [{ sku, ordered: 40, received: 25, requested: 16 }],
    });
    const second = await api.request<PurchaseOrder>('POST', `/purchase-orders/${id}/receipts`, {
      token: staff,
      body: { lines: [{ sku, quantity: 15 }] },
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ status: 'RECEIVED', lines: [{ received: 40 }] });
    expect(second.body.receipts).toHaveLength(2);

    // Stock back: 4 + 40 available, 8 reserved by the order; the ledger adds up.
    expect(await stock(sku)).toEqual({ available: 44, reserved: 8, shipped: 0, returned: 0, scrapped: 0 });
    expectStockConserved(await httpStockLedger(api, staff, sku));
    const read = await api.request<PurchaseOrder>('GET', `/purchase-orders/${id}`, { token: staff });
    expect(read.body).toEqual(second.body);
    const received = await api.request<{ items: { id: string }[] }>(
      'GET',
      '/purchase-orders?status=RECEIVED',
      {
        token: staff,
      },
    );
    expect(received.body.items.map((o) => o.id)).toContain(id);

    // The suggestion is ordered, no longer open.
    expect((await openSuggestions(sku)).map((r) => r.id)).not.toContain(suggestion!.id);
    const ordered = await api.request<{ items: Replenishment[] }>(
      'GET',
      '/replenishments?status=ordered&limit=100',
      {
        token: staff,
      },
    );
    expect(ordered.body.items).toContainEqual(
      expect.objectContaining({ id: suggestion!.id, purchaseOrderId: id }),
    );

    // Cancelling now is refused: goods were received.
    const cancel = await api.request('POST', `/purchase-orders/${id}/cancel`, { token: staff });
    expect(cancel.status).toBe(409);
    expect(cancel.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'RECEIVED' });
  });
});
