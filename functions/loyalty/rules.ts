/**
 * Loyalty rules as plain functions with no I/O: what an order earns, what points are worth at
 * checkout, how much a return takes back, and how a batch of changes is posted to a balance.
 * ledger.ts turns their results into writes; unit and property tests check them directly.
 *
 * The rules (docs/data-model.md, "Loyalty"; README, "Retail marketing"):
 * 1. **Earn.** A delivered order earns ⌊total / earnEvery⌋ points, where `total` is the order's
 *    total paid before tax (after the coupon discount and the points spent on it) and `earnEvery`
 *    the minor units per point of its currency in `LOYALTY_RATES` (1 point per whole EUR). An order
 *    in a currency without a rate earns nothing (it is recorded as having earned 0, so a later
 *    return has nothing to take back). Once per order: a per-order record guards it.
 * 2. **Spend.** At checkout, `loyaltyPoints` are worth `pointValue` minor units each (100 points =
 *    1.00 EUR), deducted after the coupon discount. A spend worth more than what is still due, or
 *    in a currency without a rate, is refused (422 `POINTS_NOT_APPLICABLE`, with the most points
 *    the order can take), never silently capped; more points than the balance is 409
 *    `INSUFFICIENT_POINTS`.
 * 3. **Reverse.** A return takes back points in proportion to the net amount it credits, counted
 *    cumulatively so that rounding never drifts: after returns crediting `c` of an order's paid
 *    total `T`, the points due back are `round half up (earned × min(c, T) / T)`; each return takes
 *    the difference from what was due before. So the reversals of an order never exceed what it
 *    earned, and returning everything takes back exactly that.
 * 4. **Shortfall.** A reversal never takes the balance below 0: when the customer already spent
 *    the points, it takes what is there and records the rest as the entry's `shortfall`. The
 *    shortfall is written off, not carried as a debt (a later earn is not reduced by it).
 * 5. **Refund.** A cancelled order gives back exactly the points it spent (once per order).
 */
import { AppError } from '#shared/errors.ts';

/**
 * Items a spend adds to the order's transaction: the balance, the spend entry and its event.
 * Here, with no I/O around it, so the orders contract can budget its lines without loading the
 * table client.
 */
export const SPEND_WRITES = 3;

/** Minor units per point earned, and each point's value at checkout, in minor units. */
export interface LoyaltyRate {
  /** Minor units of the order total per point earned. */
  readonly earnEvery: number;
  /** Minor units one point pays for at checkout. */
  readonly pointValue: number;
}

/**
 * The rate per currency: about 1 point per euro spent, and 100 points worth about 1 euro, so
 * points pay back 1 % of what earned them. A currency not in the table neither earns nor spends.
 */
export const LOYALTY_RATES: Readonly<Record<string, LoyaltyRate>> = {
  EUR: { earnEvery: 100, pointValue: 1 },
  USD: { earnEvery: 100, pointValue: 1 },
  GBP: { earnEvery: 100, pointValue: 1 },
  CHF: { earnEvery: 100, pointValue: 1 },
  PLN: { earnEvery: 500, pointValue: 5 },
  SEK: { earnEvery: 1000, pointValue: 10 },
  NOK: { earnEvery: 1000, pointValue: 10 },
  DKK: { earnEvery: 1000, pointValue: 10 },
};

export const rateFor = (
  currency: string,
  table: Readonly<Record<string, LoyaltyRate>> = LOYALTY_RATES,
): LoyaltyRate | undefined => (Object.hasOwn(table, currency) ? table[currency] : undefined);

/** Points a delivered order earns: ⌊total / earnEvery⌋, 0 in a currency without a rate. */
export function pointsEarned(total: number, currency: string): number {
  const rate = rateFor(currency);
  return rate ? Math.floor(Math.max(0, total) / rate.earnEvery) : 0;
}

/** Round half up of `a × b / d` for non-negative integers (BigInt: `a × b` may pass 2^53). */
function mulDivHalfUp(a: number, b: number, d: number): number {
  const n = BigInt(a) * BigInt(b);
  const den = BigInt(d);
  return Number((2n * n + den) / (2n * den));
}

