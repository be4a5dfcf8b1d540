import { describe, expect, it } from 'vitest';
import type { ProductRecord } from '#functions/catalog/products.ts';
import { SPEND_WRITES as LOYALTY_HOOK_MAX_ITEMS } from '#functions/loyalty/rules.ts';
import { PlaceOrderInput } from '#functions/orders/contract.ts';
import {
  assertTransition,
  COUPON_HOOK_MAX_ITEMS,
  classifyIntakeFailure,
  INTAKE_FIXED_ITEMS,
  INTAKE_ITEMS_PER_LINE,
  MAX_ORDER_LINES,
  mergeLines,
  orderCustomer,
  priceLines,
  TRANSITIONS,
} from '#functions/orders/rules.ts';
import { MAX_TRANSACT_ITEMS } from '#shared/transactions.ts';

const product = (sku: string, overrides: Partial<ProductRecord> = {}): ProductRecord => ({
  sku,
  name: `Name ${sku}`,
  price: 250,
  currency: 'EUR',
  active: true,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});
const catalogue = (...products: ProductRecord[]) => new Map(products.map((p) => [p.sku, p]));
const address = { name: 'N', line1: 'L', city: 'C', postalCode: 'P', country: 'DE' };

describe('Function: mergeLines', () => {
  it('sums lines of the same SKU, keeping first-seen order', () => {
    expect(
      mergeLines([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'B', quantity: 4 },
      { sku: 'A', quantity: 2 },
    ]);
  });
});

