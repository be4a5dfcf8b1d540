/**
 * Redeeming a coupon, for an order's intake transaction or a direct redemption: read the coupon
 * (and the customer's count, and segment membership), refuse at once what cannot apply, and plan
 * the writes whose conditions make the answer true at commit whatever runs concurrently. When the
 * transaction is cancelled, `refusal` explains it from the failed parts and, where a part's
 * condition covers several reasons (the coupon item's), from a fresh read.
 */
import { AppError } from '#shared/errors.ts';
import { contention, type TaggedWrite } from '#shared/transactions.ts';
import {
  type CouponRecord,
  getCoupon,
  getCustomerRedemptions,
  isSegmentMember,
  type RedemptionPart,
  type RedemptionRecord,
  redeemWrites,
} from './coupons.ts';
import { discountFor, normaliseCode, refusalOf, sameTerms } from './rules.ts';

export interface RedemptionRequest {
  /** The code as the caller gave it (any case). */
  readonly code: string;
  readonly customerId: string;
  /** The redemption's id: the order's id for an order. */
  readonly id: string;
  readonly source: 'order' | 'direct';
  readonly orderId?: string | undefined;
  /** The amount the discount applies to; with `currency`. */
  readonly subtotal?: number | undefined;
  readonly currency?: string | undefined;
  /** The redemption's time: the order's `placedAt`. */
  readonly now: string;
  readonly by: string;
  readonly correlationId: string;
}

export interface RedemptionPlan {
  readonly coupon: CouponRecord;
  readonly redemption: RedemptionRecord;
  /** Minor units (0 without a subtotal). */
  readonly discount: number;
  readonly writes: readonly TaggedWrite<RedemptionPart>[];
  /** The answer when the transaction was cancelled by the conditions of `failed`. */
  refusal(failed: readonly RedemptionPart[]): Promise<AppError>;
}

/** What the rules need to know about the customer and the coupon, read now. */
async function stateOf(code: string, customerId: string) {
  const [coupon, customerRedemptions] = await Promise.all([
    getCoupon(code),
    getCustomerRedemptions(code, customerId),
  ]);
  const inSegment =
    coupon?.segmentId === undefined ? true : await isSegmentMember(coupon.segmentId, customerId);
  return { coupon, customerRedemptions, inSegment };
}

/**
 * Plans a redemption, or throws its refusal: 422 `COUPON_NOT_APPLICABLE` (unknown, inactive,
 * outside its window, wrong currency, below its minimum, not in its segment), 409
 * `COUPON_LIMIT_REACHED` (the customer's limit), 409 `COUPON_EXHAUSTED` (the global limit).
 */
export async function planRedemption(request: RedemptionRequest): Promise<RedemptionPlan> {
  const { code, customerId, subtotal, currency, now } = request;
  const read = await stateOf(code, customerId);
  const refused = refusalOf(read.coupon, code, { now, subtotal, currency, ...read });
  if (refused || !read.coupon) throw refused;
  const coupon = read.coupon;
  const discount = subtotal === undefined ? 0 : discountFor(coupon, subtotal);
  const redemption: RedemptionRecord = {
    id: request.id,
    code: normaliseCode(code),
    customerId,
    source: request.source,
    ...(request.orderId === undefined ? {} : { orderId: request.orderId }),
    ...(subtotal === undefined ? {} : { subtotal, discount }),
    ...(currency === undefined ? {} : { currency }),
    status: 'REDEEMED',
    redeemedAt: now,
    redeemedBy: request.by,
  };
  return {
    coupon,
    redemption,
    discount,
    writes: redeemWrites({ coupon, redemption, correlationId: request.correlationId }),
    refusal: async (failed) => {
      // Judged again on what the table says now, at the redemption's own time.
      const fresh = await stateOf(code, customerId);
      const current = refusalOf(fresh.coupon, code, { now, subtotal, currency, ...fresh });
      if (current) return current;
      if (failed.includes('segment')) {
        return new AppError('COUPON_NOT_APPLICABLE', `Coupon ${code} is reserved for a customer segment`, {
          couponCode: code,
        });
      }
      if (failed.includes('customer')) {
        return new AppError(
          'COUPON_LIMIT_REACHED',
          `Coupon ${code} was used as often as it allows by this customer`,
        );
      }
      // Only the coupon item's condition failed and it holds again: either its terms changed
      // (the client may simply retry) or it was at its limit and a cancellation gave one back.
      if (fresh.coupon && sameTerms(fresh.coupon, coupon) && coupon.maxRedemptions !== undefined) {
        return new AppError('COUPON_EXHAUSTED', `Coupon ${code} reached its redemption limit`);
      }
      return contention(`Coupon ${code}`);
    },
  };
}
