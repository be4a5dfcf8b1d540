/**
 * Tax and rounding (functions/invoicing/tax.ts), checked as properties over random carts, rates,
 * discounts and return sequences with fast-check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateLargestRemainder,
  type DocumentAmounts,
  type DocumentLine,
  mulDivHalfUp,
  planCredit,
  priceInvoice,
  remainingUnits,
  TAX_RATES_BPS,
  taxRateFor,
} from '#functions/invoicing/tax.ts';

const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);

/** A cart of distinct SKUs with net catalogue prices, and a discount of at most its subtotal. */
const cart = fc
  .array(
    fc.record({ quantity: fc.integer({ min: 1, max: 50 }), unitPrice: fc.integer({ min: 0, max: 200_000 }) }),
    { minLength: 1, maxLength: 12 },
  )
  .map((lines) =>
    lines.map((l, i) => ({ sku: `SKU-${i}`, name: `Thing ${i}`, ...l, lineTotal: l.quantity * l.unitPrice })),
  )
  .chain((lines) => {
    const subtotal = sum(lines.map((l) => l.lineTotal));
    return fc.record({ lines: fc.constant(lines), discount: fc.integer({ min: 0, max: subtotal }) });
  });

const rate = fc.integer({ min: 0, max: 10_000 });

/** Every document invariant: line figures add up, totals are the sums of the lines. */
function expectConsistent(doc: DocumentAmounts) {
  for (const line of doc.lines) {
    expect(line.net).toBe(line.lineTotal - line.discount);
    expect(line.total).toBe(line.net + line.tax);
  }
  expect(doc.subtotal).toBe(sum(doc.lines.map((l) => l.lineTotal)));
  expect(doc.discount).toBe(sum(doc.lines.map((l) => l.discount)));
  expect(doc.tax).toBe(sum(doc.lines.map((l) => l.tax)));
  expect(doc.total).toBe(doc.subtotal - doc.discount + doc.tax);
  expect(doc.total).toBe(sum(doc.lines.map((l) => l.total)));
}

/** A random way to return every unit of every line in several partial returns (maybe over-asking). */
const returnSequence = (lines: readonly DocumentLine[]) =>
  fc
    .array(
      fc.record({
        line: fc.integer({ min: 0, max: lines.length - 1 }),
        quantity: fc.integer({ min: 1, max: 60 }),
      }),
      { maxLength: 30 },
    )
    .map((steps) => steps.map(({ line, quantity }) => [{ sku: lines[line]!.sku, quantity }]));

describe('Tax: rounding helpers', () => {
  it('rounds half up exactly, beyond 2^53 intermediate products', () => {
    expect(mulDivHalfUp(5, 1, 10)).toBe(1);
    expect(mulDivHalfUp(4, 1, 10)).toBe(0);
    expect(mulDivHalfUp(15, 1, 10)).toBe(2);
    expect(mulDivHalfUp(3998, 1900, 10_000)).toBe(760);
    expect(mulDivHalfUp(99_999_999_999, 99_999_999_999, 99_999_999_999)).toBe(99_999_999_999);
  });

  it('allocates by largest remainder: parts sum to the amount, never above their weight', () => {
    expect(allocateLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateLargestRemainder(10, [3, 7])).toEqual([3, 7]);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000_000_00 }), { minLength: 1, maxLength: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (weights, fraction) => {
          const total = sum(weights);
          const amount = Math.floor(total * fraction);
          const parts = allocateLargestRemainder(amount, weights);
          expect(sum(parts)).toBe(amount);
          parts.forEach((p, i) => {
            expect(p).toBeGreaterThanOrEqual(0);
            expect(p).toBeLessThanOrEqual(weights[i]!);
          });
        },
      ),
    );
  });

  it('takes the rate of the shipping country, or the default for one not in the table', () => {
    expect(taxRateFor('DE', 1234)).toBe(TAX_RATES_BPS.DE);
    expect(taxRateFor('GB', 1234)).toBe(2000);
    expect(taxRateFor('ZZ', 1234)).toBe(1234);
    expect(taxRateFor('constructor', 1234)).toBe(1234);
  });
});

describe('Tax: invoices', () => {
  it('prices the sample order: 2 × 19.99 at 19 % is 39.98 + 7.60', () => {
    const invoice = priceInvoice(
      [{ sku: 'TSHIRT-RED-M', name: 'Red T-shirt (M)', quantity: 2, unitPrice: 1999, lineTotal: 3998 }],
      0,
      1900,
    );
    expect(invoice).toMatchObject({ subtotal: 3998, discount: 0, tax: 760, total: 4758 });
  });

  it('line taxes sum to the invoice tax and total = subtotal − discount + tax, for any cart and rate', () => {
    fc.assert(
      fc.property(cart, rate, ({ lines, discount }, bps) => {
        const invoice = priceInvoice(lines, discount, bps);
        expectConsistent(invoice);
        expect(invoice.subtotal).toBe(sum(lines.map((l) => l.lineTotal)));
        expect(invoice.discount).toBe(discount);
        expect(sum(invoice.lines.map((l) => l.net))).toBe(invoice.subtotal - discount);
        for (const line of invoice.lines) {
          expect(line.net).toBeGreaterThanOrEqual(0);
          expect(line.taxRate).toBe(bps);
          // Round half up of net × rate, in integers: 2·(tax) − 1 < 2·net·rate/10⁴ ≤ 2·tax + 1.
          expect(line.tax).toBe(Math.floor((2 * line.net * bps + 10_000) / 20_000));
        }
      }),
    );
  });

  it('refuses a discount above the subtotal', () => {
    expect(() =>
      priceInvoice([{ sku: 'A', name: 'A', quantity: 1, unitPrice: 5, lineTotal: 5 }], 6, 0),
    ).toThrow(RangeError);
  });
});

