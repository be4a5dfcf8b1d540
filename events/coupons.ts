/** Coupon events (source `storeline.coupons`). */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { Currency, IsoTimestamp, Money } from '#shared/schemas.ts';

/** `order`: redeemed by an order's intake transaction; `direct`: outside an order (in-store, …). */
export const CouponRedemptionSource = z.enum(['order', 'direct']);

export const CouponRedeemedV1 = envelopeOf(
  'CouponRedeemed',
  1,
  z.object({
    /** The coupon's code, normalised (upper case). */
    code: z.string(),
    customerId: z.string(),
    /** For an order's redemption, the order id. */
    redemptionId: z.string(),
    source: CouponRedemptionSource,
    orderId: z.string().optional(),
    /** Minor units of `currency`; absent for a direct redemption without a subtotal. */
    discount: Money.optional(),
    currency: Currency.optional(),
    redeemedAt: IsoTimestamp,
  }),
);

export const CouponRedemptionReleasedV1 = envelopeOf(
  'CouponRedemptionReleased',
  1,
  z.object({
    code: z.string(),
    customerId: z.string(),
    redemptionId: z.string(),
    orderId: z.string().optional(),
    /** Why it was given back: only an order's cancellation releases a redemption today. */
    reason: z.enum(['order-cancelled']),
    releasedAt: IsoTimestamp,
  }),
);
