/**
 * The customer timeline through the local runtime over HTTP: orders placed, shipped and delivered
 * reach the timeline consumer through the outbox, the publisher, the local bus and its queue, and
 * `GET /customers/{id}/timeline` shows them newest first to the customer and to staff; another
 * customer gets 404. Staff-only entries (internal notes, the record’s own history) stay hidden
 * from the customer.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';
import { stockedProduct } from '../support/catalog.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let alice: string;
let bob: string;
const aliceId = uniqueId('tl-alice').toLowerCase();
const bobId = uniqueId('tl-bob').toLowerCase();

interface TimelineItem {
  id: string;
  type: string;
  at: string;
  title: string;
  refs: Record<string, string>;
  visibility?: string;
}
interface TimelinePage {
  items: TimelineItem[];
  nextCursor: string | null;
}

const timelineOf = (customerId: string, token: string, query = '') =>
  api.request<TimelinePage>('GET', `/customers/${encodeURIComponent(customerId)}/timeline${query}`, {
    token,
  });

/** Polls a view of the timeline until it holds every kind named (as often as named). */
const timelineHas = (customerId: string, token: string, kinds: readonly string[]) =>
  eventually(
    async () => {
      const res = await timelineOf(customerId, token, '?limit=100');
      if (res.status !== 200) return undefined;
      const types = res.body.items.map((i) => i.type);
      const enough = kinds.every(
        (k) => types.filter((t) => t === k).length >= kinds.filter((x) => x === k).length,
      );
      return enough ? res.body : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: `${kinds.join(', ')} on ${customerId}'s timeline` },
  );

let orderId: string;

beforeAll(async () => {
  [staff, alice, bob] = await Promise.all([
    api.token('staff-timeline-e2e', ['staff']),
    api.token(aliceId),
    api.token(bobId),
  ]);
  const sku = uniqueId('TL');
  await stockedProduct(api, staff, { sku, name: 'Mug', price: 850, quantity: 5 });
  const placed = await api.request<{ id: string }>('POST', '/orders', {
    token: alice,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: {
      lines: [{ sku, quantity: 2 }],
      shippingAddress: {
        name: 'Alice',
        line1: '1 Main St',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      },
    },
  });
  expect(placed.status).toBe(201);
  orderId = placed.body.id;
});

