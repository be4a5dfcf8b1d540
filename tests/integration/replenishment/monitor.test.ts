/**
 * The low-stock monitor on DynamoDB Local: real order intake and stock movements produce the
 * events, the replenishment consumer applies them (concurrently, as Lambda would), and the outbox
 * shows what it emitted.
 */
import { describe, expect, it } from 'vitest';
import { StockLowV1 } from '#events/replenishment.ts';
import { readStockLedger, recordStockMovement } from '#functions/catalog/movements.ts';
import { getProductWithStock, upsertProduct } from '#functions/catalog/products.ts';
import { placeOrder } from '#functions/orders/intake.ts';
import { getReorderState, listReplenishments } from '#functions/replenishment/replenishments.ts';
import { expectStockConserved } from '../../support/invariant.ts';
import { customer, orderInput, settle, stockedProduct } from '../orders/fixtures.ts';
import { deliver, outboxFor, productWithReorderPoint } from './fixtures.ts';

const BURST = 100;

const order = (sku: string, quantity: number, who = `c-${crypto.randomUUID()}`) =>
  placeOrder({
    principal: customer(who),
    idempotencyKey: crypto.randomUUID(),
    input: orderInput([{ sku, quantity }]),
    correlationId: `req-${who}`,
  });

const receive = (sku: string, quantity: number) =>
  recordStockMovement({
    sku,
    input: { quantity, reason: 'receipt' },
    by: 'staff-1',
    correlationId: 'req-receipt',
  });

/** Open suggestions for one SKU (the file's table holds few). */
async function openSuggestionsFor(sku: string) {
  return (await listReplenishments('open', { limit: 100 })).items.filter((r) => r.sku === sku);
}

