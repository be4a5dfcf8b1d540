import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ORDER_LINES } from '#functions/orders/rules.ts';
import { ReceiveReturnInput } from '#functions/returns/contract.ts';
import {
  assertReturnTransition,
  checkReturnable,
  mergeReturnLines,
  planReceipt,
  RETURN_TRANSITIONS,
  type ReceivedLine,
  type ReturnLine,
  receivedLines,
  returnableQuantities,
} from '#functions/returns/rules.ts';
import { AppError } from '#shared/errors.ts';
import { MAX_TRANSACT_ITEMS } from '#shared/transactions.ts';

const delivered: ReturnLine[] = [
  { sku: 'MUG', quantity: 3 },
  { sku: 'CUP', quantity: 1 },
];

/** The AppError a call throws (fails the test when it does not throw one). */
function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Function: checkReturnable', () => {
  it('accepts up to what was delivered minus what is being returned, lines merged', () => {
    const returning = new Map([['MUG', 1]]);
    expect(
      checkReturnable(
        [
          { sku: 'MUG', quantity: 1 },
          { sku: 'CUP', quantity: 1 },
          { sku: 'MUG', quantity: 1 },
        ],
        delivered,
        returning,
      ),
    ).toEqual([
      { sku: 'MUG', quantity: 2 },
      { sku: 'CUP', quantity: 1 },
    ]);
  });

  it('refuses more than delivered minus returning with RETURN_QUANTITY_EXCEEDED naming only those SKUs', () => {
    const error = refusal(() =>
      checkReturnable(
        [
          { sku: 'MUG', quantity: 2 },
          { sku: 'MUG', quantity: 1 },
          { sku: 'CUP', quantity: 1 },
        ],
        delivered,
        new Map([['MUG', 1]]),
      ),
    );
    expect(error.code).toBe('RETURN_QUANTITY_EXCEEDED');
    expect(error.status).toBe(409);
    expect(error.extra).toEqual({ skus: ['MUG'] });
  });

  it('refuses any unit of a SKU whose delivered units are all being returned', () => {
    const error = refusal(() =>
      checkReturnable([{ sku: 'CUP', quantity: 1 }], delivered, new Map([['CUP', 1]])),
    );
    expect(error.extra).toEqual({ skus: ['CUP'] });
  });

  it('refuses a SKU that is not in the order with VALIDATION_FAILED naming the request line', () => {
    const error = refusal(() =>
      checkReturnable(
        [
          { sku: 'MUG', quantity: 1 },
          { sku: 'LAMP', quantity: 1 },
        ],
        delivered,
        new Map(),
      ),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.extra).toEqual({
      errors: [{ path: 'body.lines.1.sku', message: 'Not a line of this order' }],
    });
  });

  it('never lets the returns of an order exceed what it delivered, whatever the sequence of requests', () => {
    // Property: applying accepted requests one after another keeps every SKU within delivered,
    // and a request is refused only when it really does not fit.
    const request = fc.array(
      fc.record({ sku: fc.constantFrom('MUG', 'CUP'), quantity: fc.integer({ min: 1, max: 4 }) }),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(fc.array(request, { maxLength: 8 }), (requests) => {
        const returning = new Map<string, number>();
        for (const lines of requests) {
          const fits = mergeReturnLines(lines).every(
            ({ sku, quantity }) =>
              quantity + (returning.get(sku) ?? 0) <= (delivered.find((d) => d.sku === sku)?.quantity ?? 0),
          );
          let accepted: ReturnLine[] | undefined;
          try {
            accepted = checkReturnable(lines, delivered, returning);
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
          }
          expect(accepted !== undefined).toBe(fits);
          for (const { sku, quantity } of accepted ?? [])
            returning.set(sku, (returning.get(sku) ?? 0) + quantity);
          for (const { sku, quantity } of delivered)
            expect(returning.get(sku) ?? 0).toBeLessThanOrEqual(quantity);
        }
      }),
    );
  });
});

describe('Function: returnableQuantities', () => {
  it('is delivered minus returning per SKU, never negative', () => {
    expect(
      returnableQuantities(
        delivered,
        new Map([
          ['MUG', 2],
          ['CUP', 5],
        ]),
      ),
    ).toEqual(
      new Map([
        ['MUG', 1],
        ['CUP', 0],
      ]),
    );
  });
});

