/**
 * Export and erasure over HTTP against the shared local runtime, consumers running for real: a
 * customer with an order, a ticket, an interaction and a timeline; the export shows it all; staff
 * erase them; then no route answers their email, name, phone or address (the invoice, which tax law
 * keeps, is not involved here: the order is never invoiced), and the export shows the anonymised state.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
const tag = uniqueId('prv').toLowerCase();
const person = {
  email: `grace.${tag}@example.com`,
  name: `Grace Hopper ${tag}`,
  phone: '+1 555 0199',
};
const address = {
  name: person.name,
  line1: `7 Cobol Lane ${tag}`,
  city: 'Arlington',
  postalCode: '22201',
  country: 'US',
};
const identifiers = [person.email, person.name, '555 0199', address.line1, 'Arlington'];
const leaks = (value: unknown) => {
  const text = JSON.stringify(value).toLowerCase();
  return identifiers.filter((id) => text.includes(id.toLowerCase()));
};

interface Export {
  customer: { id: string; name: string; email?: string; erasedAt?: string };
  interactions: { body: string }[];
  orders: { id: string; shippingAddress: { line1: string; country: string } }[];
  tickets: { id: string; subject: string }[];
  timeline: { title: string }[];
  truncated: string[];
  sectionLimit: number;
}

let staff: string;
let customer: string;
let customerId: string;
let orderId: string;
let ticketId: string;

beforeAll(async () => {
  staff = await api.token(`staff-privacy-${tag}`, ['staff']);
  const created = await api.request<{ id: string }>('POST', '/customers', { token: staff, body: person });
  expect(created.status).toBe(201);
  customerId = created.body.id;
  customer = await api.token(customerId);

  const sku = uniqueId('PRV');
  expect(
    (
      await api.request('PUT', `/products/${sku}`, {
        token: staff,
        body: { name: 'Thing', price: 500, currency: 'EUR' },
      })
    ).status,
  ).toBe(201);
  await api.request('POST', `/products/${sku}/stock-movements`, {
    token: staff,
    body: { quantity: 5, reason: 'receipt' },
  });
  const placed = await api.request<{ id: string }>('POST', '/orders', {
    token: customer,
    headers: { 'idempotency-key': `prv-${tag}` },
    body: { lines: [{ sku, quantity: 1 }], shippingAddress: address },
  });
  expect(placed.status).toBe(201);
  orderId = placed.body.id;

  const ticket = await api.request<{ id: string }>('POST', '/tickets', {
    token: customer,
    body: {
      type: 'incident',
      subject: `Parcel for ${person.name}`,
      description: `Please call me on ${person.phone} or write to ${person.email}`,
      priority: 'normal',
    },
  });
  expect(ticket.status).toBe(201);
  ticketId = ticket.body.id;

  const logged = await api.request('POST', `/customers/${customerId}/interactions`, {
    token: staff,
    body: { kind: 'call', body: `${person.name} called from ${person.phone}`, internal: false },
  });
  expect(logged.status).toBe(201);
});

describe('Privacy: export and erasure', () => {
  it('exports everything held about the customer to them, and answers 404 to another customer', async () => {
    const exported = await eventually(
      async () => {
        const res = await api.request<Export>('GET', `/customers/${customerId}/export`, { token: customer });
        return res.status === 200 && res.body.timeline.length >= 3 ? res.body : undefined;
      },
      { what: 'the order, ticket and interaction on the timeline' },
    );
    expect(exported.customer).toMatchObject({ id: customerId, email: person.email, name: person.name });
    expect(exported.orders.map((o) => o.id)).toContain(orderId);
    expect(exported.orders[0]!.shippingAddress.line1).toBe(address.line1);
    expect(exported.tickets.map((t) => t.id)).toContain(ticketId);
    expect(exported.interactions.map((i) => i.body).join()).toContain(person.phone);
    expect(exported.sectionLimit).toBe(100);
    expect(exported.truncated).toEqual([]);

    const other = await api.token(uniqueId('other').toLowerCase());
    expect((await api.request('GET', `/customers/${customerId}/export`, { token: other })).status).toBe(404);
  });

  it('erasure is staff only and idempotent', async () => {
    expect((await api.request('POST', `/customers/${customerId}/erase`, { token: customer })).status).toBe(
      403,
    );
    const first = await api.request<Export['customer'] & { version: number }>(
      'POST',
      `/customers/${customerId}/erase`,
      {
        token: staff,
        headers: { 'idempotency-key': `erase-${tag}` },
      },
    );
    expect(first.status).toBe(200);
    expect(first.body.erasedAt).toBeDefined();
    expect(leaks(first.body)).toEqual([]);
    const again = await api.request<{ version: number }>('POST', `/customers/${customerId}/erase`, {
      token: staff,
    });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(first.body.version);
  });

  it('afterwards no route answers their email, name, phone or address', async () => {
    await eventually(
      async () => {
        const reads = await Promise.all([
          api.request('GET', `/customers/${customerId}`, { token: staff }),
          api.request('GET', `/orders/${orderId}`, { token: staff }),
          api.request('GET', `/tickets/${ticketId}`, { token: staff }),
          api.request('GET', `/customers/${customerId}/timeline`, { token: staff }),
          api.request('GET', `/customers/${customerId}/interactions`, { token: staff }),
          api.request('GET', `/customers/${customerId}/export`, { token: staff }),
        ]);
        return reads.every((res) => res.status === 200 && leaks(res.body).length === 0) ? reads : undefined;
      },
      { timeoutMs: 20_000, what: 'every copy anonymised' },
    ).catch(async (error: unknown) => {
      // Say which route still leaks what, rather than only that time ran out.
      for (const path of [
        `/customers/${customerId}`,
        `/orders/${orderId}`,
        `/tickets/${ticketId}`,
        `/customers/${customerId}/timeline`,
      ]) {
        const res = await api.request('GET', path, { token: staff });
        expect({ path, status: res.status, leaks: leaks(res.body) }).toEqual({
          path,
          status: 200,
          leaks: [],
        });
      }
      throw error;
    });
    const byEmail = await api.request<{ items: unknown[] }>(
      'GET',
      `/customers?email=${encodeURIComponent(person.email)}`,
      {
        token: staff,
      },
    );
    expect(byEmail.body.items).toEqual([]);
    const exported = (
      await api.request<Export>('GET', `/customers/${customerId}/export`, { token: customer })
    ).body;
    expect(exported.customer.erasedAt).toBeDefined();
    expect(exported.customer.email).toBeUndefined();
    expect(exported.orders[0]!.shippingAddress.country).toBe('US');
  });
});
