import { describe, expect, it } from 'vitest';
import { readStockLedger } from '#functions/catalog/movements.ts';
import { upsertProduct } from '#functions/catalog/products.ts';
import { placeOrder } from '#functions/orders/intake.ts';
import { AppError } from '#shared/errors.ts';
import { expectStockConserved } from '../../support/invariant.ts';
import { customer, orderInput, stockedProduct } from './fixtures.ts';

/**
 * Intake prices from a per-container cache and lets the transaction verify it. These tests change
 * the catalogue between two orders of the same container: the second order must see the change.
 */
describe('Module: orders/price-cache (DynamoDB Local)', () => {
  const place = (sku: string, key: string) =>
    placeOrder({
      principal: customer('cache-buyer'),
      idempotencyKey: key,
      input: orderInput([{ sku, quantity: 1 }]),
      correlationId: 'price-cache-test',
    });

  it('charges the new price after a price change, never the cached one', async () => {
    // Prepare
    const sku = await stockedProduct({ price: 1000, stock: 10 });
    expect((await place(sku, 'pc-1')).order.total).toBe(1000);
    await upsertProduct(sku, { name: 'Repriced', price: 1500, currency: 'EUR' }, new Date().toISOString());

    // Act
    const second = await place(sku, 'pc-2');

    // Assess
    expect(second.created).toBe(true);
    expect(second.order.lines[0]).toMatchObject({ unitPrice: 1500, name: 'Repriced' });
    expect(second.order.total).toBe(1500);
    expectStockConserved(await readStockLedger(sku));
  });

  it('refuses a product deactivated after it was cached', async () => {
    // Prepare
    const sku = await stockedProduct({ price: 700, stock: 10 });
    await place(sku, 'pc-3');
    await upsertProduct(
      sku,
      { name: 'Gone', price: 700, currency: 'EUR', active: false },
      new Date().toISOString(),
    );

    // Act
    const refusal = await place(sku, 'pc-4').catch((e: unknown) => e);

    // Assess
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).extra).toMatchObject({ skus: [sku] });
    expectStockConserved(await readStockLedger(sku));
  });

  it('sells a product reactivated after it was refused (a refusal is never served from the cache)', async () => {
    // Prepare
    const sku = await stockedProduct({ price: 300, stock: 5, active: false });
    await expect(place(sku, 'pc-5')).rejects.toBeInstanceOf(AppError);
    await upsertProduct(
      sku,
      { name: 'Back', price: 300, currency: 'EUR', active: true },
      new Date().toISOString(),
    );

    // Act
    const placed = await place(sku, 'pc-6');

    // Assess
    expect(placed.created).toBe(true);
  });

  it('answers a retry with the first order even after the product was deactivated', async () => {
    // Prepare
    const sku = await stockedProduct({ price: 900, stock: 5 });
    const first = await place(sku, 'pc-7');
    await upsertProduct(
      sku,
      { name: 'Retired', price: 900, currency: 'EUR', active: false },
      new Date().toISOString(),
    );

    // Act
    const retry = await place(sku, 'pc-7');

    // Assess
    expect(retry.created).toBe(false);
    expect(retry.order.id).toBe(first.order.id);
    expectStockConserved(await readStockLedger(sku));
  });
});
