import { describe, expect, it } from 'vitest';
import { StockChangedV1 } from '#events/inventory.ts';
import { listStockMovements, readStockLedger, recordStockMovement } from '#functions/catalog/movements.ts';
import { getProductWithStock } from '#functions/catalog/products.ts';
import { expectStockConserved } from '../../support/invariant.ts';
import { eventsFor, newSku, settle, stockedProduct } from '../orders/fixtures.ts';

const move = (sku: string, quantity: number, reason: 'receipt' | 'adjustment' | 'count', key?: string) =>
  recordStockMovement({
    sku,
    input: { quantity, reason },
    by: 'staff-7',
    idempotencyKey: key,
    correlationId: 'req-1',
  });

describe('Module: catalog/movements (DynamoDB Local)', () => {
  it('records a receipt: levels, the movement with reason, who and when, and one StockChanged', async () => {
    // Prepare
    const sku = await stockedProduct();
    // Act
    const { created, result } = await move(sku, 12, 'receipt');
    // Assess
    expect(created).toBe(true);
    expect(result.stock).toEqual({ available: 12, reserved: 0, shipped: 0, returned: 0, scrapped: 0 });
    expect(result.movement).toMatchObject({ sku, quantity: 12, reason: 'receipt', by: 'staff-7' });
    expect(Date.parse(result.movement.at)).toBeGreaterThan(Date.now() - 60_000);
    expect((await getProductWithStock(sku))?.stock).toEqual({
      available: 12,
      reserved: 0,
      shipped: 0,
      returned: 0,
      scrapped: 0,
    });
    const events = await eventsFor('StockChanged', { sku });
    expect(events).toHaveLength(1);
    const event = StockChangedV1.parse(events[0]?.event);
    expect(event).toMatchObject({
      source: 'storeline.catalog',
      correlationId: 'req-1',
      data: { sku, cause: 'receipt', movementId: result.movement.id, quantity: 12, by: 'staff-7' },
    });
    expectStockConserved(await readStockLedger(sku));
  });

  it('applies adjustments and counts in both directions', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 10 });
    // Act
    await move(sku, -3, 'adjustment');
    await move(sku, 2, 'count');
    const { result } = await move(sku, -1, 'count');
    // Assess
    expect(result.stock.available).toBe(8);
    const ledger = await readStockLedger(sku);
    expect(ledger.movements.sort()).toEqual([-1, -3, 10, 2].sort());
    expectStockConserved(ledger);
  });

  it('refuses to take available below zero with OUT_OF_STOCK and writes nothing', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 4 });
    // Act
    const refused = move(sku, -5, 'adjustment');
    // Assess
    await expect(refused).rejects.toMatchObject({ code: 'OUT_OF_STOCK', extra: { skus: [sku] } });
    expect((await readStockLedger(sku)).movements).toEqual([4]);
    expect(await eventsFor('StockChanged', { sku })).toHaveLength(1);
  });

  it('answers 404 for an unknown SKU and writes nothing', async () => {
    // Prepare
    const sku = newSku('GHOST');
    // Act
    const refused = move(sku, 5, 'receipt');
    // Assess
    await expect(refused).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await readStockLedger(sku)).toMatchObject({ available: 0, movements: [] });
    expect(await eventsFor('StockChanged', { sku })).toHaveLength(0);
  });

  it('answers a retry with the same Idempotency-Key from the first result, once', async () => {
    // Prepare
    const sku = await stockedProduct();
    const first = await move(sku, 7, 'receipt', 'key-1');
    await move(sku, 1, 'receipt');
    // Act
    const retry = await move(sku, 7, 'receipt', 'key-1');
    // Assess
    expect(retry.created).toBe(false);
    expect(retry.result.movement).toEqual(first.result.movement);
    expect(retry.result.stock.available).toBe(8);
    expect((await readStockLedger(sku)).movements.sort()).toEqual([1, 7]);
  });

  it('refuses the same Idempotency-Key with another body, even on another SKU (422)', async () => {
    // Prepare
    const sku = await stockedProduct();
    const other = await stockedProduct();
    await move(sku, 7, 'receipt', 'key-2');
    // Act / Assess
    await expect(move(sku, 8, 'receipt', 'key-2')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    await expect(move(other, 7, 'receipt', 'key-2')).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect((await readStockLedger(sku)).movements).toEqual([7]);
  });

  it('applies 20 concurrent identical keyed movements once', async () => {
    // Prepare
    const sku = await stockedProduct();
    // Act
    const outcome = await settle(Array.from({ length: 20 }, () => move(sku, 5, 'receipt', 'burst-key')));
    // Assess
    expect(outcome.count('ok')).toBe(20);
    expect(new Set(outcome.values.map((v) => v.result.movement.id)).size).toBe(1);
    expect(outcome.values.filter((v) => v.created)).toHaveLength(1);
    expect(await readStockLedger(sku)).toMatchObject({ available: 5, movements: [5] });
  });

  it('lets every receipt land and no removal overdraw under concurrency: one StockChanged per movement', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 10 });
    // Act: 30 removals of 1 against 10 + 15 receipts of 1, all at once
    const outcome = await settle([
      ...Array.from({ length: 30 }, () => move(sku, -1, 'adjustment')),
      ...Array.from({ length: 15 }, () => move(sku, 1, 'receipt')),
    ]);
    // Assess
    expect(outcome.codes).toEqual({ ok: expect.any(Number), OUT_OF_STOCK: expect.any(Number) });
    const ledger = await readStockLedger(sku);
    expect(ledger.movements.filter((q) => q === 1)).toHaveLength(15);
    expect(ledger.movements).toHaveLength(1 + outcome.count('ok'));
    expect(ledger.available).toBe(10 + 15 - (outcome.count('ok') - 15));
    expect(outcome.count('ok') - 15).toBeLessThanOrEqual(25);
    expectStockConserved(ledger);
    const events = (await eventsFor('StockChanged', { sku })).map((r) => StockChangedV1.parse(r.event).data);
    expect(events.map((e) => e.movementId).sort()).toEqual(
      (await listStockMovements(sku, { limit: 100 }))?.items.map((m) => m.id).sort(),
    );
  });

  it('lists movements newest first with an opaque cursor pinned to the SKU', async () => {
    // Prepare
    const sku = await stockedProduct();
    for (const q of [1, 2, 3, 4, 5]) await move(sku, q, 'receipt');
    // Act
    const first = await listStockMovements(sku, { limit: 2 });
    const second = await listStockMovements(sku, { limit: 2, cursor: first?.nextCursor ?? undefined });
    const third = await listStockMovements(sku, { limit: 2, cursor: second?.nextCursor ?? undefined });
    // Assess
    expect(first?.items.map((m) => m.quantity)).toEqual([5, 4]);
    expect(second?.items.map((m) => m.quantity)).toEqual([3, 2]);
    expect(third?.items.map((m) => m.quantity)).toEqual([1]);
    expect(await listStockMovements(newSku('NONE'), { limit: 2 })).toBeUndefined();
    const other = await stockedProduct();
    await expect(
      listStockMovements(other, { limit: 2, cursor: first?.nextCursor ?? undefined }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(listStockMovements(sku, { limit: 2, cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('reads the product and its stock without touching the movements in the same partition', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 3, name: 'Lamp' });
    for (let i = 0; i < 5; i++) await move(sku, 1, 'receipt');
    // Act
    const product = await getProductWithStock(sku);
    // Assess
    expect(product).toMatchObject({ sku, name: 'Lamp', stock: { available: 8, reserved: 0, shipped: 0 } });
  });
});
