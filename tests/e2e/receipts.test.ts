/**
 * eReceipts on the local runtime, over HTTP only: placing an order gets it invoiced and its
 * customer emailed the receipt (visible at /_local/messages), a customer who turned eReceipts off
 * gets none, and POST /invoices/{id}/send resends for the owner and staff, refusing anyone else.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;

interface Message {
  id: string;
  channel: string;
  to: string[];
  from?: string;
  subject?: string;
  text: string;
  category?: string;
  tags: Record<string, string>;
  sentAt: string;
}
interface Customer {
  id: string;
  version: number;
  eReceipts: boolean;
}

const address = {
  name: 'Erin Receipt',
  line1: '1 Hauptstraße',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

async function product(price: number): Promise<string> {
  const sku = uniqueId('RCP');
  expect(
    (
      await api.request('PUT', `/products/${sku}`, {
        token: staff,
        body: { name: `Thing ${sku}`, price, currency: 'EUR' },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await api.request('POST', `/products/${sku}/stock-movements`, {
        token: staff,
        body: { quantity: 20, reason: 'receipt' },
      })
    ).status,
  ).toBe(201);
  return sku;
}

/** A customer with an email, signed in with their own token. */
async function customer(): Promise<{ id: string; email: string; token: string; version: number }> {
  const email = `${uniqueId('erin').toLowerCase()}@example.com`;
  const created = await api.request<Customer>('POST', '/customers', {
    token: staff,
    body: { email, name: 'Erin Receipt' },
  });
  expect(created.status).toBe(201);
  expect(created.body.eReceipts).toBe(true);
  return {
    id: created.body.id,
    email,
    token: await api.token(created.body.id),
    version: created.body.version,
  };
}

/** Places an order as the customer and waits for its invoice id. */
async function invoicedOrder(token: string, sku: string): Promise<{ orderId: string; invoiceId: string }> {
  const placed = await api.request<{ id: string }>('POST', '/orders', {
    token,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: { lines: [{ sku, quantity: 2 }], shippingAddress: address },
  });
  expect(placed.status).toBe(201);
  const invoiceId = await eventually(
    async () =>
      (await api.request<{ invoiceId?: string }>('GET', `/orders/${placed.body.id}`, { token })).body
        .invoiceId,
    { timeoutMs: 15_000, intervalMs: 200, what: `the invoice of ${placed.body.id}` },
  );
  return { orderId: placed.body.id, invoiceId };
}

const messagesTo = async (email: string) =>
  (
    await api.request<{ items: Message[] }>(
      'GET',
      `/_local/messages?channel=email&to=${encodeURIComponent(email)}`,
    )
  ).body.items;

beforeAll(async () => {
  staff = await api.token('staff-receipts-e2e', ['staff']);
});

describe('Local runtime: eReceipts', () => {
  it('emails the receipt when an order is invoiced, once; the owner and staff resend it, others get 404', async () => {
    const sku = await product(1999);
    const erin = await customer();
    const { orderId, invoiceId } = await invoicedOrder(erin.token, sku);

    const [receipt] = await eventually(
      async () => {
        const found = await messagesTo(erin.email);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: `the receipt to ${erin.email}` },
    );
    const invoice = await api.request<{ number: string; total: number }>('GET', `/invoices/${invoiceId}`, {
      token: erin.token,
    });
    expect(receipt).toMatchObject({
      channel: 'email',
      to: [erin.email],
      category: 'transactional',
      tags: { kind: 'ereceipt', invoiceId, orderId, customerId: erin.id },
    });
    expect(receipt?.subject).toContain(invoice.body.number);
    // 2 × €19.99 shipped to Germany: €39.98 + 19 % tax = €47.58.
    expect(invoice.body.total).toBe(4758);
    expect(receipt?.text).toContain('Total: €47.58');

    const resent = await api.request<{ messageId: string; to: string; resends: number }>(
      'POST',
      `/invoices/${invoiceId}/send`,
      { token: erin.token },
    );
    expect(resent.status).toBe(202);
    expect(resent.body).toMatchObject({ to: erin.email, resends: 1 });
    const byStaff = await api.request('POST', `/invoices/${invoiceId}/send`, { token: staff });
    expect(byStaff.status).toBe(202);
    const other = await api.request('POST', `/invoices/${invoiceId}/send`, {
      token: await api.token(uniqueId('someone').toLowerCase()),
    });
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ code: 'NOT_FOUND' });

    const all = await messagesTo(erin.email);
    expect(all.map((m) => m.id)).toEqual([expect.any(String), resent.body.messageId, receipt?.id]);
    expect(all.filter((m) => m.tags.invoiceId === invoiceId)).toHaveLength(3);
  });

  it('sends no receipt to a customer who turned eReceipts off; a resend is 422 RECIPIENT_UNAVAILABLE', async () => {
    const sku = await product(850);
    const erin = await customer();
    const off = await api.request<Customer>('PATCH', `/customers/${erin.id}`, {
      token: erin.token,
      headers: { 'if-match': String(erin.version) },
      body: { eReceipts: false },
    });
    expect(off.status).toBe(200);
    expect(off.body.eReceipts).toBe(false);

    const { invoiceId } = await invoicedOrder(erin.token, sku);
    // A customer who kept eReceipts on, invoiced after Erin, has their receipt: the consumer has
    // handled Erin's invoice by then (one queue, in order, at most two batches at a time).
    const later = await customer();
    await invoicedOrder(later.token, sku);
    await eventually(async () => ((await messagesTo(later.email)).length > 0 ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: `the receipt to ${later.email}`,
    });
    expect(await messagesTo(erin.email)).toEqual([]);

    const refused = await api.request('POST', `/invoices/${invoiceId}/send`, { token: erin.token });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'RECIPIENT_UNAVAILABLE', reason: 'opted_out' });
    expect(await messagesTo(erin.email)).toEqual([]);
  });

  it('filters the mailbox by channel and refuses an unknown channel', async () => {
    expect((await api.request('GET', '/_local/messages?channel=fax')).status).toBe(400);
    const page = await api.request<{ items: Message[] }>('GET', '/_local/messages?channel=email&limit=1');
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(1);
  });
});
