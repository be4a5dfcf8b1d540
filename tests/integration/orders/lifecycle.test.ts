import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { OrderCancelledV1, OrderDeliveredV1, OrderShippedV1 } from '#events/orders.ts';
import { readStockLedger } from '#functions/catalog/movements.ts';
import { getProductWithStock } from '#functions/catalog/products.ts';
import { placeOrder } from '#functions/orders/intake.ts';
import { cancelOrder, deliverOrder, shipOrder } from '#functions/orders/lifecycle.ts';
import { getOrder, orderKey } from '#functions/orders/orders.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { expectStockConserved } from '../../support/invariant.ts';
import { customer, eventsFor, orderInput, settle, staff, stockedProduct } from './fixtures.ts';

const ops = staff('ops-1');

/** Two SKUs with stock, and a CONFIRMED order of 2 + 1 from them by `owner`. */
async function confirmedOrder(owner: Principal = customer('owner-1')) {
  const a = await stockedProduct({ stock: 10 });
  const b = await stockedProduct({ stock: 5 });
  const { order } = await placeOrder({
    principal: owner,
    idempotencyKey: crypto.randomUUID(),
    input: orderInput([
      { sku: a, quantity: 2 },
      { sku: b, quantity: 1 },
    ]),
    correlationId: 'req-place',
  });
  return { order, skus: [a, b] as const, owner };
}

const request = (orderId: string, principal: Principal) => ({ orderId, principal, correlationId: 'req-2' });
/** The levels orders move; orders never touch the returns' counters (`returned`, `scrapped`). */
const stockOf = async (sku: string) => {
  const product = await getProductWithStock(sku);
  if (!product) throw new Error(`No product ${sku}`);
  const { returned, scrapped, ...levels } = product.stock;
  expect({ returned, scrapped }, `${sku}: return counters`).toEqual({ returned: 0, scrapped: 0 });
  return levels;
};
const conserved = async (skus: readonly string[]) => {
  for (const sku of skus) expectStockConserved(await readStockLedger(sku));
};

