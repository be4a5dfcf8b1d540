/**
 * The back office end to end, over HTTP only (issue 10's proof): an order is fulfilled and
 * invoiced by the consumers within seconds, shipped and delivered; one line comes back through a
 * return (requested by the customer, approved and received with restock by staff), which issues a
 * partial credit note and puts the unit back in stock; another invoiced order is cancelled, which
 * issues a full credit note; the sales report nets both.
 *
 * Prices are in SEK, a currency no other e2e file uses, so this file's money in the shared
 * runtime's sales report is its own (the report keeps money per currency).
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';
import { expectStockConserved, httpStockLedger } from '../support/invariant.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let erin: string;
const erinId = uniqueId('erin-bo').toLowerCase();

/** Shipped to Sweden. */
const address = {
  name: 'Erin',
  line1: 'Drottninggatan 1',
  city: 'Stockholm',
  postalCode: '11151',
  country: 'SE',
};

interface Order {
  id: string;
  status: string;
  total: number;
  invoiceId?: string;
  creditNoteId?: string;
}
interface DocumentLine {
  sku: string;
  quantity: number;
  net: number;
  tax: number;
}
interface Invoice {
  id: string;
  number: string;
  kind: 'invoice' | 'credit_note';
  invoiceId?: string;
  reason?: string;
  lines: DocumentLine[];
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
  currency: string;
}
interface Money {
  SEK?: number;
}
interface Totals {
  revenue: Money;
  cancelledRevenue: Money;
  returnedRevenue: Money;
  creditedRevenue: Money;
}

const today = () => new Date().toISOString().slice(0, 10);

async function product(price: number, stock: number): Promise<string> {
  const sku = uniqueId('BO');
  const put = await api.request('PUT', `/products/${sku}`, {
    token: staff,
    body: { name: `Thing ${sku}`, price, currency: 'SEK' },
  });
  expect(put.status).toBe(201);
  const moved = await api.request('POST', `/products/${sku}/stock-movements`, {
    token: staff,
    body: { quantity: stock, reason: 'receipt' },
  });
  expect(moved.status).toBe(201);
  return sku;
}

