import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Product } from '#functions/catalog/contract.ts';
import { customerStockView, productViewFor } from '#functions/catalog/visibility.ts';
import type { Principal } from '#shared/auth.ts';

const customer: Principal = { sub: 'c-1', groups: [], isStaff: false };
const staff: Principal = { sub: 's-1', groups: ['staff'], isStaff: true };
const level = fc.nat({ max: 1_000_000 });
const product = fc
  .record({
    available: level,
    reserved: level,
    shipped: level,
    returned: level,
    scrapped: level,
    reorder: fc.option(fc.tuple(level, fc.integer({ min: 1, max: 1000 })), { nil: undefined }),
  })
  .map(
    ({ reorder, ...stock }): Product => ({
      sku: 'SKU-1',
      name: 'Mug',
      price: 850,
      currency: 'EUR',
      active: true,
      version: 1,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      stock,
      ...(reorder ? { reorderPoint: reorder[0], reorderQuantity: reorder[1] } : {}),
    }),
  );

describe('what a customer sees of a product (functions/catalog/visibility.ts)', () => {
  it('staff see everything, whatever the setting', () => {
    fc.assert(
      fc.property(product, fc.constantFrom('full', 'available'), (p, view) => {
        expect(productViewFor(staff, p, view as 'full' | 'available')).toEqual(p);
      }),
    );
  });

  it('by default customers get the frozen contract’s stock levels, never the replenishment settings', () => {
    fc.assert(
      fc.property(product, (p) => {
        const seen = productViewFor(customer, p, 'full');
        expect(seen.stock).toEqual(p.stock);
        expect(seen).not.toHaveProperty('reorderPoint');
        expect(seen).not.toHaveProperty('reorderQuantity');
        expect({ ...seen, stock: undefined }).toEqual({
          ...p,
          stock: undefined,
          reorderPoint: undefined,
          reorderQuantity: undefined,
        });
      }),
    );
  });

  it('with CUSTOMER_STOCK_VIEW=available customers get `available` alone: no sales volume', () => {
    fc.assert(
      fc.property(product, (p) => {
        expect(productViewFor(customer, p, 'available').stock).toEqual({ available: p.stock.available });
      }),
    );
  });

  it('reads the setting: only `available` narrows; anything else is the contract', () => {
    expect(customerStockView('available')).toBe('available');
    for (const raw of [undefined, '', 'full', 'AVAILABLE', 'none'])
      expect(customerStockView(raw)).toBe('full');
  });
});