describe('Tax: credit notes', () => {
  it('a cancellation negates the invoice exactly', () => {
    fc.assert(
      fc.property(cart, rate, ({ lines, discount }, bps) => {
        const invoice = priceInvoice(lines, discount, bps);
        const credit = planCredit(invoice.lines, {}, remainingUnits(invoice.lines, {}));
        expectConsistent(credit);
        const billable = invoice.lines.filter((l) => l.quantity > 0);
        expect(credit.lines).toHaveLength(billable.length);
        for (const [i, line] of credit.lines.entries()) {
          const invoiced = billable[i]!;
          expect(line).toEqual({
            ...invoiced,
            lineTotal: -invoiced.lineTotal || 0,
            discount: -invoiced.discount || 0,
            net: -invoiced.net || 0,
            tax: -invoiced.tax || 0,
            total: -invoiced.total || 0,
          });
        }
        expect(credit.subtotal + invoice.subtotal).toBe(0);
        expect(credit.discount + invoice.discount).toBe(0);
        expect(credit.tax + invoice.tax).toBe(0);
        expect(credit.total + invoice.total).toBe(0);
      }),
    );
  });

  it('partial returns never credit more than invoiced, and all units back credit the invoice exactly', () => {
    const scenario = fc
      .tuple(cart, rate)
      .map(([{ lines, discount }, bps]) => priceInvoice(lines, discount, bps))
      .chain((invoice) =>
        fc.record({ invoice: fc.constant(invoice), returns: returnSequence(invoice.lines) }),
      );
    fc.assert(
      fc.property(scenario, ({ invoice, returns }) => {
        let credited: Record<string, number> = {};
        const notes: DocumentAmounts[] = [];
        const creditedSoFar = (sku: string, field: 'lineTotal' | 'discount' | 'tax' | 'total') =>
          // (0 − x rather than −x: no −0 for lines with nothing to credit.)
          0 - sum(notes.flatMap((n) => n.lines.filter((l) => l.sku === sku).map((l) => l[field])));
        // The random partial returns, then whatever is left (the last units back).
        for (const request of [...returns, remainingUnits(invoice.lines, {}).map((r) => ({ ...r }))]) {
          const plan = planCredit(invoice.lines, credited, request);
          expectConsistent(plan);
          for (const line of plan.lines) {
            expect(line.lineTotal).toBeLessThanOrEqual(0);
            expect(line.tax).toBeLessThanOrEqual(0);
            expect(line.quantity).toBeGreaterThan(0);
          }
          credited = plan.credited;
          if (plan.lines.length > 0) notes.push(plan);
          for (const line of invoice.lines) {
            // Never more than invoiced, at any point.
            expect(credited[line.sku] ?? 0).toBeLessThanOrEqual(line.quantity);
            for (const field of ['lineTotal', 'discount', 'tax', 'total'] as const) {
              expect(creditedSoFar(line.sku, field)).toBeLessThanOrEqual(line[field]);
              expect(creditedSoFar(line.sku, field)).toBeGreaterThanOrEqual(0);
            }
          }
        }
        // Everything came back: the credit notes negate the invoice line by line and in total.
        for (const line of invoice.lines) {
          expect(credited[line.sku]).toBe(line.quantity);
          for (const field of ['lineTotal', 'discount', 'tax', 'total'] as const) {
            expect(creditedSoFar(line.sku, field)).toBe(line[field]);
          }
        }
        for (const field of ['subtotal', 'discount', 'tax', 'total'] as const) {
          expect(sum(notes.map((n) => n[field])) + invoice[field]).toBe(0);
        }
        // Nothing is left to credit.
        expect(planCredit(invoice.lines, credited, remainingUnits(invoice.lines, {})).lines).toEqual([]);
      }),
    );
  });

  it('credits the remainder on the last unit: 3 units of 10.00 with 1.00 off come back one by one', () => {
    const invoice = priceInvoice(
      [{ sku: 'A', name: 'A', quantity: 3, unitPrice: 1000, lineTotal: 3000 }],
      100,
      1900,
    );
    expect(invoice.lines[0]).toMatchObject({ net: 2900, tax: 551 });
    let credited = {};
    const nets: number[] = [];
    const taxes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const plan = planCredit(invoice.lines, credited, [{ sku: 'A', quantity: 1 }]);
      credited = plan.credited;
      nets.push(plan.lines[0]!.net);
      taxes.push(plan.tax);
    }
    // f(k) = round half up of A·k/3: net 967, 1933, 2900; tax 184, 367, 551.
    expect(nets).toEqual([-967, -966, -967]);
    expect(taxes).toEqual([-184, -183, -184]);
    expect(planCredit(invoice.lines, credited, [{ sku: 'A', quantity: 1 }]).lines).toEqual([]);
  });

  it('ignores SKUs that are not on the invoice and clamps quantities to what is left', () => {
    const invoice = priceInvoice(
      [{ sku: 'A', name: 'A', quantity: 2, unitPrice: 500, lineTotal: 1000 }],
      0,
      2000,
    );
    const plan = planCredit(invoice.lines, {}, [
      { sku: 'B', quantity: 1 },
      { sku: 'A', quantity: 5 },
    ]);
    expect(plan.lines).toEqual([expect.objectContaining({ sku: 'A', quantity: 2, net: -1000, tax: -200 })]);
    expect(plan.credited).toEqual({ A: 2 });
  });
});
