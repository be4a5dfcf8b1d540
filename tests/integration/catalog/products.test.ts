import { describe, expect, it } from 'vitest';
import { getProductWithStock, upsertProduct } from '#functions/catalog/products.ts';

describe('Module: catalog/products (DynamoDB Local)', () => {
  it('creates a product at version 1, active by default, with zero stock', async () => {
    // Act
    const { product, created } = await upsertProduct(
      'INT-1',
      { name: 'Mug', price: 850, currency: 'EUR' },
      '2026-01-01T00:00:00.000Z',
    );
    // Assess
    expect(created).toBe(true);
    expect(product).toMatchObject({
      sku: 'INT-1',
      version: 1,
      active: true,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(await getProductWithStock('INT-1')).toMatchObject({
      name: 'Mug',
      stock: { available: 0, reserved: 0, shipped: 0 },
    });
  });

  it('updates in place: keeps createdAt, bumps version, keeps `active` unless given', async () => {
    // Prepare
    await upsertProduct(
      'INT-2',
      { name: 'Cup', price: 500, currency: 'EUR', active: false },
      '2026-01-01T00:00:00.000Z',
    );
    // Act
    const { product, created } = await upsertProduct(
      'INT-2',
      { name: 'Big cup', price: 650, currency: 'USD' },
      '2026-02-01T00:00:00.000Z',
    );
    // Assess
    expect(created).toBe(false);
    expect(product).toMatchObject({
      name: 'Big cup',
      price: 650,
      currency: 'USD',
      active: false,
      version: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-02-01T00:00:00.000Z',
    });
  });

  it('answers undefined for an unknown SKU', async () => {
    expect(await getProductWithStock('NOPE')).toBeUndefined();
  });

  it('never loses an update under concurrent writers: versions count every write', async () => {
    const writes = Array.from({ length: 25 }, (_, i) =>
      upsertProduct('INT-3', { name: `v${i}`, price: i, currency: 'EUR' }, new Date().toISOString()),
    );
    const results = await Promise.all(writes);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await getProductWithStock('INT-3'))?.version).toBe(25);
  });
});