describe('Constant: RETURN_TRANSITIONS', () => {
  const statuses = ['REQUESTED', 'APPROVED', 'REJECTED', 'RECEIVED'] as const;

  it.each([
    ['approve', 'REQUESTED'],
    ['reject', 'REQUESTED'],
    ['reject', 'APPROVED'],
    ['receive', 'APPROVED'],
  ] as const)('allows %s from %s', (name, from) => {
    expect(() => assertReturnTransition(name, from)).not.toThrow();
  });

  it('refuses every other transition with INVALID_STATE and the current status', () => {
    for (const name of Object.keys(RETURN_TRANSITIONS) as (keyof typeof RETURN_TRANSITIONS)[]) {
      for (const status of statuses) {
        if ((RETURN_TRANSITIONS[name].from as readonly string[]).includes(status)) continue;
        const error = refusal(() => assertReturnTransition(name, status));
        expect(error.code).toBe('INVALID_STATE');
        expect(error.extra).toEqual({ currentStatus: status });
      }
    }
  });

  it('leaves REJECTED and RECEIVED final, and only a rejection gives quantities back', () => {
    const starts = Object.values(RETURN_TRANSITIONS).flatMap((t) => t.from as readonly string[]);
    expect(starts).not.toContain('REJECTED');
    expect(starts).not.toContain('RECEIVED');
    expect(
      Object.entries(RETURN_TRANSITIONS)
        .filter(([, t]) => t.tally === 'release')
        .map(([n]) => n),
    ).toEqual(['reject']);
  });
});

describe('Function: planReceipt', () => {
  const approved: ReturnLine[] = [
    { sku: 'MUG', quantity: 3 },
    { sku: 'CUP', quantity: 1 },
  ];

  it('groups each SKU into restocked and scrapped units, in the return’s order', () => {
    const plan = planReceipt(approved, [
      { sku: 'CUP', quantity: 1, disposition: 'scrap' },
      { sku: 'MUG', quantity: 2, disposition: 'restock' },
      { sku: 'MUG', quantity: 1, disposition: 'scrap' },
    ]);
    expect(plan).toEqual([
      { sku: 'MUG', restock: 2, scrap: 1 },
      { sku: 'CUP', restock: 0, scrap: 1 },
    ]);
    expect(receivedLines(plan)).toEqual([
      { sku: 'MUG', quantity: 2, disposition: 'restock' },
      { sku: 'MUG', quantity: 1, disposition: 'scrap' },
      { sku: 'CUP', quantity: 1, disposition: 'scrap' },
    ]);
  });

  it('refuses a partial receipt, an over-receipt and a SKU outside the return, each named', () => {
    const error = refusal(() =>
      planReceipt(approved, [
        { sku: 'MUG', quantity: 2, disposition: 'restock' },
        { sku: 'CUP', quantity: 2, disposition: 'restock' },
        { sku: 'LAMP', quantity: 1, disposition: 'scrap' },
      ]),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.extra).toEqual({
      errors: [
        { path: 'body.lines.2.sku', message: 'Not a line of this return' },
        { path: 'body.lines', message: 'MUG: 2 received, 3 approved' },
        { path: 'body.lines', message: 'CUP: 2 received, 1 approved' },
      ],
    });
    expect(
      refusal(() => planReceipt(approved, [{ sku: 'MUG', quantity: 3, disposition: 'restock' }])).code,
    ).toBe('VALIDATION_FAILED');
  });

  it('accounts for every approved unit exactly once, however the units are split (property)', () => {
    const split = fc
      .array(fc.record({ restock: fc.integer({ min: 0, max: 5 }), scrap: fc.integer({ min: 0, max: 5 }) }), {
        minLength: 1,
        maxLength: 6,
      })
      .filter((units) => units.every((u) => u.restock + u.scrap > 0));
    fc.assert(
      fc.property(split, (units) => {
        const lines = units.map((u, i) => ({ sku: `SKU-${i}`, quantity: u.restock + u.scrap }));
        const received: ReceivedLine[] = units.flatMap((u, i) => [
          ...(u.restock > 0
            ? [{ sku: `SKU-${i}`, quantity: u.restock, disposition: 'restock' as const }]
            : []),
          ...(u.scrap > 0 ? [{ sku: `SKU-${i}`, quantity: u.scrap, disposition: 'scrap' as const }] : []),
        ]);
        const plan = planReceipt(lines, [...received].reverse());
        expect(plan.map(({ sku, restock, scrap }) => ({ sku, quantity: restock + scrap }))).toEqual(lines);
        expect(receivedLines(plan)).toEqual(received);
      }),
    );
  });

  it('fits the largest receipt into one transaction: return, one stock write per SKU, the event', () => {
    expect(1 + MAX_ORDER_LINES + 1).toBeLessThanOrEqual(MAX_TRANSACT_ITEMS);
    expect(
      ReceiveReturnInput.safeParse({
        lines: Array.from({ length: 2 * MAX_ORDER_LINES + 1 }, (_, i) => ({
          sku: `S${i}`,
          quantity: 1,
          disposition: 'restock',
        })),
      }).success,
    ).toBe(false);
  });
});
