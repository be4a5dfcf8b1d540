import { describe, expect, it } from 'vitest';
import { OrderPlacedV1 } from '#events/orders.ts';
import { readStockLedger } from '#functions/catalog/movements.ts';
import { getProductWithStock, upsertProduct } from '#functions/catalog/products.ts';
import { placeOrder } from '#functions/orders/intake.ts';
import { cancelOrder } from '#functions/orders/lifecycle.ts';
import { getOrder } from '#functions/orders/orders.ts';
import { MAX_ORDER_LINES } from '#functions/orders/rules.ts';
import type { Principal } from '#shared/auth.ts';
import { expectStockConserved } from '../../support/invariant.ts';
import {
  customer,
  eventsFor,
  newSku,
  orderInput,
  outbox,
  settle,
  staff,
  stockedProduct,
} from './fixtures.ts';

const place = (
  principal: Principal,
  lines: { sku: string; quantity: number }[],
  key: string = crypto.randomUUID(),
  extra: Parameters<typeof orderInput>[1] = {},
) =>
  placeOrder({
    principal,
    idempotencyKey: key,
    input: orderInput(lines, extra),
    correlationId: `req-${key}`,
  });

/** The levels orders move; orders never touch the returns' counters (`returned`, `scrapped`). */
const stockOf = async (sku: string) => {
  const product = await getProductWithStock(sku);
  if (!product) throw new Error(`No product ${sku}`);
  const { returned, scrapped, ...levels } = product.stock;
  expect({ returned, scrapped }, `${sku}: return counters`).toEqual({ returned: 0, scrapped: 0 });
  return levels;
};

