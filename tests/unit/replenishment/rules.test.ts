import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProductInput } from '#functions/catalog/contract.ts';
import { CreatePurchaseOrderInput, ReceiptInput } from '#functions/replenishment/contract.ts';
import {
  applyReceipt,
  assertTransition,
  type LevelDecision,
  levelDecision,
  MAX_PURCHASE_ORDER_LINES,
  PURCHASE_ORDER_STATUSES,
  type PurchaseLine,
  purchaseLines,
  RECEIPT_FIXED_ITEMS,
  RECEIPT_ITEMS_PER_LINE,
} from '#functions/replenishment/rules.ts';
import { AppError } from '#shared/errors.ts';
import { MAX_TRANSACT_ITEMS } from '#shared/limits.ts';

/** Runs the monitor's latch over a series of levels: the decisions it takes, in order. */
function latch(levels: readonly number[], reorderPoint: number | undefined): LevelDecision[] {
  let low = false;
  return levels.map((available) => {
    const decision = levelDecision({ reorderPoint, available, low });
    if (decision === 'low') low = true;
    if (decision === 'clear') low = false;
    return decision;
  });
}

describe('Rules: levelDecision', () => {
  it('raises exactly one low per downward crossing of the reorder point, whatever the series of levels', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(200), { maxLength: 100 }), fc.nat(200), (levels, reorderPoint) => {
        // Act
        const decisions = latch(levels, reorderPoint);
        // Assess: a crossing is a level at or below the point after one above it (or at the start)
        const crossings = levels.filter(
          (level, i) => level <= reorderPoint && (i === 0 || levels[i - 1]! > reorderPoint),
        );
        expect(decisions.filter((d) => d === 'low')).toHaveLength(crossings.length);
        const clears = levels.filter(
          (level, i) => level > reorderPoint && i > 0 && levels[i - 1]! <= reorderPoint,
        );
        expect(decisions.filter((d) => d === 'clear')).toHaveLength(clears.length);
      }),
    );
  });

  it('never raises low for a product without a reorder point, and clears a LOW one', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.boolean(), (available, low) => {
        expect(levelDecision({ reorderPoint: undefined, available, low })).toBe(low ? 'clear' : 'none');
      }),
    );
  });

  it.each([
    [10, 10, false, 'low'],
    [10, 10, true, 'none'],
    [10, 11, true, 'clear'],
    [10, 11, false, 'none'],
    [0, 0, false, 'low'],
  ] as const)('reorder point %i, available %i, low %s → %s', (reorderPoint, available, low, expected) => {
    expect(levelDecision({ reorderPoint, available, low })).toBe(expected);
  });
});

const poLines = fc.uniqueArray(
  fc.record({ sku: fc.constantFrom('A', 'B', 'C', 'D', 'E'), quantity: fc.integer({ min: 1, max: 50 }) }),
  { minLength: 1, maxLength: 5, selector: (l) => l.sku },
);

describe('Rules: applyReceipt', () => {
  it('never takes a line beyond its quantity; RECEIVED exactly when every line is complete', () => {
    fc.assert(
      fc.property(
        poLines,
        fc.array(
          fc.array(fc.record({ pick: fc.nat(4), quantity: fc.integer({ min: 1, max: 30 }) }), {
            minLength: 1,
            maxLength: 3,
          }),
          {
            maxLength: 12,
          },
        ),
        (ordered, attempts) => {
          // Prepare
          let lines: PurchaseLine[] = ordered.map((l) => ({
            ...l,
            unitCost: 100,
            lineTotal: l.quantity * 100,
            received: 0,
          }));
          const accepted = new Map<string, number>();
          for (const attempt of attempts) {
            const receipt = [
              ...new Map(attempt.map((a) => [ordered[a.pick % ordered.length]!.sku, a.quantity])),
            ].map(([sku, quantity]) => ({ sku, quantity }));
            const fits = receipt.every((r) => {
              const line = lines.find((l) => l.sku === r.sku)!;
              return line.received + r.quantity <= line.quantity;
            });
            // Act
            if (!fits) {
              expect(() => applyReceipt(lines, receipt)).toThrow(
                expect.objectContaining({ code: 'OVER_RECEIPT', status: 409 }),
              );
              continue;
            }
            const result = applyReceipt(lines, receipt);
            lines = result.lines;
            for (const r of receipt) accepted.set(r.sku, (accepted.get(r.sku) ?? 0) + r.quantity);
            // Assess
            expect(result.status).toBe(
              lines.every((l) => l.received === l.quantity) ? 'RECEIVED' : 'PARTIALLY_RECEIVED',
            );
          }
          for (const line of lines) {
            expect(line.received).toBeLessThanOrEqual(line.quantity);
            expect(line.received).toBe(accepted.get(line.sku) ?? 0);
          }
        },
      ),
    );
  });

  it('names every line an over-receipt refuses, with what was ordered, received and requested', () => {
    // Prepare
    const lines: PurchaseLine[] = [
      { sku: 'A', quantity: 10, unitCost: 1, lineTotal: 10, received: 6 },
      { sku: 'B', quantity: 5, unitCost: 1, lineTotal: 5, received: 0 },
    ];
    // Act
    const refusal = (() => {
      try {
        applyReceipt(lines, [
          { sku: 'A', quantity: 5 },
          { sku: 'B', quantity: 5 },
        ]);
      } catch (error) {
        return error;
      }
    })();
    // Assess
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({
      code: 'OVER_RECEIPT',
      extra: { lines: [{ sku: 'A', ordered: 10, received: 6, requested: 5 }] },
    });
  });

  it('refuses a SKU not on the order with a 400 pointing at the line', () => {
    const lines: PurchaseLine[] = [{ sku: 'A', quantity: 1, unitCost: 1, lineTotal: 1, received: 0 }];
    expect(() => applyReceipt(lines, [{ sku: 'Z', quantity: 1 }])).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        extra: { errors: [expect.objectContaining({ path: 'body.lines.0.sku' })] },
      }),
    );
  });
});