describe('Function: priceLines', () => {
  it('prices merged lines from the catalogue, never from the client', () => {
    // Act
    const priced = priceLines(
      [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 1 },
      ],
      catalogue(product('A', { price: 199 }), product('B', { price: 1000 })),
    );
    // Assess
    expect(priced).toEqual({
      currency: 'EUR',
      subtotal: 1597,
      lines: [
        { sku: 'A', name: 'Name A', quantity: 3, unitPrice: 199, lineTotal: 597 },
        { sku: 'B', name: 'Name B', quantity: 1, unitPrice: 1000, lineTotal: 1000 },
      ],
    });
  });

  it('names unknown and inactive SKUs and every request line that asked for them', () => {
    const refuse = () =>
      priceLines(
        [
          { sku: 'GONE', quantity: 1 },
          { sku: 'A', quantity: 1 },
          { sku: 'OFF', quantity: 1 },
          { sku: 'GONE', quantity: 2 },
        ],
        catalogue(product('A'), product('OFF', { active: false })),
      );
    expect(refuse).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        extra: {
          skus: ['GONE', 'OFF'],
          errors: [
            { path: 'body.lines.0.sku', message: 'Unknown product' },
            { path: 'body.lines.3.sku', message: 'Unknown product' },
            { path: 'body.lines.2.sku', message: 'Product is not for sale' },
          ],
        },
      }),
    );
  });

  it('refuses lines in more than one currency', () => {
    expect(() =>
      priceLines(
        [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
        ],
        catalogue(product('A'), product('B', { currency: 'USD' })),
      ),
    ).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', extra: expect.objectContaining({ skus: ['B'] }) }),
    );
  });

  it('refuses a subtotal beyond what Money can carry', () => {
    expect(() =>
      priceLines([{ sku: 'A', quantity: 10_000 }], catalogue(product('A', { price: 1_000_000_000_00 }))),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('Constant: MAX_ORDER_LINES', () => {
  it('is the most distinct SKUs whose guards fit one TransactWriteItems with order, outbox, coupon and points', () => {
    expect(INTAKE_FIXED_ITEMS).toBe(2 + COUPON_HOOK_MAX_ITEMS + LOYALTY_HOOK_MAX_ITEMS);
    expect(MAX_ORDER_LINES).toBe(45);
    expect(INTAKE_FIXED_ITEMS + MAX_ORDER_LINES * INTAKE_ITEMS_PER_LINE).toBeLessThanOrEqual(
      MAX_TRANSACT_ITEMS,
    );
    expect(INTAKE_FIXED_ITEMS + (MAX_ORDER_LINES + 1) * INTAKE_ITEMS_PER_LINE).toBeGreaterThan(
      MAX_TRANSACT_ITEMS,
    );
  });

  it('is enforced by the request contract with a clear 400 message', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    expect(
      PlaceOrderInput.safeParse({ lines: lines(MAX_ORDER_LINES), shippingAddress: address }).success,
    ).toBe(true);
    const tooMany = PlaceOrderInput.safeParse({
      lines: lines(MAX_ORDER_LINES + 1),
      shippingAddress: address,
    });
    expect(tooMany.success).toBe(false);
    expect(tooMany.error?.issues[0]?.message).toContain(`At most ${MAX_ORDER_LINES} lines`);
  });
});

describe('Function: classifyIntakeFailure', () => {
  it('treats a failed order condition as a duplicate first, whatever else failed', () => {
    expect(classifyIntakeFailure([{ kind: 'order' }, { kind: 'stock', sku: 'A' }])).toEqual({
      kind: 'duplicate',
    });
  });

  it('maps failed reservations to OUT_OF_STOCK naming each SKU', () => {
    expect(
      classifyIntakeFailure([
        { kind: 'stock', sku: 'A' },
        { kind: 'stock', sku: 'C' },
      ]),
    ).toEqual({ kind: 'out-of-stock', skus: ['A', 'C'] });
  });

  it('asks for a re-read when a product changed between pricing and commit', () => {
    expect(
      classifyIntakeFailure([
        { kind: 'stock', sku: 'A' },
        { kind: 'product', sku: 'B' },
      ]),
    ).toEqual({
      kind: 'catalogue-changed',
      skus: ['B'],
    });
  });

  it('reports the coupon and anything unexpected as such', () => {
    expect(
      classifyIntakeFailure([
        { kind: 'coupon', part: 'coupon' },
        { kind: 'coupon', part: 'customer' },
      ]),
    ).toEqual({ kind: 'coupon', parts: ['coupon', 'customer'] });
    expect(classifyIntakeFailure([{ kind: 'outbox' }])).toEqual({
      kind: 'unexpected',
      tags: [{ kind: 'outbox' }],
    });
  });
});

describe('Function: orderCustomer', () => {
  const customer = { sub: 'c-1', groups: [], isStaff: false };
  const staff = { sub: 's-1', groups: ['staff'], isStaff: true };

  it('lets customers order for themselves only, and staff for anyone', () => {
    expect(orderCustomer(customer, undefined)).toBe('c-1');
    expect(orderCustomer(customer, 'c-1')).toBe('c-1');
    expect(() => orderCustomer(customer, 'c-2')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(orderCustomer(staff, 'c-2')).toBe('c-2');
    expect(orderCustomer(staff, undefined)).toBe('s-1');
  });
});

describe('Constant: TRANSITIONS', () => {
  it('follows the order lifecycle of docs/api.md: cancel before shipment, ship from CONFIRMED or FULFILLING, deliver after shipping', () => {
    expect(() => assertTransition('cancel', 'CONFIRMED')).not.toThrow();
    expect(() => assertTransition('cancel', 'FULFILLING')).not.toThrow();
    for (const status of ['SHIPPED', 'DELIVERED', 'CANCELLED'] as const) {
      expect(() => assertTransition('cancel', status)).toThrow(
        expect.objectContaining({ code: 'INVALID_STATE', status: 409 }),
      );
    }
    expect(() => assertTransition('deliver', 'CONFIRMED')).toThrow(
      expect.objectContaining({ code: 'INVALID_STATE' }),
    );
    expect(TRANSITIONS.ship.stock).toBe('ship');
    expect(TRANSITIONS.cancel.stock).toBe('release');
  });
});