async function placeOrder(lines: { sku: string; quantity: number }[]): Promise<Order> {
  const res = await api.request<Order>('POST', '/orders', {
    token: erin,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: { lines, shippingAddress: address },
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** The order once the consumers have moved it as far as `ready` says. */
const orderWhen = (id: string, ready: (order: Order) => boolean, what: string) =>
  eventually(
    async () => {
      const res = await api.request<Order>('GET', `/orders/${id}`, { token: erin });
      return res.status === 200 && ready(res.body) ? res.body : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200, what: `${what} (order ${id})` },
  );

/** The order's documents (invoice first, then credit notes) once there are `count` of them. */
const documentsOf = (orderId: string, count: number) =>
  eventually(
    async () => {
      const res = await api.request<{ items: Invoice[] }>('GET', `/invoices?orderId=${orderId}`, {
        token: erin,
      });
      return res.status === 200 && res.body.items.length >= count ? res.body.items : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200, what: `${count} documents of order ${orderId}` },
  );

const sekTotals = async (): Promise<Totals> => {
  const res = await api.request<{ totals: Totals }>('GET', `/reports/sales?from=${today()}&to=${today()}`, {
    token: staff,
  });
  expect(res.status).toBe(200);
  return res.body.totals;
};

beforeAll(async () => {
  [staff, erin] = await Promise.all([api.token('staff-back-office-e2e', ['staff']), api.token(erinId)]);
});

describe('Local runtime: back office', () => {
  it('invoices, ships, delivers, credits a returned line and a cancelled order; the sales report nets both', async () => {
    const lamp = await product(10_000, 10);
    const vase = await product(25_000, 10);

    // An order is fulfilled and invoiced by the consumers within seconds.
    const first = await placeOrder([
      { sku: lamp, quantity: 2 },
      { sku: vase, quantity: 1 },
    ]);
    const invoiced = await orderWhen(
      first.id,
      (o) => o.status === 'FULFILLING' && o.invoiceId !== undefined,
      'FULFILLING and invoiced',
    );
    const [invoice] = await documentsOf(first.id, 1);
    expect(invoice).toMatchObject({
      id: invoiced.invoiceId,
      kind: 'invoice',
      currency: 'SEK',
      subtotal: 45_000,
    });
    expect(invoice?.number).toMatch(/^INV-\d{4}-\d{6}$/);
    expect(invoice?.total).toBe((invoice?.subtotal ?? 0) - (invoice?.discount ?? 0) + (invoice?.tax ?? 0));

    // Shipped and delivered by staff.
    const shipped = await api.request<Order>('POST', `/orders/${first.id}/ship`, {
      token: staff,
      body: { carrier: 'PostNord', trackingNumber: 'BO-1' },
    });
    expect(shipped.body.status).toBe('SHIPPED');
    const delivered = await api.request<Order>('POST', `/orders/${first.id}/deliver`, { token: staff });
    expect(delivered.body.status).toBe('DELIVERED');

    // One lamp comes back: the customer asks, staff approve and receive it into stock.
    const opened = await api.request<{ id: string; status: string }>('POST', `/orders/${first.id}/returns`, {
      token: erin,
      body: { lines: [{ sku: lamp, quantity: 1 }], reason: 'Wrong colour' },
    });
    expect(opened.status).toBe(201);
    expect(opened.body.status).toBe('REQUESTED');
    const returnId = opened.body.id;
    expect((await api.request('POST', `/returns/${returnId}/approve`, { token: staff })).status).toBe(200);
    const received = await api.request<{ status: string }>('POST', `/returns/${returnId}/receive`, {
      token: staff,
      body: { lines: [{ sku: lamp, quantity: 1, disposition: 'restock' }] },
    });
    expect(received.status).toBe(200);
    expect(received.body.status).toBe('RECEIVED');

    // Stock back: 10 received, 2 sold, 1 returned to `available`; the ledger adds up.
    const lampLedger = await httpStockLedger(api, staff, lamp);
    expect(lampLedger).toMatchObject({ available: 9, reserved: 0, shipped: 2 });
    expectStockConserved(lampLedger);

    // The return's credit note negates exactly the returned unit's share of the invoice line.
    const [, returnCredit] = await documentsOf(first.id, 2);
    const lampLine = invoice?.lines.find((l) => l.sku === lamp);
    expect(returnCredit).toMatchObject({
      kind: 'credit_note',
      invoiceId: invoice?.id,
      reason: 'return',
      currency: 'SEK',
      lines: [{ sku: lamp, quantity: 1, net: -10_000, tax: -((lampLine?.tax ?? 0) / 2) }],
      subtotal: -10_000,
    });
    expect(returnCredit?.number).toMatch(/^CRN-\d{4}-\d{6}$/);
    expect(returnCredit?.total).toBe(-10_000 - (lampLine?.tax ?? 0) / 2);

    // Another order is invoiced, then cancelled: a credit note for all of it.
    const second = await placeOrder([{ sku: vase, quantity: 1 }]);
    await orderWhen(second.id, (o) => o.invoiceId !== undefined, 'invoiced');
    const cancelled = await api.request<Order>('POST', `/orders/${second.id}/cancel`, { token: erin });
    expect(cancelled.body.status).toBe('CANCELLED');
    const credited = await orderWhen(second.id, (o) => o.creditNoteId !== undefined, 'credited');
    const [secondInvoice, fullCredit] = await documentsOf(second.id, 2);
    expect(fullCredit).toMatchObject({
      id: credited.creditNoteId,
      kind: 'credit_note',
      reason: 'cancellation',
      invoiceId: secondInvoice?.id,
      subtotal: -(secondInvoice?.subtotal ?? 0),
      tax: -(secondInvoice?.tax ?? 0),
      total: -(secondInvoice?.total ?? 0),
    });

    // The sales report nets both: 45 000 + 25 000 placed, 25 000 cancelled, 10 000 returned.
    const totals = await eventually(
      async () => {
        const t = await sekTotals();
        return t.revenue.SEK === 70_000 &&
          t.cancelledRevenue.SEK === 25_000 &&
          t.returnedRevenue.SEK === 10_000 &&
          t.creditedRevenue.SEK === 35_000
          ? t
          : undefined;
      },
      // Both credit notes are counted by their own events, after the order events: wait for them too.
      { timeoutMs: 60_000, intervalMs: 250, what: 'the SEK sales figures of both orders' },
    );
    expect(totals.creditedRevenue.SEK).toBe(35_000);
    const net =
      (totals.revenue.SEK ?? 0) - (totals.cancelledRevenue.SEK ?? 0) - (totals.returnedRevenue.SEK ?? 0);
    expect(net).toBe(35_000);
  });
});
