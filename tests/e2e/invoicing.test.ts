/**
 * Invoicing on the local runtime, over HTTP only: a placed order is invoiced by the invoicing
 * consumer within seconds, the owner and staff read the invoice (another customer gets 404), and
 * cancelling an order issues a credit note negating its invoice, which the sales report counts.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let alice: string;
let bob: string;
const aliceId = uniqueId('alice-inv').toLowerCase();

/** Shipped to Germany: 19 %. */
const address = {
  name: 'Alice Doe',
  line1: '1 Hauptstraße',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

interface Line {
  sku: string;
  quantity: number;
  lineTotal: number;
  discount: number;
  net: number;
  taxRate: number;
  tax: number;
  total: number;
}
interface Invoice {
  id: string;
  number: string;
  kind: 'invoice' | 'credit_note';
  orderId: string;
  invoiceId?: string;
  reason?: string;
  lines: Line[];
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
  currency: string;
  issuedAt: string;
  seller: { name: string };
  buyer: { customerId: string; name: string };
}
interface Order {
  id: string;
  status: string;
  total: number;
  invoiceId?: string;
  creditNoteId?: string;
}
interface Counters {
  creditNotes: number;
  creditedRevenue: Record<string, number>;
  cancellations: number;
}

const today = () => new Date().toISOString().slice(0, 10);

async function product(price: number): Promise<string> {
  const sku = uniqueId('INV');
  const put = await api.request('PUT', `/products/${sku}`, {
    token: staff,
    body: { name: `Thing ${sku}`, price, currency: 'EUR' },
  });
  expect(put.status).toBe(201);
  const moved = await api.request('POST', `/products/${sku}/stock-movements`, {
    token: staff,
    body: { quantity: 20, reason: 'receipt' },
  });
  expect(moved.status).toBe(201);
  return sku;
}

async function placeOrder(lines: { sku: string; quantity: number }[], extra = {}): Promise<Order> {
  const res = await api.request<Order>('POST', '/orders', {
    token: alice,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: { lines, shippingAddress: address, ...extra },
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** The order once the invoicing consumer has set `field` on it. */
const orderWith = (id: string, field: 'invoiceId' | 'creditNoteId') =>
  eventually(
    async () => {
      const res = await api.request<Order>('GET', `/orders/${id}`, { token: alice });
      return res.body[field] === undefined ? undefined : res.body;
    },
    { timeoutMs: 15_000, intervalMs: 200, what: `${field} on order ${id}` },
  );

const emailCounters = async (): Promise<Counters> => {
  const res = await api.request<{ totals: { channels: Record<string, Counters> } }>(
    'GET',
    `/reports/sales?from=${today()}&to=${today()}`,
    { token: staff },
  );
  expect(res.status).toBe(200);
  return res.body.totals.channels.email ?? { creditNotes: 0, creditedRevenue: {}, cancellations: 0 };
};

beforeAll(async () => {
  [staff, alice, bob] = await Promise.all([
    api.token('staff-invoicing-e2e', ['staff']),
    api.token(aliceId),
    api.token(uniqueId('bob-inv').toLowerCase()),
  ]);
});

describe('Local runtime: invoicing', () => {
  it('invoices a placed order within seconds; the owner and staff read it, another customer gets 404', async () => {
    const shirt = await product(1999);
    const placed = await placeOrder([{ sku: shirt, quantity: 2 }]);

    const order = await orderWith(placed.id, 'invoiceId');
    const read = await api.request<Invoice>('GET', `/invoices/${order.invoiceId}`, { token: alice });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: order.invoiceId,
      kind: 'invoice',
      orderId: placed.id,
      currency: 'EUR',
      lines: [
        {
          sku: shirt,
          quantity: 2,
          lineTotal: 3998,
          discount: 0,
          net: 3998,
          taxRate: 1900,
          tax: 760,
          total: 4758,
        },
      ],
      subtotal: 3998,
      discount: 0,
      tax: 760,
      total: 4758,
      buyer: { customerId: aliceId, name: 'Alice Doe' },
      seller: { name: expect.any(String) },
    });
    expect(read.body.number).toMatch(/^INV-\d{4}-\d{6}$/);
    expect(read.body.number.slice(4, 8)).toBe(read.body.issuedAt.slice(0, 4));

    expect((await api.request('GET', `/invoices/${order.invoiceId}`, { token: staff })).status).toBe(200);
    const asBob = await api.request('GET', `/invoices/${order.invoiceId}`, { token: bob });
    expect(asBob.status).toBe(404);
    expect(asBob.body).toMatchObject({ code: 'NOT_FOUND' });
    expect((await api.request('GET', `/invoices?orderId=${placed.id}`, { token: bob })).status).toBe(404);
    expect((await api.request('GET', '/invoices/not-an-id', { token: alice })).status).toBe(400);

    const list = await api.request<{ items: Invoice[]; nextCursor: string | null }>(
      'GET',
      `/invoices?orderId=${placed.id}`,
      { token: alice },
    );
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [read.body], nextCursor: null });
  });

  it('cancelling an order issues a credit note negating its invoice; the order and the sales report show it', async () => {
    const mug = await product(850);
    const before = await emailCounters();
    const placed = await placeOrder([{ sku: mug, quantity: 3 }], { channel: 'email' });
    const invoiced = await orderWith(placed.id, 'invoiceId');

    const cancel = await api.request<Order>('POST', `/orders/${placed.id}/cancel`, { token: alice });
    expect(cancel.status).toBe(200);
    const order = await orderWith(placed.id, 'creditNoteId');
    expect(order.invoiceId).toBe(invoiced.invoiceId);

    const creditNote = await api.request<Invoice>('GET', `/invoices/${order.creditNoteId}`, { token: alice });
    expect(creditNote.status).toBe(200);
    const invoice = await api.request<Invoice>('GET', `/invoices/${order.invoiceId}`, { token: alice });
    expect(creditNote.body).toMatchObject({
      kind: 'credit_note',
      reason: 'cancellation',
      invoiceId: order.invoiceId,
      orderId: placed.id,
      subtotal: -2550,
      tax: -invoice.body.tax,
      total: -invoice.body.total,
      lines: [{ sku: mug, quantity: 3, net: -2550, tax: -invoice.body.tax }],
    });
    expect(creditNote.body.number).toMatch(/^CRN-\d{4}-\d{6}$/);

    const documents = await api.request<{ items: Invoice[] }>('GET', `/invoices?orderId=${placed.id}`, {
      token: staff,
    });
    expect(documents.body.items.map((d) => [d.kind, d.id])).toEqual([
      ['invoice', order.invoiceId],
      ['credit_note', order.creditNoteId],
    ]);

    // The sales report counts the credit note (net of tax), apart from the cancellation.
    const after = await eventually(
      async () => {
        const now = await emailCounters();
        return now.creditNotes > before.creditNotes && now.cancellations > before.cancellations
          ? now
          : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'the credit note in GET /reports/sales' },
    );
    expect((after.creditedRevenue.EUR ?? 0) - (before.creditedRevenue.EUR ?? 0)).toBeGreaterThanOrEqual(2550);
  });
});
