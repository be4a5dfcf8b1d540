/**
 * The loyalty extension point of order intake, beside the coupon hook (`coupons.ts`): points named
 * by `loyaltyPoints` on `POST /orders` pay part of the order, after its coupon discount.
 *
 * `spendLoyaltyPoints` returns at most `LOYALTY_HOOK_MAX_ITEMS` writes (the customer's balance,
 * with a condition on the sequence it was read at and a balance of at least the points; the spend
 * ledger entry; its `LoyaltyPointsChanged`) that commit in the order's own transaction, so the
 * points are spent exactly when the order is placed. The points' value is part of the order's
 * `discount` (so the invoice spreads it over the lines like a coupon's) and shown apart as
 * `loyaltyPointsValue`. A refusal (`INSUFFICIENT_POINTS`, `POINTS_NOT_APPLICABLE`) is returned,
 * not thrown: intake answers a retry of a placed order with the order instead. When the balance
 * moved between the read and the commit, intake plans again on the new balance. The cancellation
 * refund is the loyalty context's (a consumer of `OrderCancelled`, once per order).
 */
import { planSpend, SPEND_WRITES } from '#functions/loyalty/spend.ts';
import type { AppError } from '#shared/errors.ts';
import type { TransactWrite } from '#shared/transactions.ts';

/** Items the loyalty hook may add to an order's transaction; counted in the max-lines budget. */
export const LOYALTY_HOOK_MAX_ITEMS = SPEND_WRITES;

export interface LoyaltySpendInput {
  readonly loyaltyPoints?: number | undefined;
  readonly orderId: string;
  readonly customerId: string;
  /** What the order costs after its coupon discount. */
  readonly due: number;
  readonly currency: string;
  readonly now: string;
  readonly correlationId: string;
}

export interface LoyaltySpend {
  /** Minor units the points pay (0 without points); added to the order's discount. */
  readonly value: number;
  /** What the order records about its points (nothing without points). */
  readonly orderFields: { readonly loyaltyPoints?: number; readonly loyaltyPointsValue?: number };
  readonly writes: readonly TransactWrite[];
  /** Why the points cannot be spent; the order is then refused with it. */
  readonly refusal?: AppError;
}

const NOTHING: LoyaltySpend = { value: 0, orderFields: {}, writes: [] };

/** The points an order spends: none without `loyaltyPoints`, else the spend's writes or refusal. */
export async function spendLoyaltyPoints(input: LoyaltySpendInput): Promise<LoyaltySpend> {
  const points = input.loyaltyPoints;
  if (points === undefined) return NOTHING;
  const plan = await planSpend({
    customerId: input.customerId,
    orderId: input.orderId,
    points,
    due: input.due,
    currency: input.currency,
    at: input.now,
    correlationId: input.correlationId,
  });
  if (!plan.ok) return { ...NOTHING, refusal: plan.refusal };
  return {
    value: plan.value,
    orderFields: { loyaltyPoints: points, loyaltyPointsValue: plan.value },
    writes: plan.writes,
  };
}