describe('Consumer: replenishment (DynamoDB Local)', () => {
  it(`emits StockLow exactly once when a burst of ${BURST} concurrent orders crosses the reorder point`, async () => {
    // Prepare: 130 in stock, reorder point 60: the 70th unit ordered crosses it
    const sku = await productWithReorderPoint({ stock: 130, reorderPoint: 60, reorderQuantity: 500 });

    // Act: 100 orders at once, then the consumer on every resulting OrderPlaced at once
    let started = Date.now();
    const placed = await settle(Array.from({ length: BURST }, () => order(sku, 1)));
    const placingMs = Date.now() - started;
    const events = await outboxFor('OrderPlaced', sku);
    started = Date.now();
    const outcomes = await deliver(events);
    console.info(
      `${BURST} orders placed in ${placingMs} ms, their events applied in ${Date.now() - started} ms`,
    );

    // Assess
    expect(placed.codes).toEqual({ ok: BURST });
    expect(events).toHaveLength(BURST);
    expect(outcomes.every((o) => o === 'applied')).toBe(true);
    const stockLow = await outboxFor('StockLow', sku);
    expect(stockLow).toHaveLength(1);
    const event = StockLowV1.parse(stockLow[0]!.event);
    expect(event).toMatchObject({
      source: 'storeline.replenishment',
      data: { sku, available: 30, reorderPoint: 60, suggestedQuantity: 500 },
    });
    // The event carries the correlation id of the order whose delivery won.
    expect(events.map((e) => e.event.correlationId)).toContain(event.correlationId);
    const suggestions = await openSuggestionsFor(sku);
    expect(suggestions).toEqual([
      expect.objectContaining({
        id: event.data.replenishmentId,
        sku,
        suggestedQuantity: 500,
        status: 'open',
      }),
    ]);
    expect(await getReorderState(sku)).toMatchObject({
      status: 'LOW',
      replenishmentId: event.data.replenishmentId,
    });
    expectStockConserved(await readStockLedger(sku));
  }, 180_000);

  it('does nothing more when the burst is delivered again: every delivery is a duplicate', async () => {
    // Prepare
    const sku = await productWithReorderPoint({ stock: 30, reorderPoint: 25, reorderQuantity: 40 });
    await settle(Array.from({ length: 10 }, () => order(sku, 1)));
    const events = await outboxFor('OrderPlaced', sku);
    await deliver(events);

    // Act
    const again = await deliver(events);

    // Assess
    expect(again.every((o) => o === 'duplicate')).toBe(true);
    expect(await outboxFor('StockLow', sku)).toHaveLength(1);
    expect(await openSuggestionsFor(sku)).toHaveLength(1);
  });

  it('raises nothing above the reorder point, clears LOW after a receipt, and raises again on the next crossing', async () => {
    // Prepare
    const sku = await productWithReorderPoint({ stock: 20, reorderPoint: 10, reorderQuantity: 50 });

    // Act 1: down to 12 — still above the reorder point
    await order(sku, 8);
    await deliver(await outboxFor('OrderPlaced', sku));
    // Assess 1
    expect(await outboxFor('StockLow', sku)).toHaveLength(0);
    expect(await getReorderState(sku)).toBeUndefined();

    // Act 2: down to 9 — crossed; then down to 5 — still low, no second event
    await order(sku, 3);
    await deliver(await outboxFor('OrderPlaced', sku));
    await order(sku, 4);
    await deliver(await outboxFor('OrderPlaced', sku));
    // Assess 2
    expect(await outboxFor('StockLow', sku)).toHaveLength(1);

    // Act 3: a receipt brings it to 55 — the state clears
    await receive(sku, 50);
    await deliver(await outboxFor('StockChanged', sku));
    // Assess 3
    expect(await getReorderState(sku)).toMatchObject({ status: 'OK' });

    // Act 4: down to 7 again — the next crossing
    await order(sku, 48);
    await deliver(await outboxFor('OrderPlaced', sku));
    // Assess 4
    const stockLow = (await outboxFor('StockLow', sku)).map((r) => StockLowV1.parse(r.event).data);
    expect(stockLow.map((d) => d.available).sort((a, b) => a - b)).toEqual([7, 9]);
    expect(new Set(stockLow.map((d) => d.replenishmentId)).size).toBe(2);
    expect(await openSuggestionsFor(sku)).toHaveLength(2);
    expectStockConserved(await readStockLedger(sku));
  });

  it('ignores products without a reorder point, and clears LOW when the reorder point is removed', async () => {
    // Prepare
    const plain = await stockedProduct({ stock: 3 });
    const sku = await productWithReorderPoint({ stock: 5, reorderPoint: 5, reorderQuantity: 10 });
    await recordStockMovement({
      sku,
      input: { quantity: -1, reason: 'adjustment' },
      by: 'staff-1',
      correlationId: 'req-adjust',
    });
    await order(plain, 3);

    // Act 1: 4 is below the reorder point (5): low; the plain product, at 0: nothing
    await deliver([...(await outboxFor('OrderPlaced', plain)), ...(await outboxFor('StockChanged', sku))]);
    // Assess 1
    expect(await outboxFor('StockLow', plain)).toHaveLength(0);
    expect(await getReorderState(plain)).toBeUndefined();
    expect(await outboxFor('StockLow', sku)).toHaveLength(1);

    // Act 2: the reorder point is removed (null), and the next stock event re-evaluates
    await upsertProduct(
      sku,
      {
        name: 'No longer replenished',
        price: 1000,
        currency: 'EUR',
        reorderPoint: null,
        reorderQuantity: null,
      },
      new Date().toISOString(),
    );
    await receive(sku, 1);
    await deliver(await outboxFor('StockChanged', sku));
    // Assess 2
    expect(await getReorderState(sku)).toMatchObject({ status: 'OK' });
    const product = await getProductWithStock(sku);
    expect(product).not.toHaveProperty('reorderPoint');
    expect(product).not.toHaveProperty('reorderQuantity');
  });

  it('keeps the reorder settings when a product is updated without them', async () => {
    // Prepare
    const sku = await productWithReorderPoint({ stock: 0, reorderPoint: 4, reorderQuantity: 12 });
    // Act
    await upsertProduct(sku, { name: 'Renamed', price: 1500, currency: 'EUR' }, new Date().toISOString());
    // Assess
    expect(await getProductWithStock(sku)).toMatchObject({
      name: 'Renamed',
      price: 1500,
      reorderPoint: 4,
      reorderQuantity: 12,
    });
  });
});
