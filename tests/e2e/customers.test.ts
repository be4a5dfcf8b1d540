import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let carol: string;
let dave: string;
const daveId = uniqueId('dave').toLowerCase();

interface Customer {
  id: string;
  email?: string;
  name: string;
  phone?: string;
  marketingConsent: Record<'email' | 'sms', { granted: boolean; changedAt?: string; source?: string }>;
  version: number;
  origin: string;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const email = (local: string) => `${uniqueId(local).toLowerCase()}@example.com`;

const create = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api.request<Customer & { code?: string }>('POST', '/customers', { token: staff, body, headers });

beforeAll(async () => {
  staff = await api.token('staff-customers-e2e', ['staff']);
  dave = await api.token(daveId);
});

describe('Local runtime: customers', () => {
  it('creates, reads, finds and searches customers; one email in any letter case', async () => {
    const address = email('Carol');
    const created = await create({
      email: address,
      name: 'Carol Danvers',
      marketingConsent: { email: true },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({
      email: address,
      name: 'Carol Danvers',
      version: 1,
      origin: 'staff',
      marketingConsent: { email: { granted: true, source: 'staff' }, sms: { granted: false } },
    });
    const id = created.body.id;
    carol = await api.token(id);

    const clash = await create({ email: address.toUpperCase(), name: 'Impostor' });
    expect(clash.status).toBe(409);
    expect(clash.headers.get('content-type')).toBe('application/problem+json');
    expect(clash.body).toMatchObject({ code: 'ALREADY_EXISTS' });

    // Idempotency-Key: a retry answers the same customer.
    const keyed = { email: email('keyed'), name: 'Keyed' };
    const key = crypto.randomUUID();
    const first = await create(keyed, { 'idempotency-key': key });
    const retry = await create(keyed, { 'idempotency-key': key });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body.id).toBe(first.body.id);

    // Self or staff; another customer gets 404, not 403.
    expect((await api.request<Customer>('GET', `/customers/${id}`, { token: carol })).body.id).toBe(id);
    expect((await api.request('GET', `/customers/${id}`, { token: staff })).status).toBe(200);
    const asDave = await api.request('GET', `/customers/${id}`, { token: dave });
    expect(asDave.status).toBe(404);
    expect(asDave.body).toMatchObject({ code: 'NOT_FOUND' });

    const byEmail = await api.request<Page<Customer>>(
      'GET',
      `/customers?email=${encodeURIComponent(address.toUpperCase())}`,
      { token: staff },
    );
    expect(byEmail.body.items.map((c) => c.id)).toEqual([id]);

    const prefix = address.slice(0, 12);
    const search = await api.request<Page<Customer>>('GET', `/customers?q=${encodeURIComponent(prefix)}`, {
      token: staff,
    });
    expect(search.status).toBe(200);
    expect(search.body.items.map((c) => c.id)).toContain(id);
    const byName = await api.request<Page<Customer>>('GET', '/customers?q=carol%20danv&limit=100', {
      token: staff,
    });
    expect(byName.body.items.map((c) => c.id)).toContain(id);

    // Staff routes are staff's: a customer gets 403.
    expect((await api.request('GET', '/customers?q=carol', { token: carol })).status).toBe(403);
    expect((await api.request('POST', '/customers', { token: carol, body: keyed })).status).toBe(403);
    expect(
      (
        await api.request('POST', `/customers/${id}/interactions`, {
          token: carol,
          body: { kind: 'note', body: 'x' },
        })
      ).status,
    ).toBe(403);
  });

  it('changes a customer only with a current If-Match', async () => {
    const created = await create({ email: email('patch'), name: 'Pat' });
    const id = created.body.id;
    const self = await api.token(id);
    const patch = (token: string, body: unknown, ifMatch?: string) =>
      api.request<Customer & { code?: string }>('PATCH', `/customers/${id}`, {
        token,
        body,
        ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
      });

    const missing = await patch(self, { name: 'Patricia' });
    expect(missing.status).toBe(428);
    expect(missing.body).toMatchObject({ code: 'PRECONDITION_REQUIRED' });

    const changed = await patch(self, { name: 'Patricia', marketingConsent: { sms: true } }, '"1"');
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"2"');
    expect(changed.body).toMatchObject({
      name: 'Patricia',
      version: 2,
      marketingConsent: { sms: { granted: true, source: 'customer' } },
    });

    const stale = await patch(staff, { name: 'Stale' }, '1');
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT' });
    const after = await api.request<Customer>('GET', `/customers/${id}`, { token: staff });
    expect(after.body).toMatchObject({ name: 'Patricia', version: 2 });

    // A customer may not change their email; staff may. Another customer's record is 404.
    expect((await patch(self, { email: email('mine') }, '2')).status).toBe(403);
    expect((await patch(dave, { name: 'Hijack' }, '2')).status).toBe(404);
    const moved = email('moved');
    const byStaff = await patch(staff, { email: moved }, '2');
    expect(byStaff.status).toBe(200);
    expect(byStaff.body).toMatchObject({ email: moved, version: 3 });
  });

  it('logs interactions and notes for staff, newest first', async () => {
    const created = await create({ email: email('log'), name: 'Logan' });
    const id = created.body.id;
    const call = await api.request<{ id: string; internal: boolean; author: string }>(
      'POST',
      `/customers/${id}/interactions`,
      {
        token: staff,
        body: { kind: 'call', direction: 'outbound', durationSeconds: 60, body: 'Called back' },
      },
    );
    expect(call.status).toBe(201);
    expect(call.body).toMatchObject({ internal: false, author: 'staff-customers-e2e' });
    const note = await api.request<{ id: string; internal: boolean }>('POST', `/customers/${id}/notes`, {
      token: staff,
      body: { kind: 'note', body: 'VIP' },
    });
    expect(note.status).toBe(201);
    expect(note.body.internal).toBe(true);
    const list = await api.request<Page<{ id: string }>>('GET', `/customers/${id}/interactions`, {
      token: staff,
    });
    expect(list.body.items.map((i) => i.id)).toEqual([note.body.id, call.body.id]);
    expect((await api.request('GET', `/customers/${id}/interactions`, { token: dave })).status).toBe(403);
    const ghost = await api.request('POST', '/customers/nobody-here/notes', {
      token: staff,
      body: { kind: 'note', body: 'x' },
    });
    expect(ghost.status).toBe(404);
  });

  it('answers bad input with problem+json', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/customers', { email: 'not-an-email', name: 'X' }],
      ['POST', '/customers', { email: email('x'), name: 'X', role: 'admin' }],
      ['POST', '/customers', { email: email('x'), name: 'n'.repeat(201) }],
      ['GET', '/customers', undefined],
      ['GET', '/customers?q=a', undefined],
      ['POST', '/customers/abc/interactions', { kind: 'note', body: 'x', direction: 'inbound' }],
    ];
    for (const [method, path, body] of cases) {
      const res = await api.request<{ code: string }>(method, path, { token: staff, body });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    const created = await create({ email: email('bad'), name: 'Bad' });
    const badMatch = await api.request('PATCH', `/customers/${created.body.id}`, {
      token: staff,
      body: { name: 'Y' },
      headers: { 'if-match': 'soon' },
    });
    expect(badMatch.status).toBe(400);
  });

  it('gives a customer who orders without a record one, named from the shipping address', async () => {
    const sku = uniqueId('CRM');
    expect(
      (
        await api.request('PUT', `/products/${sku}`, {
          token: staff,
          body: { name: 'Mug', price: 500, currency: 'EUR' },
        })
      ).status,
    ).toBe(201);
    await api.request('POST', `/products/${sku}/stock-movements`, {
      token: staff,
      body: { quantity: 5, reason: 'receipt' },
    });
    expect((await api.request('GET', `/customers/${daveId}`, { token: dave })).status).toBe(404);
    const placed = await api.request('POST', '/orders', {
      token: dave,
      headers: { 'idempotency-key': crypto.randomUUID() },
      body: {
        lines: [{ sku, quantity: 1 }],
        shippingAddress: {
          name: 'Dave Bowman',
          line1: '1 Main St',
          city: 'Berlin',
          postalCode: '10115',
          country: 'DE',
        },
      },
    });
    expect(placed.status).toBe(201);
    const profile = await eventually(
      async () => {
        const res = await api.request<Customer>('GET', `/customers/${daveId}`, { token: dave });
        return res.status === 200 ? res.body : undefined;
      },
      { what: 'the customer record from the order' },
    );
    expect(profile).toMatchObject({ id: daveId, name: 'Dave Bowman', origin: 'order', version: 1 });
    expect(profile.email).toBeUndefined();
  });
});
