/**
 * Coupon rules without I/O: the discount arithmetic (property-based, against the order's totals and
 * the invoice's line spread), the order of refusals, and code normalisation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CouponState,
  discountFor,
  normaliseCode,
  redemptionCustomer,
  refusalOf,
} from '#functions/coupons/rules.ts';
import { priceInvoice } from '#functions/invoicing/tax.ts';

const MAX_SUBTOTAL = 1_000_000_000_00;

const lineArb = fc.record({
  sku: fc.constantFrom('A', 'B', 'C', 'D'),
  quantity: fc.integer({ min: 1, max: 10_000 }),
  unitPrice: fc.integer({ min: 0, max: 100_000 }),
});
/** Distinct-SKU lines as an order prices them. */
const linesArb = fc
  .uniqueArray(lineArb, { minLength: 1, maxLength: 4, selector: (l) => l.sku })
  .map((lines) => lines.map((l) => ({ ...l, name: l.sku, lineTotal: l.quantity * l.unitPrice })));
const couponArb = fc.oneof(
  fc.record({ kind: fc.constant('percent' as const), value: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('fixed' as const), value: fc.integer({ min: 1, max: MAX_SUBTOTAL }) }),
);

describe('Function: discountFor', () => {
  it('percent: round half up of subtotal × value / 100, exactly (integers only)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_SUBTOTAL }),
        fc.integer({ min: 1, max: 100 }),
        (subtotal, value) => {
          const discount = discountFor({ kind: 'percent', value }, subtotal);
          // 100 × discount is within half a minor unit of subtotal × value, halves rounded up.
          const error = BigInt(discount) * 100n - BigInt(subtotal) * BigInt(value);
          expect(error > -50n && error <= 50n).toBe(true);
        },
      ),
    );
  });

  it('percent: the documented examples (half a cent rounds up)', () => {
    expect(discountFor({ kind: 'percent', value: 10 }, 125)).toBe(13);
    expect(discountFor({ kind: 'percent', value: 10 }, 124)).toBe(12);
    expect(discountFor({ kind: 'percent', value: 15 }, 1999)).toBe(300); // 299.85
    expect(discountFor({ kind: 'percent', value: 100 }, 4848)).toBe(4848);
  });

  it('fixed: the value, capped at the subtotal', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_SUBTOTAL }),
        fc.integer({ min: 1, max: MAX_SUBTOTAL }),
        (subtotal, value) => {
          expect(discountFor({ kind: 'fixed', value }, subtotal)).toBe(Math.min(value, subtotal));
        },
      ),
    );
  });

  it('against order totals and the invoice: 0 ≤ discount ≤ subtotal, the invoice spreads it over the lines exactly', () => {
    fc.assert(
      fc.property(linesArb, couponArb, fc.integer({ min: 0, max: 2700 }), (lines, coupon, rateBps) => {
        const subtotal = lines.reduce((s, l) => s + l.lineTotal, 0);
        const discount = discountFor(coupon, subtotal);
        const total = subtotal - discount;
        expect(discount).toBeGreaterThanOrEqual(0);
        expect(total).toBeGreaterThanOrEqual(0);
        const invoice = priceInvoice(lines, discount, rateBps);
        expect(invoice.subtotal).toBe(subtotal);
        expect(invoice.discount).toBe(discount);
        expect(invoice.lines.reduce((s, l) => s + l.discount, 0)).toBe(discount);
        for (const line of invoice.lines) {
          expect(line.discount).toBeGreaterThanOrEqual(0);
          expect(line.discount).toBeLessThanOrEqual(line.lineTotal);
        }
        // What the goods cost before tax is the order's total.
        expect(invoice.lines.reduce((s, l) => s + l.net, 0)).toBe(total);
        expect(invoice.total).toBe(total + invoice.tax);
      }),
    );
  });
});