describe('Local runtime: customer timeline', () => {
  it('shows the customer their order, its invoice, an interaction, shipment and delivery, newest first', async () => {
    // Prepare: the order is placed (beforeAll); the invoicing and profiles consumers run on it.
    await timelineHas(aliceId, alice, ['order.placed', 'invoice.issued']);
    await eventually(
      async () =>
        (await api.request('GET', `/customers/${aliceId}`, { token: staff })).status === 200
          ? true
          : undefined,
      { what: 'the customer record created from the first order' },
    );
    // A call the customer knows about, and an internal note they must never see.
    const call = await api.request('POST', `/customers/${aliceId}/interactions`, {
      token: staff,
      body: { kind: 'call', direction: 'inbound', durationSeconds: 180, body: 'Asked when the mug ships' },
    });
    expect(call.status).toBe(201);
    const note = await api.request('POST', `/customers/${aliceId}/notes`, {
      token: staff,
      body: { kind: 'note', body: 'Prefers a gift receipt' },
    });
    expect(note.status).toBe(201);
    await timelineHas(aliceId, staff, ['interaction.logged', 'interaction.logged']);
    const shipped = await api.request('POST', `/orders/${orderId}/ship`, {
      token: staff,
      body: { carrier: 'DHL', trackingNumber: 'TL-0001' },
    });
    expect(shipped.status).toBe(200);
    // Delivery after the shipment's entry exists, so the two events' times differ.
    await timelineHas(aliceId, alice, ['order.shipped']);
    expect((await api.request('POST', `/orders/${orderId}/deliver`, { token: staff })).status).toBe(200);
    // Act
    const page = await timelineHas(aliceId, alice, ['order.delivered', 'loyalty.points_changed']);
    // Assess: the customer's view, in the order things happened, newest first (the delivery earned
    // loyalty points: 1 per whole EUR)
    expect(page.items.map((i) => i.type)).toEqual([
      'loyalty.points_changed',
      'order.delivered',
      'order.shipped',
      'interaction.logged',
      'invoice.issued',
      'order.placed',
    ]);
    expect(page.items[5]).toMatchObject({ title: 'Order placed: 2 items, 17.00 EUR', refs: { orderId } });
    expect(page.items[4]).toMatchObject({ refs: { orderId, invoiceId: expect.any(String) } });
    expect(page.items[4]?.title).toMatch(/^Invoice INV-\d{4}-\d{6} issued: /);
    expect(page.items[3]?.title).toBe('Inbound call (3 min): Asked when the mug ships');
    expect(page.items[2]).toMatchObject({ title: 'Order shipped with DHL, tracking number TL-0001' });
    expect(page.items[0]).toMatchObject({ title: 'Earned 17 points; balance 17', refs: { orderId } });
    expect(page.items.every((i) => i.visibility === undefined)).toBe(true);
    const times = page.items.map((i) => i.at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('pages over HTTP with a cursor that works only for its own list', async () => {
    const all = await timelineHas(aliceId, alice, ['order.delivered', 'loyalty.points_changed']);
    expect(all.items).toHaveLength(6);
    const first = await timelineOf(aliceId, alice, '?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.body.nextCursor ?? '');
    const second = await timelineOf(aliceId, alice, `?limit=2&cursor=${cursor}`);
    expect(second.status).toBe(200);
    const third = await timelineOf(
      aliceId,
      alice,
      `?limit=2&cursor=${encodeURIComponent(second.body.nextCursor ?? '')}`,
    );
    expect(third.body.items.map((i) => i.type)).toEqual(['invoice.issued', 'order.placed']);
    expect([...first.body.items, ...second.body.items, ...third.body.items]).toEqual(all.items);
    // Staff's view of the same customer is another list: the customer's cursor is refused there.
    const asStaff = await timelineOf(aliceId, staff, `?limit=2&cursor=${cursor}`);
    expect(asStaff.status).toBe(400);
    expect(asStaff.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await timelineOf(aliceId, alice, '?limit=0')).status).toBe(400);
  });

  it('answers 404 to another customer and 401 without a token', async () => {
    const res = await timelineOf(aliceId, bob);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
    expect(JSON.stringify(res.body)).not.toContain('order');
    const bobsOwn = await timelineOf(bobId, bob);
    expect(bobsOwn.status).toBe(200);
    expect(bobsOwn.body).toEqual({ items: [], nextCursor: null });
    expect((await api.request('GET', `/customers/${aliceId}/timeline`)).status).toBe(401);
  });

  it('shows staff every entry with its visibility, and hides staff-only ones from the customer', async () => {
    // Act
    const asStaff = await timelineHas(aliceId, staff, ['order.delivered', 'loyalty.points_changed']);
    // Assess: the internal note and the record's creation are staff-only; the rest is shared
    const visibilityOf = (type: string, title?: string) =>
      asStaff.items.find((i) => i.type === type && (title === undefined || i.title.startsWith(title)))
        ?.visibility;
    expect(visibilityOf('interaction.logged', 'Note: ')).toBe('staff');
    expect(visibilityOf('customer.created')).toBe('staff');
    expect(visibilityOf('interaction.logged', 'Inbound call')).toBe('customer');
    expect(visibilityOf('invoice.issued')).toBe('customer');
    const asAlice = await timelineOf(aliceId, alice);
    const staffOnly = asStaff.items.filter((i) => i.visibility === 'staff').map((i) => i.id);
    expect(staffOnly.length).toBeGreaterThanOrEqual(2);
    for (const id of staffOnly) expect(asAlice.body.items.map((i) => i.id)).not.toContain(id);
    expect(asAlice.body.items).toHaveLength(asStaff.items.length - staffOnly.length);
  });
});