describe('Rules: purchase orders', () => {
  it('sizes the order so one receipt of every line fits one transaction', () => {
    expect(MAX_PURCHASE_ORDER_LINES).toBe(32);
    expect(RECEIPT_FIXED_ITEMS + RECEIPT_ITEMS_PER_LINE * MAX_PURCHASE_ORDER_LINES).toBeLessThanOrEqual(
      MAX_TRANSACT_ITEMS,
    );
  });

  it.each(
    PURCHASE_ORDER_STATUSES.flatMap((status) =>
      (['send', 'cancel'] as const).map((action) => [action, status] as const),
    ),
  )('%s from %s', (action, status) => {
    const allowed = action === 'send' ? ['DRAFT'] : ['DRAFT', 'SENT'];
    if (allowed.includes(status))
      expect(assertTransition(action, status)).toBe(action === 'send' ? 'SENT' : 'CANCELLED');
    else
      expect(() => assertTransition(action, status)).toThrow(
        expect.objectContaining({ code: 'INVALID_STATE', extra: { currentStatus: status } }),
      );
  });

  it('prices lines in minor units: line totals add up to the total', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            sku: fc.string(),
            quantity: fc.integer({ min: 1, max: 1000 }),
            unitCost: fc.nat(100_000),
          }),
          {
            minLength: 1,
            maxLength: MAX_PURCHASE_ORDER_LINES,
          },
        ),
        (input) => {
          const { lines, total } = purchaseLines(input);
          expect(
            lines.every(
              (l, i) => l.lineTotal === input[i]!.quantity * input[i]!.unitCost && l.received === 0,
            ),
          ).toBe(true);
          expect(total).toBe(lines.reduce((sum, l) => sum + l.lineTotal, 0));
        },
      ),
    );
  });
});

describe('Schemas: replenishment inputs', () => {
  it.each([
    [{ name: 'T', price: 1, currency: 'EUR' }, true],
    [{ name: 'T', price: 1, currency: 'EUR', reorderPoint: 0, reorderQuantity: 1 }, true],
    [{ name: 'T', price: 1, currency: 'EUR', reorderPoint: null, reorderQuantity: null }, true],
    [{ name: 'T', price: 1, currency: 'EUR', reorderPoint: 5 }, false],
    [{ name: 'T', price: 1, currency: 'EUR', reorderPoint: 5, reorderQuantity: null }, false],
    [{ name: 'T', price: 1, currency: 'EUR', reorderPoint: -1, reorderQuantity: 1 }, false],
    [{ name: 'T', price: 1, currency: 'EUR', reorderPoint: 1, reorderQuantity: 0 }, false],
  ])('ProductInput %j → valid: %s', (body, valid) => {
    expect(ProductInput.safeParse(body).success).toBe(valid);
  });

  it('refuses a purchase order or receipt naming a SKU twice', () => {
    const line = { sku: 'A', quantity: 1, unitCost: 1 };
    expect(
      CreatePurchaseOrderInput.safeParse({ supplier: 'S', currency: 'EUR', lines: [line, line] }).success,
    ).toBe(false);
    expect(
      ReceiptInput.safeParse({
        lines: [
          { sku: 'A', quantity: 1 },
          { sku: 'A', quantity: 2 },
        ],
      }).success,
    ).toBe(false);
    expect(
      CreatePurchaseOrderInput.safeParse({ supplier: 'S', currency: 'EUR', lines: [line] }).success,
    ).toBe(true);
  });
});