describe('Module: orders/lifecycle (DynamoDB Local)', () => {
  it('cancels for its owner: every reservation released, history appended, one OrderCancelled', async () => {
    // Prepare
    const { order, skus, owner } = await confirmedOrder();
    // Act
    const cancelled = await cancelOrder(request(order.id, owner));
    // Assess
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.history.map((h) => h.status)).toEqual(['CONFIRMED', 'CANCELLED']);
    expect(await getOrder(order.id)).toEqual(cancelled);
    expect(await stockOf(skus[0])).toEqual({ available: 10, reserved: 0, shipped: 0 });
    expect(await stockOf(skus[1])).toEqual({ available: 5, reserved: 0, shipped: 0 });
    const events = await eventsFor('OrderCancelled', { orderId: order.id });
    expect(events).toHaveLength(1);
    expect(OrderCancelledV1.parse(events[0]?.event).data).toMatchObject({
      previousStatus: 'CONFIRMED',
      cancelledBy: 'owner-1',
      total: order.total,
    });
    await conserved(skus);
  });

  it('cancels from FULFILLING too, and says so in the event', async () => {
    // Prepare: what the fulfilment consumer does to a CONFIRMED order
    const { order, skus } = await confirmedOrder();
    const at = new Date().toISOString();
    await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: orderKey(order.id),
        UpdateExpression: 'SET #status = :to, history = list_append(history, :entry), updatedAt = :at',
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':from': 'CONFIRMED',
          ':to': 'FULFILLING',
          ':entry': [{ status: 'FULFILLING', at }],
          ':at': at,
        },
      }),
    );
    // Act
    const cancelled = await cancelOrder(request(order.id, ops));
    // Assess
    expect(cancelled.history.map((h) => h.status)).toEqual(['CONFIRMED', 'FULFILLING', 'CANCELLED']);
    const [event] = await eventsFor('OrderCancelled', { orderId: order.id });
    expect(OrderCancelledV1.parse(event?.event).data).toMatchObject({
      previousStatus: 'FULFILLING',
      cancelledBy: 'ops-1',
    });
    await conserved(skus);
  });

  it('ships (reserved → shipped, shipment recorded) then delivers, each with its event', async () => {
    // Prepare
    const { order, skus } = await confirmedOrder();
    // Act
    const shipped = await shipOrder({ ...request(order.id, ops), carrier: 'DHL', trackingNumber: 'JD0001' });
    const delivered = await deliverOrder(request(order.id, ops));
    // Assess
    expect(shipped.status).toBe('SHIPPED');
    expect(shipped.shipments).toEqual([
      { carrier: 'DHL', trackingNumber: 'JD0001', shippedAt: expect.any(String) },
    ]);
    expect(delivered).toMatchObject({
      status: 'DELIVERED',
      shipments: [{ carrier: 'DHL', trackingNumber: 'JD0001', deliveredAt: delivered.updatedAt }],
    });
    expect(delivered.history.map((h) => h.status)).toEqual(['CONFIRMED', 'SHIPPED', 'DELIVERED']);
    expect(await getOrder(order.id)).toEqual(delivered);
    expect(await stockOf(skus[0])).toEqual({ available: 8, reserved: 0, shipped: 2 });
    expect(await stockOf(skus[1])).toEqual({ available: 4, reserved: 0, shipped: 1 });
    const [shippedEvent] = await eventsFor('OrderShipped', { orderId: order.id });
    expect(OrderShippedV1.parse(shippedEvent?.event).data).toMatchObject({
      carrier: 'DHL',
      trackingNumber: 'JD0001',
      lines: [
        { sku: skus[0], quantity: 2 },
        { sku: skus[1], quantity: 1 },
      ],
    });
    expect(await eventsFor('OrderDelivered', { orderId: order.id })).toHaveLength(1);
    OrderDeliveredV1.parse((await eventsFor('OrderDelivered', { orderId: order.id }))[0]?.event);
    await conserved(skus);
  });

  it('refuses cancellation after shipment and delivery before shipment with INVALID_STATE, changing nothing', async () => {
    // Prepare
    const shippedOne = await confirmedOrder();
    await shipOrder({ ...request(shippedOne.order.id, ops), carrier: 'UPS', trackingNumber: '1Z' });
    const fresh = await confirmedOrder();
    // Act
    const cancelAfterShip = await cancelOrder(request(shippedOne.order.id, shippedOne.owner)).catch((e) => e);
    const deliverUnshipped = await deliverOrder(request(fresh.order.id, ops)).catch((e) => e);
    // Assess
    expect(cancelAfterShip).toMatchObject({ code: 'INVALID_STATE', extra: { currentStatus: 'SHIPPED' } });
    expect(deliverUnshipped).toMatchObject({ code: 'INVALID_STATE', extra: { currentStatus: 'CONFIRMED' } });
    expect(await stockOf(shippedOne.skus[0])).toEqual({ available: 8, reserved: 0, shipped: 2 });
    expect(await eventsFor('OrderCancelled', { orderId: shippedOne.order.id })).toHaveLength(0);
    await conserved([...shippedOne.skus, ...fresh.skus]);
  });

  it("answers 404 to another customer's cancel and FORBIDDEN to a customer shipping", async () => {
    // Prepare
    const { order, owner } = await confirmedOrder();
    // Act
    const stranger = await cancelOrder(request(order.id, customer('stranger'))).catch((e) => e);
    const selfShip = await shipOrder({
      ...request(order.id, owner),
      carrier: 'x',
      trackingNumber: 'y',
    }).catch((e) => e);
    // Assess
    expect(stranger).toMatchObject({ code: 'NOT_FOUND' });
    expect(selfShip).toMatchObject({ code: 'FORBIDDEN' });
    expect((await getOrder(order.id))?.status).toBe('CONFIRMED');
  });

  it('lets exactly one of 10 racing cancels win; the rest get INVALID_STATE; stock released once', async () => {
    // Prepare
    const { order, skus, owner } = await confirmedOrder();
    // Act
    const outcome = await settle(
      Array.from({ length: 10 }, (_, i) => cancelOrder(request(order.id, i % 2 ? owner : ops))),
    );
    // Assess
    expect(outcome.codes).toEqual({ ok: 1, INVALID_STATE: 9 });
    expect(await stockOf(skus[0])).toEqual({ available: 10, reserved: 0, shipped: 0 });
    expect(await eventsFor('OrderCancelled', { orderId: order.id })).toHaveLength(1);
    expect((await getOrder(order.id))?.history.map((h) => h.status)).toEqual(['CONFIRMED', 'CANCELLED']);
    await conserved(skus);
    console.info(`racing cancels: ${JSON.stringify(outcome.codes)}`);
  });

  it('lets exactly one of racing cancels and shipments win, and stock follows the winner', async () => {
    // Prepare
    const { order, skus, owner } = await confirmedOrder();
    // Act
    const outcome = await settle([
      ...Array.from({ length: 8 }, () => cancelOrder(request(order.id, owner)).then(() => 'cancel')),
      ...Array.from({ length: 8 }, () =>
        shipOrder({ ...request(order.id, ops), carrier: 'DHL', trackingNumber: 'T' }).then(() => 'ship'),
      ),
    ]);
    // Assess
    expect(outcome.codes).toEqual({ ok: 1, INVALID_STATE: 15 });
    const winner = outcome.values[0];
    const stored = await getOrder(order.id);
    expect(stored?.status).toBe(winner === 'cancel' ? 'CANCELLED' : 'SHIPPED');
    expect(await stockOf(skus[0])).toEqual(
      winner === 'cancel'
        ? { available: 10, reserved: 0, shipped: 0 }
        : { available: 8, reserved: 0, shipped: 2 },
    );
    expect(stored?.history).toHaveLength(2);
    await conserved(skus);
    console.info(`cancel vs ship race: ${winner} won, ${JSON.stringify(outcome.codes)}`);
  });

  it('keeps every SKU conserved through a mixed burst of orders, cancels and shipments', async () => {
    // Prepare
    const skus = await Promise.all([30, 30].map((stock) => stockedProduct({ stock })));
    const placed = await settle(
      Array.from({ length: 40 }, (_, i) =>
        placeOrder({
          principal: customer(`mix-${i}`),
          idempotencyKey: `mix-${i}`,
          input: orderInput([
            { sku: skus[0] as string, quantity: 1 },
            { sku: skus[1] as string, quantity: 1 + (i % 2) },
          ]),
          correlationId: 'req-mix',
        }),
      ),
    );
    // Act: cancel a third, ship a third, leave the rest — all at once, while more orders arrive
    const transitions = await settle([
      ...placed.values.map(({ order }, i) =>
        i % 3 === 0
          ? cancelOrder(request(order.id, ops))
          : i % 3 === 1
            ? shipOrder({ ...request(order.id, ops), carrier: 'DHL', trackingNumber: `T${i}` })
            : Promise.resolve(order),
      ),
      ...Array.from({ length: 10 }, (_, i) =>
        placeOrder({
          principal: customer(`late-${i}`),
          idempotencyKey: `late-${i}`,
          input: orderInput([{ sku: skus[0] as string, quantity: 2 }]),
          correlationId: 'req-late',
        }).then(({ order }) => order),
      ),
    ]);
    // Assess
    expect(transitions.count('ok') + transitions.count('OUT_OF_STOCK')).toBe(placed.values.length + 10);
    await conserved(skus);
    console.info(
      `mixed burst: placed ${JSON.stringify(placed.codes)}, then ${JSON.stringify(transitions.codes)}`,
    );
  });
});
