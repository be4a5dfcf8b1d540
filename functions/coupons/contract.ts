/**
 * The coupons HTTP contract (docs/api.md: coupons). The topology, the handler and the OpenAPI
 * document are all built from these definitions.
 */
import * as z from 'zod';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { Currency, IsoTimestamp, Money, PageQuery } from '#shared/schemas.ts';

/** As `couponCode` on an order (functions/orders/contract.ts); case-insensitive. */
export const CouponCode = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'Letters, digits, dash or underscore; at most 64 characters')
  .meta({ description: 'The coupon code, case-insensitive (`spring10` is `SPRING10`)', example: 'SPRING10' });

export const SegmentId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'Letters, digits, dash or underscore; at most 64 characters')
  .meta({ description: 'A customer segment (functions/segments)' });

/** The largest limit a coupon may carry. */
export const MAX_COUPON_LIMIT = 1_000_000_000;

export const CouponKind = z.enum(['percent', 'fixed']).meta({
  description:
    '`percent`: `value` whole percent of the subtotal, rounded half up to the minor unit; `fixed`: ' +
    '`value` minor units of `currency`, capped at the subtotal',
});

export const CouponInput = z
  .strictObject({
    kind: CouponKind,
    value: z.int().min(1).max(1_000_000_000_00).meta({
      description: 'Percent: 1 to 100. Fixed: minor units of `currency`',
    }),
    currency: Currency.optional().meta({
      description:
        'Required for `fixed` and with `minSubtotal`; the coupon then applies to amounts in this currency only',
    }),
    maxRedemptions: z.int().min(1).max(MAX_COUPON_LIMIT).optional().meta({
      description: 'Live redemptions allowed in all (cancellations give theirs back)',
    }),
    perCustomerLimit: z.int().min(1).max(MAX_COUPON_LIMIT).optional().meta({
      description: 'Live redemptions allowed per customer',
    }),
    validFrom: IsoTimestamp.optional().meta({ description: 'Applies from this instant (inclusive)' }),
    validUntil: IsoTimestamp.optional().meta({ description: 'Applies until this instant (exclusive)' }),
    minSubtotal: Money.optional().meta({ description: 'Smallest order subtotal, in `currency`' }),
    active: z.boolean().optional().meta({ description: 'Absent: true on creation, unchanged on update' }),
    segmentId: SegmentId.optional().meta({ description: 'Only members of this segment may redeem it' }),
  })
  .superRefine((c, ctx) => {
    if (c.kind === 'percent' && c.value > 100) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'A percentage is 1 to 100' });
    }
    if (c.kind === 'fixed' && c.currency === undefined) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'A fixed coupon names its currency' });
    }
    if (c.minSubtotal !== undefined && c.currency === undefined) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'A minimum subtotal needs a currency' });
    }
    if (
      c.validFrom !== undefined &&
      c.validUntil !== undefined &&
      Date.parse(c.validFrom) >= Date.parse(c.validUntil)
    ) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'Must be after validFrom' });
    }
  })
  .meta({ id: 'CouponInput' });
export type CouponInput = z.infer<typeof CouponInput>;

export const Coupon = z
  .object({
    code: z.string().meta({ description: 'As last given; matched case-insensitively' }),
    kind: CouponKind,
    value: z.int(),
    currency: Currency.optional(),
    maxRedemptions: z.int().optional(),
    perCustomerLimit: z.int().optional(),
    validFrom: IsoTimestamp.optional(),
    validUntil: IsoTimestamp.optional(),
    minSubtotal: Money.optional(),
    active: z.boolean(),
    segmentId: z.string().optional(),
    redemptions: z.int().min(0).meta({ description: 'Live redemptions: redeemed and not released' }),
    source: z
      .enum(['staff', 'webhook'])
      .meta({ description: 'Created by staff or by a `coupon.issued` webhook' }),
    version: z.int(),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
  })
  .meta({ id: 'Coupon' });
export type CouponView = z.infer<typeof Coupon>;

export const CouponRedemption = z
  .object({
    id: z.string().meta({ description: 'For an order’s redemption, the order id' }),
    code: z.string().meta({ description: 'Normalised (upper case)' }),
    customerId: z.string(),
    source: z.enum(['order', 'direct']),
    orderId: z.string().optional(),
    subtotal: Money.optional(),
    discount: Money.optional(),
    currency: Currency.optional(),
    status: z.enum(['REDEEMED', 'RELEASED']).meta({ description: 'RELEASED once its order was cancelled' }),
    redeemedAt: IsoTimestamp,
    releasedAt: IsoTimestamp.optional(),
  })
  .meta({ id: 'CouponRedemption' });
export type CouponRedemptionView = z.infer<typeof CouponRedemption>;

export const CouponRedemptionPage = z
  .object({ items: z.array(CouponRedemption), nextCursor: z.string().nullable() })
  .meta({ id: 'CouponRedemptionPage' });

