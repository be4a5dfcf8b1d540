/**
 * Loyalty rules without I/O: earning, the value of points at checkout against order totals and
 * the invoice that spreads them, proportional reversal, and the posting of changes to a balance
 * (balance = Σ ledger ≥ 0 after any sequence of deliveries, returns, cancellations and spends).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceInvoice } from '#functions/invoicing/tax.ts';
import {
  type BalanceState,
  cappedReversal,
  EMPTY_BALANCE,
  LOYALTY_RATES,
  type LoyaltyChange,
  type PostedEntry,
  pointsEarned,
  post,
  reversalDue,
  spendValue,
} from '#functions/loyalty/rules.ts';

describe('Function: pointsEarned', () => {
  it('earns 1 point per whole unit of the rated currency, nothing in a currency without a rate', () => {
    expect(pointsEarned(2468, 'EUR')).toBe(24);
    expect(pointsEarned(99, 'EUR')).toBe(0);
    expect(pointsEarned(10_000, 'SEK')).toBe(10);
    expect(pointsEarned(1_000_000, 'JPY')).toBe(0);
    expect(pointsEarned(0, 'EUR')).toBe(0);
  });
});

describe('Function: spendValue', () => {
  it('values 100 points at 1.00 EUR', () => {
    expect(spendValue(100, 5000, 'EUR')).toEqual({ points: 100, value: 100 });
    expect(spendValue(100, 5000, 'SEK')).toEqual({ points: 100, value: 1000 });
  });

  it('refuses points worth more than what is due, naming the most the order can take', () => {
    expect(() => spendValue(501, 500, 'EUR')).toThrow(
      expect.objectContaining({ code: 'POINTS_NOT_APPLICABLE', extra: { maxPoints: 500 } }),
    );
    expect(() => spendValue(51, 505, 'SEK')).toThrow(
      expect.objectContaining({ code: 'POINTS_NOT_APPLICABLE', extra: { maxPoints: 50 } }),
    );
  });

  it('refuses a currency without a point value', () => {
    expect(() => spendValue(1, 10_000, 'JPY')).toThrow(
      expect.objectContaining({ code: 'POINTS_NOT_APPLICABLE', extra: { maxPoints: 0 } }),
    );
  });

  it('keeps order totals and the invoice whole: discount = coupon + points, lines net to the total', () => {
    const currency = fc.constantFrom(...Object.keys(LOYALTY_RATES));
    const lines = fc.array(
      fc.record({
        quantity: fc.integer({ min: 1, max: 20 }),
        unitPrice: fc.integer({ min: 1, max: 100_000 }),
      }),
      { minLength: 1, maxLength: 10 },
    );
    fc.assert(
      fc.property(
        lines,
        currency,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 2500 }),
        (raw, cur, couponShare, points, rateBps) => {
          const priced = raw.map((l, i) => ({
            sku: `S${i}`,
            name: `S${i}`,
            quantity: l.quantity,
            unitPrice: l.unitPrice,
            lineTotal: l.quantity * l.unitPrice,
          }));
          const subtotal = priced.reduce((s, l) => s + l.lineTotal, 0);
          const coupon = Math.floor(subtotal * couponShare);
          const due = subtotal - coupon;
          let value: number;
          try {
            value = spendValue(points, due, cur).value;
          } catch {
            // Refused only when the points are worth more than what is due.
            expect(points * LOYALTY_RATES[cur]!.pointValue).toBeGreaterThan(due);
            return;
          }
          expect(value).toBe(points * LOYALTY_RATES[cur]!.pointValue);
          const discount = coupon + value;
          const total = subtotal - discount;
          expect(total).toBeGreaterThanOrEqual(0);
          const invoice = priceInvoice(priced, discount, rateBps);
          expect(invoice.discount).toBe(discount);
          expect(invoice.lines.reduce((s, l) => s + l.net, 0)).toBe(total);
          for (const line of invoice.lines) expect(line.net).toBeGreaterThanOrEqual(0);
          // What the delivered order earns is on what was paid, points and coupon deducted.
          expect(pointsEarned(total, cur)).toBe(Math.floor(total / LOYALTY_RATES[cur]!.earnEvery));
        },
      ),
    );
  });
});

describe('Function: reversalDue', () => {
  it('takes back in proportion, rounding half up, exactly everything when everything is credited', () => {
    expect(reversalDue(37, 3700, 1000)).toBe(10);
    expect(reversalDue(37, 3700, 1850)).toBe(19);
    expect(reversalDue(37, 3700, 3700)).toBe(37);
    expect(reversalDue(37, 3700, 9999)).toBe(37);
    expect(reversalDue(0, 3700, 3700)).toBe(0);
    expect(reversalDue(10, 0, 100)).toBe(0);
  });

  it('never decreases as more is credited and never exceeds what was earned', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 10 }),
        (earned, basis, credits) => {
          let credited = 0;
          let before = 0;
          for (const credit of credits) {
            credited += credit;
            const due = reversalDue(earned, basis, credited);
            expect(due).toBeGreaterThanOrEqual(before);
            expect(due).toBeLessThanOrEqual(earned);
            before = due;
          }
          expect(reversalDue(earned, basis, basis)).toBe(earned);
        },
      ),
    );
  });
});

describe('Function: cappedReversal', () => {
  it('takes what the balance has and records the rest as the shortfall', () => {
    expect(cappedReversal(10, 25)).toEqual({ taken: 10, shortfall: 0 });
    expect(cappedReversal(10, 4)).toEqual({ taken: 4, shortfall: 6 });
    expect(cappedReversal(10, 0)).toEqual({ taken: 0, shortfall: 10 });
  });
});

describe('Function: post', () => {
  it('numbers entries gaplessly and gives each the balance after it', () => {
    const { entries, next } = post({ balance: 5, seq: 2 }, [
      { kind: 'earn', points: 10, orderId: 'o1' },
      { kind: 'spend', points: -15, orderId: 'o2' },
    ]);
    expect(entries.map((e) => [e.seq, e.balanceAfter])).toEqual([
      [3, 15],
      [4, 0],
    ]);
    expect(next).toEqual({ balance: 0, seq: 4 });
  });

  it('refuses a change that takes the balance below 0, or carries the wrong sign for its kind', () => {
    expect(() => post({ balance: 5, seq: 1 }, [{ kind: 'spend', points: -6 }])).toThrow(RangeError);
    expect(() => post(EMPTY_BALANCE, [{ kind: 'earn', points: -1 }])).toThrow(RangeError);
    expect(() => post(EMPTY_BALANCE, [{ kind: 'reverse', points: 1 }])).toThrow(RangeError);
  });

  /**
   * A model of the loyalty context over the pure rules, as loyalty.ts applies them: orders placed
   * with or without points (refused beyond the balance), delivered (earn once), returned in parts
   * (proportional reversal, capped), cancelled before delivery (refund once).
   */
  it('keeps balance = Σ ledger ≥ 0 after any sequence of deliveries, returns, cancellations and spends', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('order' as const),
        total: fc.integer({ min: 0, max: 50_000 }),
        spend: fc.nat(300),
      }),
      fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('return' as const), pick: fc.nat(), credit: fc.nat(60_000) }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('redeliver' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let state: BalanceState = EMPTY_BALANCE;
        const ledger: PostedEntry[] = [];
        interface ModelOrder {
          id: string;
          total: number;
          spent: number;
          status: 'open' | 'delivered' | 'cancelled';
          earned?: number;
          credited: number;
          reversedDue: number;
          refunded?: number;
        }
        const orders: ModelOrder[] = [];
        const apply = (changes: LoyaltyChange[]) => {
          const { entries, next } = post(state, changes);
          ledger.push(...entries);
          state = next;
        };
        const pick = (status: ModelOrder['status'], n: number) => {
          const candidates = orders.filter((o) => o.status === status);
          return candidates.length === 0 ? undefined : candidates[n % candidates.length];
        };
        for (const o of ops) {
          if (o.kind === 'order') {
            const id = `o${orders.length}`;
            const spent = o.spend <= state.balance ? Math.min(o.spend, o.total) : 0;
            if (spent > 0) apply([{ kind: 'spend', points: -spent, orderId: id }]);
            orders.push({ id, total: o.total - spent, spent, status: 'open', credited: 0, reversedDue: 0 });
          } else if (o.kind === 'deliver' || o.kind === 'redeliver') {
            const order = pick(o.kind === 'deliver' ? 'open' : 'delivered', o.pick);
            if (!order || order.earned !== undefined) continue;
            order.status = 'delivered';
            order.earned = pointsEarned(order.total, 'EUR');
            if (order.earned > 0) apply([{ kind: 'earn', points: order.earned, orderId: order.id }]);
          } else if (o.kind === 'return') {
            const order = pick('delivered', o.pick);
            if (!order) continue;
            order.credited += o.credit;
            const dueInAll = reversalDue(order.earned ?? 0, order.total, order.credited);
            const due = Math.max(0, dueInAll - order.reversedDue);
            order.reversedDue += due;
            const { taken, shortfall } = cappedReversal(due, state.balance);
            if (due > 0) apply([{ kind: 'reverse', points: -taken, orderId: order.id, shortfall }]);
            expect(order.reversedDue).toBeLessThanOrEqual(order.earned ?? 0);
          } else {
            const order = pick('open', o.pick);
            if (!order || order.refunded !== undefined) continue;
            order.status = 'cancelled';
            order.refunded = order.spent;
            if (order.spent > 0) apply([{ kind: 'refund', points: order.spent, orderId: order.id }]);
          }
          expect(state.balance).toBeGreaterThanOrEqual(0);
          expect(ledger.reduce((s, e) => s + e.points, 0)).toBe(state.balance);
          expect(state.seq).toBe(ledger.length);
        }
      }),
    );
  });
});