describe('Module: orders/intake (DynamoDB Local)', () => {
  it('places an order priced from the catalogue, reserves every line and writes one OrderPlaced', async () => {
    // Prepare
    const mug = await stockedProduct({ price: 850, stock: 10, name: 'Mug' });
    const cup = await stockedProduct({ price: 1200, stock: 5, name: 'Cup' });
    // Act
    const { created, order } = await place(customer('c-1'), [
      { sku: mug, quantity: 2 },
      { sku: cup, quantity: 1 },
    ]);
    // Assess
    expect(created).toBe(true);
    expect(order).toMatchObject({
      customerId: 'c-1',
      status: 'CONFIRMED',
      lines: [
        { sku: mug, name: 'Mug', quantity: 2, unitPrice: 850, lineTotal: 1700 },
        { sku: cup, name: 'Cup', quantity: 1, unitPrice: 1200, lineTotal: 1200 },
      ],
      subtotal: 2900,
      discount: 0,
      total: 2900,
      currency: 'EUR',
      channel: 'web',
      history: [{ status: 'CONFIRMED', by: 'c-1' }],
      shipments: [],
    });
    expect(await getOrder(order.id)).toEqual(order);
    expect(await stockOf(mug)).toEqual({ available: 8, reserved: 2, shipped: 0 });
    expect(await stockOf(cup)).toEqual({ available: 4, reserved: 1, shipped: 0 });
    const events = await eventsFor('OrderPlaced', { orderId: order.id });
    expect(events).toHaveLength(1);
    expect(OrderPlacedV1.parse(events[0]?.event)).toMatchObject({
      source: 'storeline.orders',
      correlationId: expect.stringMatching(/^req-/),
      data: { orderId: order.id, customerId: 'c-1', total: 2900, placedAt: order.placedAt },
    });
    for (const sku of [mug, cup]) expectStockConserved(await readStockLedger(sku));
  });

  it('sums lines of the same SKU before reserving', async () => {
    // Prepare
    const sku = await stockedProduct({ price: 100, stock: 5 });
    // Act
    const { order } = await place(customer('c-2'), [
      { sku, quantity: 2 },
      { sku, quantity: 3 },
    ]);
    // Assess
    expect(order.lines).toEqual([
      { sku, name: expect.any(String), quantity: 5, unitPrice: 100, lineTotal: 500 },
    ]);
    expect(await stockOf(sku)).toEqual({ available: 0, reserved: 5, shipped: 0 });
  });

  it('refuses split lines whose sum exceeds the stock, though each line alone would fit', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 5 });
    // Act
    const refused = place(customer('c-3'), [
      { sku, quantity: 3 },
      { sku, quantity: 3 },
    ]);
    // Assess
    await expect(refused).rejects.toMatchObject({ code: 'OUT_OF_STOCK', extra: { skus: [sku] } });
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0, shipped: 0 });
  });

  it('names every short SKU from the cancellation reasons and writes nothing: no order, no event', async () => {
    // Prepare
    const plenty = await stockedProduct({ stock: 100 });
    const short1 = await stockedProduct({ stock: 1 });
    const short2 = await stockedProduct();
    const before = (await outbox()).length;
    // Act
    const refused = place(customer('c-4'), [
      { sku: short1, quantity: 2 },
      { sku: plenty, quantity: 1 },
      { sku: short2, quantity: 1 },
    ]);
    // Assess
    await expect(refused).rejects.toMatchObject({ code: 'OUT_OF_STOCK', extra: { skus: [short1, short2] } });
    expect(await stockOf(plenty)).toEqual({ available: 100, reserved: 0, shipped: 0 });
    expect((await outbox()).length).toBe(before);
  });

  it('refuses unknown and inactive SKUs with 400 naming them and the request lines', async () => {
    // Prepare
    const ok = await stockedProduct({ stock: 5 });
    const inactive = await stockedProduct({ stock: 5, active: false });
    const unknown = newSku('UNKNOWN');
    // Act
    const refused = place(customer('c-5'), [
      { sku: ok, quantity: 1 },
      { sku: unknown, quantity: 1 },
      { sku: inactive, quantity: 1 },
    ]);
    // Assess
    await expect(refused).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: {
        skus: [unknown, inactive],
        errors: [
          { path: 'body.lines.1.sku', message: 'Unknown product' },
          { path: 'body.lines.2.sku', message: 'Product is not for sale' },
        ],
      },
    });
    expect(await stockOf(ok)).toEqual({ available: 5, reserved: 0, shipped: 0 });
  });

  it('refuses lines in more than one currency', async () => {
    // Prepare
    const eur = await stockedProduct({ stock: 5, currency: 'EUR' });
    const usd = await stockedProduct({ stock: 5, currency: 'USD' });
    // Act / Assess
    await expect(
      place(customer('c-6'), [
        { sku: eur, quantity: 1 },
        { sku: usd, quantity: 1 },
      ]),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', extra: { skus: [usd] } });
  });

  it('lets staff order for a customer and refuses a customer ordering for someone else', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 5 });
    // Act
    const { order } = await place(staff('agent-1'), [{ sku, quantity: 1 }], 'phone-1', {
      customerId: 'c-7',
      channel: 'phone',
    });
    const refused = place(customer('c-8'), [{ sku, quantity: 1 }], 'k', { customerId: 'c-7' });
    // Assess
    expect(order).toMatchObject({ customerId: 'c-7', channel: 'phone', placedBy: 'agent-1' });
    await expect(refused).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses an unknown coupon code, rather than charging full price silently', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 5 });
    // Act / Assess
    await expect(
      place(customer('c-9'), [{ sku, quantity: 1 }], 'k', { couponCode: 'SPRING' }),
    ).rejects.toMatchObject({ code: 'COUPON_NOT_APPLICABLE' });
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0, shipped: 0 });
  });

  it(`fits the largest order (${MAX_ORDER_LINES} SKUs) into one transaction`, async () => {
    // Prepare
    const skus = await Promise.all(
      Array.from({ length: MAX_ORDER_LINES }, () => stockedProduct({ stock: 2 })),
    );
    // Act
    const { order } = await place(
      customer('c-10'),
      skus.map((sku) => ({ sku, quantity: 1 })),
    );
    // Assess
    expect(order.lines).toHaveLength(MAX_ORDER_LINES);
    expect(await stockOf(skus.at(-1) as string)).toEqual({ available: 1, reserved: 1, shipped: 0 });
  });

  it('prices from the catalogue as it is at commit: a concurrent price change is never half-applied', async () => {
    // Prepare
    const sku = await stockedProduct({ price: 100, stock: 1000 });
    // Act: orders racing price updates
    const orders = settle(
      Array.from({ length: 20 }, (_, i) => place(customer(`race-${i}`), [{ sku, quantity: 1 }])),
    );
    const updates = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        upsertProduct(sku, { name: 'Racing', price: 200 + i, currency: 'EUR' }, new Date().toISOString()),
      ),
    );
    const [outcome] = await Promise.all([orders, updates]);
    // Assess: every order either committed at a price the product really had, or asked to retry
    expect(outcome.count('ok') + outcome.count('RATE_LIMITED')).toBe(20);
    for (const { order } of outcome.values) {
      expect([100, ...Array.from({ length: 20 }, (_, i) => 200 + i)]).toContain(order.lines[0]?.unitPrice);
    }
    expect((await stockOf(sku))?.reserved).toBe(outcome.count('ok'));
  });

  describe('idempotency', () => {
    it('answers a retry with the same key and body with the first order, without reserving again', async () => {
      // Prepare
      const sku = await stockedProduct({ stock: 5 });
      const first = await place(customer('c-11'), [{ sku, quantity: 2 }], 'key-A');
      // Act
      const retry = await place(customer('c-11'), [{ sku, quantity: 2 }], 'key-A');
      // Assess
      expect(retry).toEqual({ created: false, order: first.order });
      expect(await stockOf(sku)).toEqual({ available: 3, reserved: 2, shipped: 0 });
      expect(await eventsFor('OrderPlaced', { orderId: first.order.id })).toHaveLength(1);
    });

    it('refuses the same key with a different body (422) and keeps keys apart per principal', async () => {
      // Prepare
      const sku = await stockedProduct({ stock: 5 });
      const first = await place(customer('c-12'), [{ sku, quantity: 1 }], 'key-B');
      // Act
      const reused = await place(customer('c-12'), [{ sku, quantity: 2 }], 'key-B').catch((e: unknown) => e);
      const otherCustomer = await place(customer('c-13'), [{ sku, quantity: 1 }], 'key-B');
      // Assess
      expect(reused).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
      expect(otherCustomer.order.id).not.toBe(first.order.id);
      expect(await stockOf(sku)).toEqual({ available: 3, reserved: 2, shipped: 0 });
    });

    it('answers a retry with the first response even after the order moved on (cancelled)', async () => {
      // Prepare
      const sku = await stockedProduct({ stock: 5 });
      const first = await place(customer('c-17'), [{ sku, quantity: 1 }], 'key-D');
      await cancelOrder({ orderId: first.order.id, principal: customer('c-17'), correlationId: 'req' });
      // Act
      const retry = await place(customer('c-17'), [{ sku, quantity: 1 }], 'key-D');
      // Assess: the order as placed, not re-placed, and nothing reserved again
      expect(retry).toEqual({ created: false, order: first.order });
      expect((await getOrder(first.order.id))?.status).toBe('CANCELLED');
      expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0, shipped: 0 });
    });

    it('answers a retry with the first order even when stock has run out since', async () => {
      // Prepare
      const sku = await stockedProduct({ stock: 1 });
      const first = await place(customer('c-14'), [{ sku, quantity: 1 }], 'key-C');
      // Act
      const retry = await place(customer('c-14'), [{ sku, quantity: 1 }], 'key-C');
      // Assess
      expect(retry.order.id).toBe(first.order.id);
    });

    it('turns 20 concurrent identical requests into one order that every response names', async () => {
      // Prepare
      const sku = await stockedProduct({ stock: 100 });
      // Act
      const outcome = await settle(
        Array.from({ length: 20 }, () => place(customer('c-15'), [{ sku, quantity: 3 }], 'burst-key')),
      );
      // Assess
      expect(outcome.codes).toEqual({ ok: 20 });
      const ids = new Set(outcome.values.map((v) => v.order.id));
      expect(ids.size).toBe(1);
      expect(outcome.values.filter((v) => v.created)).toHaveLength(1);
      const [id] = [...ids];
      expect(await eventsFor('OrderPlaced', { orderId: id })).toHaveLength(1);
      expect(await stockOf(sku)).toEqual({ available: 97, reserved: 3, shipped: 0 });
      expectStockConserved(await readStockLedger(sku));
    });

    it('names the one order to 20 concurrent duplicates even when it takes the last units', async () => {
      // Prepare
      const sku = await stockedProduct({ stock: 2 });
      // Act
      const outcome = await settle(
        Array.from({ length: 20 }, () => place(customer('c-16'), [{ sku, quantity: 2 }], 'last-units')),
      );
      // Assess
      expect(outcome.codes).toEqual({ ok: 20 });
      expect(new Set(outcome.values.map((v) => v.order.id)).size).toBe(1);
      expect(await stockOf(sku)).toEqual({ available: 0, reserved: 2, shipped: 0 });
    });
  });

  describe('under concurrency', () => {
    it('200 concurrent orders for 1 unit against 50 available: exactly 50 succeed, 150 OUT_OF_STOCK', async () => {
      // Prepare
      const sku = await stockedProduct({ stock: 50 });
      // Act
      const started = Date.now();
      const outcome = await settle(
        Array.from({ length: 200 }, (_, i) => place(customer(`flash-${i}`), [{ sku, quantity: 1 }])),
      );
      const elapsedMs = Date.now() - started;
      // Assess
      expect(outcome.codes).toEqual({ ok: 50, OUT_OF_STOCK: 150 });
      expect(await stockOf(sku)).toEqual({ available: 0, reserved: 50, shipped: 0 });
      const placed = (await outbox()).filter(
        (r) => r.type === 'OrderPlaced' && JSON.stringify(r.event.data).includes(sku),
      );
      expect(placed).toHaveLength(50);
      expectStockConserved(await readStockLedger(sku));
      console.info(
        `flash sale: 200 orders vs 50 units in ${elapsedMs} ms → ${JSON.stringify(outcome.codes)}`,
      );
    });

    it('keeps multi-line orders over overlapping SKUs all-or-nothing, with no SKU below zero', async () => {
      // Prepare
      const skus = await Promise.all([20, 15, 10, 25].map((stock) => stockedProduct({ stock })));
      const baskets = Array.from({ length: 80 }, (_, i) =>
        [0, 1, 2, 3]
          .filter((j) => (i + j) % 3 !== 0)
          .map((j) => ({ sku: skus[j] as string, quantity: 1 + ((i * (j + 1)) % 3) })),
      );
      // Act
      const outcome = await settle(baskets.map((lines, i) => place(customer(`multi-${i}`), lines)));
      // Assess
      expect(outcome.count('ok') + outcome.count('OUT_OF_STOCK')).toBe(80);
      expect(outcome.count('ok')).toBeGreaterThan(0);
      expect(outcome.count('OUT_OF_STOCK')).toBeGreaterThan(0);
      for (const sku of skus) {
        const ordered = outcome.values
          .flatMap((v) => v.order.lines)
          .filter((l) => l.sku === sku)
          .reduce((n, l) => n + l.quantity, 0);
        const ledger = await readStockLedger(sku);
        // Every unit reserved belongs to a committed order, and every committed line is reserved.
        expect(ledger.reserved).toBe(ordered);
        expectStockConserved(ledger);
      }
      const committed = new Set(outcome.values.map((v) => v.order.id));
      const placed = (await outbox()).filter(
        (r) => r.type === 'OrderPlaced' && committed.has(String(r.event.data.orderId)),
      );
      expect(placed).toHaveLength(committed.size);
      console.info(`overlapping baskets: ${JSON.stringify(outcome.codes)}`);
    });
  });
});