describe('Function: refusalOf', () => {
  const now = '2026-03-01T12:00:00.000Z';
  const base: CouponState = { code: 'X', kind: 'percent', value: 10, active: true, redemptions: 0 };
  const ctx = { now, subtotal: 1000, currency: 'EUR', customerRedemptions: 0, inSegment: true };
  const codeOf = (coupon: CouponState | undefined, changes: Partial<typeof ctx> = {}) =>
    refusalOf(coupon, 'x', { ...ctx, ...changes })?.code;

  it('accepts an applicable coupon', () => {
    expect(codeOf(base)).toBeUndefined();
    expect(codeOf({ ...base, validFrom: now, validUntil: '2026-03-01T12:00:00.001Z' })).toBeUndefined();
  });

  it('422 for unknown, inactive, outside the window (until is exclusive), another currency, below the minimum, outside the segment', () => {
    expect(codeOf(undefined)).toBe('COUPON_NOT_APPLICABLE');
    expect(codeOf({ ...base, active: false })).toBe('COUPON_NOT_APPLICABLE');
    expect(codeOf({ ...base, validFrom: '2026-03-01T12:00:00.001Z' })).toBe('COUPON_NOT_APPLICABLE');
    expect(codeOf({ ...base, validUntil: now })).toBe('COUPON_NOT_APPLICABLE');
    expect(codeOf({ ...base, currency: 'USD' })).toBe('COUPON_NOT_APPLICABLE');
    expect(codeOf({ ...base, currency: 'EUR', minSubtotal: 1001 })).toBe('COUPON_NOT_APPLICABLE');
    expect(codeOf({ ...base, currency: 'EUR', minSubtotal: 1000 })).toBeUndefined();
    expect(codeOf({ ...base, currency: 'EUR', minSubtotal: 1 }, { subtotal: undefined })).toBe(
      'COUPON_NOT_APPLICABLE',
    );
    expect(codeOf({ ...base, segmentId: 'vip' }, { inSegment: false })).toBe('COUPON_NOT_APPLICABLE');
    expect(refusalOf(undefined, 'spring', ctx)?.extra).toEqual({ couponCode: 'spring' });
  });

  it('409s for the limits, the customer’s before the global one, and both after any 422', () => {
    const full = { ...base, maxRedemptions: 3, redemptions: 3, perCustomerLimit: 1 };
    expect(codeOf({ ...base, maxRedemptions: 3, redemptions: 3 })).toBe('COUPON_EXHAUSTED');
    expect(codeOf({ ...base, maxRedemptions: 3, redemptions: 2 })).toBeUndefined();
    expect(codeOf({ ...base, perCustomerLimit: 2 }, { customerRedemptions: 2 })).toBe('COUPON_LIMIT_REACHED');
    expect(codeOf(full, { customerRedemptions: 1 })).toBe('COUPON_LIMIT_REACHED');
    expect(codeOf({ ...full, active: false }, { customerRedemptions: 1 })).toBe('COUPON_NOT_APPLICABLE');
    // A limit lowered below the count blocks, whatever the count.
    expect(codeOf({ ...base, maxRedemptions: 1, redemptions: 7 })).toBe('COUPON_EXHAUSTED');
  });
});

describe('Function: normaliseCode and redemptionCustomer', () => {
  it('matches codes case-insensitively', () => {
    expect(normaliseCode('Spring-10_x')).toBe('SPRING-10_X');
    expect(normaliseCode('spring-10_X')).toBe(normaliseCode('SPRING-10_x'));
  });

  it('lets customers redeem for themselves only, staff for anyone', () => {
    const customer = { sub: 'c-1', groups: [], isStaff: false };
    const staff = { sub: 's-1', groups: ['staff'], isStaff: true };
    expect(redemptionCustomer(customer, undefined)).toBe('c-1');
    expect(() => redemptionCustomer(customer, 'c-2')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(redemptionCustomer(staff, 'c-2')).toBe('c-2');
  });
});

describe('Schema: CouponInput', () => {
  it('refuses a percentage over 100, a fixed coupon or a minimum without a currency, and an empty window', async () => {
    const { CouponInput } = await import('#functions/coupons/contract.ts');
    const paths = (body: unknown) => {
      const parsed = CouponInput.safeParse(body);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ kind: 'percent', value: 100 })).toEqual([]);
    expect(paths({ kind: 'percent', value: 101 })).toEqual(['value']);
    expect(paths({ kind: 'fixed', value: 500 })).toEqual(['currency']);
    expect(paths({ kind: 'percent', value: 5, minSubtotal: 100 })).toEqual(['currency']);
    expect(
      paths({
        kind: 'percent',
        value: 5,
        validFrom: '2026-02-01T00:00:00Z',
        validUntil: '2026-01-01T00:00:00Z',
      }),
    ).toEqual(['validUntil']);
    expect(paths({ kind: 'percent', value: 5, extra: true })).toEqual(['']);
  });
});