export const DirectRedemptionInput = z
  .strictObject({
    customerId: z
      .string()
      .regex(/^[\w.:@|+-]{1,128}$/, 'Letters, digits and . _ : @ | + -; at most 128 characters')
      .optional()
      .meta({ description: 'Staff only: the customer redeeming' }),
    orderId: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, 'Printable ASCII without spaces; at most 128 characters')
      .optional()
      .meta({ description: 'The sale it was redeemed for (a till receipt, an external order)' }),
    subtotal: Money.optional().meta({ description: 'The amount the discount applies to; with `currency`' }),
    currency: Currency.optional(),
  })
  .refine((r) => (r.subtotal === undefined) === (r.currency === undefined), {
    message: 'subtotal and currency go together',
    path: ['currency'],
  })
  .meta({ id: 'DirectRedemptionInput' });
export type DirectRedemptionInput = z.infer<typeof DirectRedemptionInput>;

const CodeParams = z.strictObject({ code: CouponCode });

export const couponsTag: ApiTag = {
  name: 'coupons',
  description:
    'Coupons with usage limits. Staff define them (or the marketing system issues them by webhook); orders ' +
    'redeem them inside their own transaction, so no interleaving exceeds a limit; a cancellation gives the ' +
    'redemption back once.',
};

export const couponRoutes = {
  putCoupon: defineRoute({
    method: 'PUT',
    path: '/coupons/{code}',
    operationId: 'putCoupon',
    summary: 'Create or update a coupon',
    description:
      'Staff only. Creates the coupon (201) or replaces its terms (200); terms left out are removed, except ' +
      '`active`, which is kept. Redemption counts are never reset. Codes are case-insensitive. Limits may be ' +
      'lowered below the current count: that blocks further redemptions and takes nothing back.',
    example: {
      kind: 'percent',
      value: 10,
      maxRedemptions: 1000,
      perCustomerLimit: 1,
      validUntil: '2026-06-30T00:00:00Z',
    },
    tag: 'coupons',
    access: 'staff',
    params: CodeParams,
    body: CouponInput,
    responses: {
      200: { description: 'Coupon updated', schema: Coupon },
      201: { description: 'Coupon created', schema: Coupon },
    },
    errors: ['RATE_LIMITED'],
  }),
  getCoupon: defineRoute({
    method: 'GET',
    path: '/coupons/{code}',
    operationId: 'getCoupon',
    summary: 'A coupon with its live redemption count',
    description: 'Staff only. `redemptions` counts redemptions not released by a cancellation.',
    tag: 'coupons',
    access: 'staff',
    params: CodeParams,
    responses: { 200: { description: 'The coupon', schema: Coupon } },
    errors: ['NOT_FOUND'],
  }),
  listCouponRedemptions: defineRoute({
    method: 'GET',
    path: '/coupons/{code}/redemptions',
    operationId: 'listCouponRedemptions',
    summary: "A coupon's redemptions, newest first",
    description:
      'Staff only: every redemption, by orders and direct, released ones included. Paged: pass `nextCursor` ' +
      'back as `cursor` until it is `null`.',
    tag: 'coupons',
    access: 'staff',
    params: CodeParams,
    query: PageQuery,
    responses: { 200: { description: 'One page of redemptions', schema: CouponRedemptionPage } },
    errors: ['NOT_FOUND'],
  }),
  redeemCoupon: defineRoute({
    method: 'POST',
    path: '/coupons/{code}/redemptions',
    operationId: 'redeemCoupon',
    summary: 'Redeem a coupon outside an order (in-store), under the same limits',
    description:
      'Any signed-in caller for themselves; staff may name `customerId`. The same conditions as an order’s ' +
      'redemption, in one transaction: over the limits `COUPON_EXHAUSTED` / `COUPON_LIMIT_REACHED`; unknown, ' +
      'inactive, outside its window, another currency, below the minimum (or no `subtotal` for a coupon with ' +
      'one) or outside its segment `COUPON_NOT_APPLICABLE`. With an `Idempotency-Key`, a retry answers the ' +
      'first redemption.',
    example: { subtotal: 5000, currency: 'EUR', orderId: 'till-7-000123' },
    tag: 'coupons',
    access: 'authenticated',
    idempotencyKey: 'optional',
    params: CodeParams,
    body: DirectRedemptionInput,
    responses: {
      201: { description: 'Redeemed (or the first response to this key)', schema: CouponRedemption },
    },
    errors: [
      'FORBIDDEN',
      'COUPON_EXHAUSTED',
      'COUPON_LIMIT_REACHED',
      'COUPON_NOT_APPLICABLE',
      'IDEMPOTENCY_KEY_REUSED',
      'RATE_LIMITED',
    ],
  }),
} as const;
