/**
 * Segments over HTTP against the local runtime: staff define a segment, and membership follows a
 * customer's orders, cancellations and consent through the real event path (outbox → stream →
 * publisher → bus → queue → segmentFacts), read back from the members route.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;

const address = {
  name: 'Rui',
  line1: '1 Rua Augusta',
  city: 'Lisboa',
  postalCode: '1100-048',
  country: 'PT',
};

interface Segment {
  id: string;
  revision: number;
  memberCount: number;
  backfill: { revision: number; status: string; evaluated: number };
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const segmentId = (name: string) =>
  uniqueId(name)
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-');

async function product(price: number, stock: number): Promise<string> {
  const sku = uniqueId('SEG');
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

/** Every member of a segment, page by page (pages of 2, so the cursor is exercised). */
async function members(id: string): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
    const page = await api.request<Page<{ customerId: string }>>('GET', `/segments/${id}/members${query}`, {
      token: staff,
    });
    expect(page.status).toBe(200);
    found.push(...page.body.items.map((m) => m.customerId));
    cursor = page.body.nextCursor;
  } while (cursor);
  return found;
}

const isMember = async (id: string, customerId: string) => (await members(id)).includes(customerId);

async function until(id: string, customerId: string, member: boolean, what: string) {
  await eventually(async () => ((await isMember(id, customerId)) === member ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 250,
    what,
  });
}

beforeAll(async () => {
  staff = await api.token('staff-segments-e2e', ['staff']);
});

describe('Local runtime: segments', () => {
  it('follows a customer’s spend across the threshold both ways, and their consent in and out', async () => {
    // Prepare: a segment "over 500 EUR in the last 365 days, email consent"; a consenting customer
    const id = segmentId('big');
    const defined = await api.request<Segment>('PUT', `/segments/${id}`, {
      token: staff,
      body: {
        name: 'Big spenders',
        rule: {
          all: [
            { fact: 'spendInLastDays', days: 365, currency: 'EUR', gte: 50_000 },
            { fact: 'consent', channel: 'email', granted: true },
          ],
        },
      },
    });
    expect(defined.status).toBe(201);
    expect(defined.body).toMatchObject({ id, revision: 1, memberCount: 0 });
    const created = await api.request<{ id: string }>('POST', '/customers', {
      token: staff,
      body: { email: `${uniqueId('seg')}@example.com`, name: 'Rui', marketingConsent: { email: true } },
    });
    expect(created.status).toBe(201);
    const customerId = created.body.id;
    const customer = await api.token(customerId);
    const sku = await product(30_000, 10);
    const order = async () => {
      const placed = await api.request<{ id: string }>('POST', '/orders', {
        token: customer,
        headers: { 'idempotency-key': uniqueId('seg-order') },
        body: { lines: [{ sku, quantity: 1 }], shippingAddress: address },
      });
      expect(placed.status).toBe(201);
      return placed.body.id;
    };
    const patchConsent = async (granted: boolean) => {
      const current = await api.request<{ version: number }>('GET', `/customers/${customerId}`, {
        token: staff,
      });
      const patched = await api.request('PATCH', `/customers/${customerId}`, {
        token: customer,
        headers: { 'if-match': `"${current.body.version}"` },
        body: { marketingConsent: { email: granted } },
      });
      expect(patched.status).toBe(200);
    };

    // Act + Assess: 300 EUR is under the threshold
    await order();
    const second = await order();
    // 600 EUR: in
    await until(id, customerId, true, 'the customer to enter at 600 EUR');
    expect((await api.request<Segment>('GET', `/segments/${id}`, { token: staff })).body.memberCount).toBe(1);

    // The second order cancelled: back under, out
    expect((await api.request('POST', `/orders/${second}/cancel`, { token: customer })).status).toBe(200);
    await until(id, customerId, false, 'the customer to leave after the cancellation');
    expect((await api.request<Segment>('GET', `/segments/${id}`, { token: staff })).body.memberCount).toBe(0);

    // Over again, then consent withdrawn (out) and granted again (in)
    await order();
    await until(id, customerId, true, 'the customer to enter again');
    await patchConsent(false);
    await until(id, customerId, false, 'the customer to leave on withdrawing consent');
    await patchConsent(true);
    await until(id, customerId, true, 'the customer to enter on granting consent');
    expect((await api.request<Segment>('GET', `/segments/${id}`, { token: staff })).body.memberCount).toBe(1);

    // A new segment is judged for this existing customer by its backfill
    const later = segmentId('ordered-twice');
    const put = await api.request<Segment>('PUT', `/segments/${later}`, {
      token: staff,
      body: {
        name: 'Ordered twice',
        rule: {
          all: [
            { fact: 'orderCount', gte: 2 },
            { fact: 'country', in: ['PT'] },
          ],
        },
      },
    });
    expect(put.status).toBe(201);
    await until(later, customerId, true, 'the backfill to judge the existing customer');
    await eventually(
      async () => {
        const s = await api.request<Segment>('GET', `/segments/${later}`, { token: staff });
        return s.body.backfill.status === 'complete' ? s.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the backfill to complete' },
    );
    const listed = await api.request<Page<Segment>>('GET', '/segments?limit=100', { token: staff });
    expect(listed.body.items.map((s) => s.id)).toEqual(expect.arrayContaining([id, later]));
  }, 180_000);

  it('refuses a malformed rule with 400, customers with 403, an unknown segment with 404', async () => {
    const id = segmentId('bad');
    const bad = await api.request<{ code: string }>('PUT', `/segments/${id}`, {
      token: staff,
      body: { name: 'Bad', rule: { all: [{ fact: 'lifetimeSpend', currency: 'EUR' }] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const shopper = await api.token(uniqueId('shopper'));
    expect((await api.request('GET', '/segments', { token: shopper })).status).toBe(403);
    expect((await api.request('GET', `/segments/${id}`, { token: staff })).status).toBe(404);
    expect((await api.request('GET', `/segments/${id}/members`, { token: staff })).status).toBe(404);
  });
});
