/**
 * The customer timeline through the local runtime over HTTP: orders placed, shipped and delivered
 * reach the timeline consumer through the outbox, the publisher, the local bus and its queue, and
 * `GET /customers/{id}/timeline` shows them newest first to the customer and to staff; another
 * customer gets 404.
 */
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { localDynamoClient } from '#infra/local/dynamodb.ts';
import { topology } from '#infra/topology.ts';
import { outboxItem } from '#shared/outbox.ts';
import { eventLike, eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
const ddb = DynamoDBDocumentClient.from(localDynamoClient(inject('dynamoDbEndpointE2e')), {
  marshallOptions: { removeUndefinedValues: true },
});
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

/** Polls the timeline until it has `count` entries. */
const timelineWith = (customerId: string, token: string, count: number) =>
  eventually(
    async () => {
      const res = await timelineOf(customerId, token);
      return res.status === 200 && res.body.items.length >= count ? res.body : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: `${count} timeline entries for ${customerId}` },
  );

let orderId: string;

beforeAll(async () => {
  [staff, alice, bob] = await Promise.all([
    api.token('staff-timeline-e2e', ['staff']),
    api.token(aliceId),
    api.token(bobId),
  ]);
  const sku = uniqueId('TL');
  expect(
    (
      await api.request('PUT', `/products/${sku}`, {
        token: staff,
        body: { name: 'Mug', price: 850, currency: 'EUR' },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await api.request('POST', `/products/${sku}/stock-movements`, {
        token: staff,
        body: { quantity: 5, reason: 'receipt' },
      })
    ).status,
  ).toBe(201);
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

afterAll(() => ddb.destroy());

describe('Local runtime: customer timeline', () => {
  it('shows the customer their order placed, shipped and delivered, newest first', async () => {
    // Prepare: the order is placed (beforeAll); staff ship and deliver it.
    await timelineWith(aliceId, alice, 1);
    const shipped = await api.request('POST', `/orders/${orderId}/ship`, {
      token: staff,
      body: { carrier: 'DHL', trackingNumber: 'TL-0001' },
    });
    expect(shipped.status).toBe(200);
    // Delivery after the shipment's entry exists, so the two events' times differ.
    await timelineWith(aliceId, alice, 2);
    expect((await api.request('POST', `/orders/${orderId}/deliver`, { token: staff })).status).toBe(200);
    // Act
    const page = await timelineWith(aliceId, alice, 3);
    // Assess
    expect(page.items.map((i) => i.type)).toEqual(['order.delivered', 'order.shipped', 'order.placed']);
    expect(page.items[2]).toMatchObject({ title: 'Order placed: 2 items, 17.00 EUR', refs: { orderId } });
    expect(page.items[1]).toMatchObject({ title: 'Order shipped with DHL, tracking number TL-0001' });
    expect(page.items.every((i) => i.visibility === undefined)).toBe(true);
    const times = page.items.map((i) => i.at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('pages over HTTP with a cursor that works only for its own list', async () => {
    await timelineWith(aliceId, alice, 3);
    const first = await timelineOf(aliceId, alice, '?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.body.nextCursor ?? '');
    const second = await timelineOf(aliceId, alice, `?limit=2&cursor=${cursor}`);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ items: [{ type: 'order.placed' }], nextCursor: null });
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

  it('shows staff every entry with its visibility, and hides internal ones from the customer', async () => {
    // Prepare: an internal note as the customers context emits it — its outbox item, which the
    // runtime's publisher puts on the bus like any other (its HTTP route is another context's).
    const note = eventLike(
      'InteractionLogged',
      {
        customerId: aliceId,
        subject: { type: 'customer', id: aliceId },
        kind: 'note',
        direction: undefined,
        durationSeconds: undefined,
        internal: true,
        summary: 'Called about the mug: wants a gift receipt',
      },
      { occurredAt: new Date().toISOString(), correlationId: 'e2e-timeline' },
    );
    await timelineWith(aliceId, alice, 3);
    await ddb.send(new PutCommand({ TableName: topology.table.name, Item: outboxItem(note) }));
    // Act
    const asStaff = await timelineWith(aliceId, staff, 4);
    // Assess
    expect(asStaff.items[0]).toMatchObject({
      id: note.id,
      type: 'interaction.logged',
      title: 'Note: Called about the mug: wants a gift receipt',
      visibility: 'staff',
    });
    expect(asStaff.items.slice(1).map((i) => [i.type, i.visibility])).toEqual([
      ['order.delivered', 'customer'],
      ['order.shipped', 'customer'],
      ['order.placed', 'customer'],
    ]);
    const asAlice = await timelineOf(aliceId, alice);
    expect(asAlice.body.items.map((i) => i.id)).not.toContain(note.id);
    expect(asAlice.body.items).toHaveLength(3);
  });
});