/**
 * Points due back in all once returns have credited `credited` of an order's paid total `basis`:
 * round half up of `earned × min(credited, basis) / basis` (0 when nothing was paid).
 */
export function reversalDue(earned: number, basis: number, credited: number): number {
  if (earned <= 0 || basis <= 0 || credited <= 0) return 0;
  return mulDivHalfUp(earned, Math.min(credited, basis), basis);
}

/** What `points` pay for at checkout against `due` (what is left after the coupon). */
export interface SpendValue {
  readonly points: number;
  /** Minor units deducted from the order (included in its `discount`). */
  readonly value: number;
}

/**
 * The value of `points` spent on an order with `due` minor units still to pay in `currency`.
 * Refuses (422 `POINTS_NOT_APPLICABLE`) a currency without a rate and a value beyond `due`.
 */
export function spendValue(points: number, due: number, currency: string): SpendValue {
  const rate = rateFor(currency);
  if (!rate) {
    throw new AppError('POINTS_NOT_APPLICABLE', `Loyalty points cannot pay for an order in ${currency}`, {
      maxPoints: 0,
    });
  }
  const value = points * rate.pointValue;
  if (value > due) {
    const maxPoints = Math.floor(Math.max(0, due) / rate.pointValue);
    throw new AppError(
      'POINTS_NOT_APPLICABLE',
      `${points} points are worth ${value} minor units of ${currency}, more than the ${due} still due; at most ${maxPoints}`,
      { maxPoints },
    );
  }
  return { points, value };
}

export type LoyaltyEntryKind = 'earn' | 'spend' | 'reverse' | 'refund';

/** One change to post: its kind, signed points, and its cause. */
export interface LoyaltyChange {
  readonly kind: LoyaltyEntryKind;
  /** Signed: positive for earn and refund, negative (or 0) for spend and reverse. */
  readonly points: number;
  readonly orderId?: string | undefined;
  readonly returnId?: string | undefined;
  /** A reversal's points due but not taken (the balance had fewer). */
  readonly shortfall?: number | undefined;
}

/** A customer's balance as read: `seq` counts the ledger entries (0 before the first). */
export interface BalanceState {
  readonly balance: number;
  readonly seq: number;
}

export const EMPTY_BALANCE: BalanceState = { balance: 0, seq: 0 };

/** A ledger entry as posted: the change, its sequence number and the balance after it. */
export interface PostedEntry extends LoyaltyChange {
  readonly seq: number;
  readonly balanceAfter: number;
}

/**
 * Posts changes, in order, to a balance: each gets the next sequence number and the balance after
 * it. Throws when the balance would go below 0 (callers check spends and cap reversals first), so
 * a posting that commits always keeps `balance = Σ entries ≥ 0`.
 */
export function post(
  state: BalanceState,
  changes: readonly LoyaltyChange[],
): { entries: PostedEntry[]; next: BalanceState } {
  let { balance, seq } = state;
  const entries: PostedEntry[] = [];
  for (const change of changes) {
    if (!Number.isSafeInteger(change.points)) throw new RangeError(`Points ${change.points} not an integer`);
    const positive = change.kind === 'earn' || change.kind === 'refund';
    if (positive ? change.points < 0 : change.points > 0) {
      throw new RangeError(`A ${change.kind} entry cannot carry ${change.points} points`);
    }
    balance += change.points;
    if (balance < 0) throw new RangeError(`A ${change.kind} of ${change.points} takes the balance below 0`);
    seq += 1;
    entries.push({ ...change, seq, balanceAfter: balance });
  }
  return { entries, next: { balance, seq } };
}

/** The reversal a return asks for, capped at the balance: points taken and the shortfall. */
export function cappedReversal(due: number, balance: number): { taken: number; shortfall: number } {
  const taken = Math.min(Math.max(0, due), Math.max(0, balance));
  return { taken, shortfall: Math.max(0, due) - taken };
}
