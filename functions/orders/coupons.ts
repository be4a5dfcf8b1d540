/**
 * The coupon extension point of order intake and cancellation, filled by the coupons context
 * (functions/coupons/): `redeemCoupon` reads the coupon, refuses at once what cannot apply,
 * computes the discount and returns at most `COUPON_HOOK_MAX_ITEMS` writes that commit in the
 * order's own transaction — the coupon's counter (every term and `redemptions < maxRedemptions` as
 * its condition), the customer's counter (below `perCustomerLimit`), the segment membership check,
 * the order's redemption record and `CouponRedeemed`. When one of them is cancelled, intake asks
 * `refusal` (with the failed parts) for the error to answer. `releaseCouponWrites` returns the
 * writes giving the redemption back, committed with the cancellation, at most once.
 */
import { isRedemptionPart, releaseWrites } from '#functions/coupons/coupons.ts';
import { planRedemption } from '#functions/coupons/redeem.ts';
import type { AppError } from '#shared/errors.ts';
import type { TransactWrite } from '#shared/transactions.ts';

export { COUPON_HOOK_MAX_ITEMS } from './rules.ts';

export interface CouponRedemptionInput {
  readonly couponCode?: string | undefined;
  readonly orderId: string;
  readonly customerId: string;
  readonly subtotal: number;
  readonly currency: string;
  readonly now: string;
  /** Who places the order (a `sub`). */
  readonly by: string;
  readonly correlationId: string;
}

/** One write of the hook, with the part of the redemption it stands for (for `refusal`). */
export interface CouponWrite {
  readonly part: string;
  readonly write: TransactWrite;
}

export interface CouponRedemption {
  /** Minor units, at most the subtotal. */
  readonly discount: number;
  readonly writes: readonly CouponWrite[];
  /** The error to answer when the writes of `parts` had their conditions fail. */
  refusal(parts: readonly string[]): Promise<AppError>;
}

const NOTHING: CouponRedemption = {
  discount: 0,
  writes: [],
  refusal: () => Promise.reject(new Error('No coupon writes to refuse')),
};

/**
 * Redemption for an order: no coupon, no discount. A coupon that cannot apply is refused here
 * (422 `COUPON_NOT_APPLICABLE`, 409 `COUPON_LIMIT_REACHED` / `COUPON_EXHAUSTED`), before anything
 * is reserved.
 */
export async function redeemCoupon(input: CouponRedemptionInput): Promise<CouponRedemption> {
  if (input.couponCode === undefined) return NOTHING;
  const plan = await planRedemption({
    code: input.couponCode,
    customerId: input.customerId,
    id: input.orderId,
    source: 'order',
    orderId: input.orderId,
    subtotal: input.subtotal,
    currency: input.currency,
    now: input.now,
    by: input.by,
    correlationId: input.correlationId,
  });
  return {
    discount: plan.discount,
    writes: plan.writes.map(({ tag, write }) => ({ part: tag, write })),
    refusal: (parts) => plan.refusal(parts.filter(isRedemptionPart)),
  };
}

/**
 * Writes releasing an order's redemption on cancellation (none without a coupon): the order's
 * redemption record flips to RELEASED under a condition, so it is given back exactly once.
 */
export function releaseCouponWrites(
  order: {
    readonly id: string;
    readonly customerId: string;
    readonly couponCode?: string | undefined;
    readonly placedAt: string;
  },
  context: { readonly at: string; readonly correlationId: string },
): readonly TransactWrite[] {
  if (order.couponCode === undefined) return [];
  return releaseWrites(
    {
      code: order.couponCode,
      id: order.id,
      redeemedAt: order.placedAt,
      customerId: order.customerId,
      orderId: order.id,
    },
    context,
  );
}
