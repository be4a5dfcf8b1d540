/**
 * The coupon extension point of order intake and cancellation. Coupons arrive with a later issue;
 * until then this hook redeems nothing, and an order naming a coupon is refused rather than
 * silently placed at full price.
 *
 * The contract the coupons issue fills in: `redeemCoupon` reads the coupon, computes the discount
 * and returns at most `COUPON_HOOK_MAX_ITEMS` writes (e.g. the coupon's redemption counter, with
 * a condition below the limit, and the per-customer redemption record) that commit in the order's
 * own transaction; when one of them is cancelled, intake asks `refusal` for the error to answer.
 * `releaseCouponWrites` returns the writes undoing a redemption, committed with the cancellation.
 */
import { AppError } from '#shared/errors.ts';
import type { TransactWrite } from '#shared/transactions.ts';

/** Items the coupon hook may add to an order's transaction; counted in the max-lines budget. */
export const COUPON_HOOK_MAX_ITEMS = 2;

export interface CouponRedemptionInput {
  readonly couponCode?: string | undefined;
  readonly orderId: string;
  readonly customerId: string;
  readonly subtotal: number;
  readonly currency: string;
  readonly now: string;
}

export interface CouponRedemption {
  /** Minor units, at most the subtotal. */
  readonly discount: number;
  readonly writes: readonly TransactWrite[];
  /** The error to answer when one of `writes` had its condition fail (limit reached meanwhile). */
  refusal(): AppError;
}

const NOTHING: CouponRedemption = {
  discount: 0,
  writes: [],
  refusal: () => new AppError('COUPON_EXHAUSTED', 'The coupon can no longer be redeemed'),
};

/** Redemption for an order: no coupon, no discount; any code is refused until coupons exist. */
export async function redeemCoupon(input: CouponRedemptionInput): Promise<CouponRedemption> {
  if (input.couponCode === undefined) return NOTHING;
  throw new AppError('COUPON_NOT_APPLICABLE', `Coupon ${input.couponCode} does not exist`, {
    couponCode: input.couponCode,
  });
}

/** Writes releasing an order's redemption on cancellation: none until coupons exist. */
export function releaseCouponWrites(_order: {
  readonly id: string;
  readonly customerId: string;
  readonly couponCode?: string | undefined;
}): readonly TransactWrite[] {
  return [];
}
