/**
 * Coupon rules as plain functions, with no I/O: how a code is normalised, what discount a coupon
 * gives, and whether it applies to a redemption (and if not, which refusal). The same checks are
 * the conditions of the redeeming transaction (coupons.ts); these decide the answer before it, and
 * explain a cancelled transaction from a fresh read after it.
 *
 * **Discount.** Percent coupons take `value` whole percent (1–100) of the subtotal, rounded half up
 * to the minor unit (`round(subtotal × value / 100)`, integers only: 12.5 cents → 13 cents). Fixed
 * coupons take `value` minor units of their currency, capped at the subtotal. So the discount is
 * never more than the subtotal and the total never negative.
 *
 * **Limits.** `maxRedemptions` bounds the coupon's live redemptions (redeemed and not released),
 * `perCustomerLimit` one customer's. Lowering either below the current count is allowed: it blocks
 * further redemptions until cancellations bring the count below it again, and takes nothing back.
 */
import { mulDivHalfUp } from '#functions/invoicing/tax.ts';
import type { Principal } from '#shared/auth.ts';
import { AppError } from '#shared/errors.ts';

export type CouponKind = 'percent' | 'fixed';

/**
 * Writes one redemption adds to the redeeming transaction: the coupon's counter, the customer's
 * counter, the segment membership check, the redemption record and `CouponRedeemed`.
 */
export const REDEMPTION_MAX_ITEMS = 5;

/** What defines a coupon (everything a PUT sets), without counters or bookkeeping. */
export interface CouponTerms {
  readonly kind: CouponKind;
  /** Percent: whole percent, 1–100. Fixed: minor units of `currency`. */
  readonly value: number;
  readonly currency?: string | undefined;
  readonly maxRedemptions?: number | undefined;
  readonly perCustomerLimit?: number | undefined;
  /** ISO 8601 UTC, normalised by `toISOString()` so the stored text compares as time. */
  readonly validFrom?: string | undefined;
  /** Exclusive: the coupon applies while `now < validUntil`. */
  readonly validUntil?: string | undefined;
  readonly minSubtotal?: number | undefined;
  readonly active: boolean;
  /** Only members of this segment may redeem it. */
  readonly segmentId?: string | undefined;
}

/** Codes are case-insensitive: stored and looked up in upper case, shown as given. */
export const normaliseCode = (code: string): string => code.toUpperCase();

/** The discount a coupon gives on `subtotal` (minor units): never more than the subtotal. */
export function discountFor(terms: Pick<CouponTerms, 'kind' | 'value'>, subtotal: number): number {
  if (terms.kind === 'percent') return Math.min(subtotal, mulDivHalfUp(subtotal, terms.value, 100));
  return Math.min(terms.value, subtotal);
}

/** What is being redeemed: by whom, when, and for what amount (absent for a direct redemption without one). */
export interface RedemptionContext {
  readonly now: string;
  readonly subtotal?: number | undefined;
  readonly currency?: string | undefined;
  /** The customer's live redemptions of this coupon. */
  readonly customerRedemptions: number;
  /** Whether the customer is a member of the coupon's segment (ignored without one). */
  readonly inSegment: boolean;
}

/** The coupon state the checks need: its terms and its live redemption count. */
export interface CouponState extends CouponTerms {
  readonly code: string;
  readonly redemptions: number;
}

const notApplicable = (code: string, why: string): AppError =>
  new AppError('COUPON_NOT_APPLICABLE', `Coupon ${code} ${why}`, { couponCode: code });

/**
 * Why the coupon cannot be redeemed in this context, or undefined when it can. Most specific first:
 * not applicable (422) before the customer's limit (409 `COUPON_LIMIT_REACHED`) before the global
 * one (409 `COUPON_EXHAUSTED`), so a customer hears about what concerns them.
 */
export function refusalOf(
  coupon: CouponState | undefined,
  requestedCode: string,
  ctx: RedemptionContext,
): AppError | undefined {
  if (!coupon) return notApplicable(requestedCode, 'does not exist');
  if (!coupon.active) return notApplicable(requestedCode, 'is not active');
  if (coupon.validFrom !== undefined && ctx.now < coupon.validFrom) {
    return notApplicable(requestedCode, `is valid only from ${coupon.validFrom}`);
  }
  if (coupon.validUntil !== undefined && ctx.now >= coupon.validUntil) {
    return notApplicable(requestedCode, `expired at ${coupon.validUntil}`);
  }
  if (coupon.currency !== undefined && ctx.currency !== undefined && ctx.currency !== coupon.currency) {
    return notApplicable(requestedCode, `applies to amounts in ${coupon.currency} only, not ${ctx.currency}`);
  }
  if (coupon.minSubtotal !== undefined && (ctx.subtotal === undefined || ctx.subtotal < coupon.minSubtotal)) {
    return notApplicable(
      requestedCode,
      `needs a subtotal of at least ${coupon.minSubtotal} minor units of ${coupon.currency}`,
    );
  }
  if (coupon.segmentId !== undefined && !ctx.inSegment) {
    return notApplicable(requestedCode, 'is reserved for a customer segment this customer is not in');
  }
  if (coupon.perCustomerLimit !== undefined && ctx.customerRedemptions >= coupon.perCustomerLimit) {
    return new AppError(
      'COUPON_LIMIT_REACHED',
      `Coupon ${requestedCode} was already used ${ctx.customerRedemptions} times by this customer (limit ${coupon.perCustomerLimit})`,
    );
  }
  if (coupon.maxRedemptions !== undefined && coupon.redemptions >= coupon.maxRedemptions) {
    return new AppError(
      'COUPON_EXHAUSTED',
      `Coupon ${requestedCode} reached its limit of ${coupon.maxRedemptions} redemptions`,
    );
  }
  return undefined;
}

/** Whether two readings of a coupon have the same terms (what a redemption's condition pins). */
export function sameTerms(a: CouponTerms, b: CouponTerms): boolean {
  const keys: (keyof CouponTerms)[] = [
    'kind',
    'value',
    'currency',
    'maxRedemptions',
    'perCustomerLimit',
    'validFrom',
    'validUntil',
    'minSubtotal',
    'active',
    'segmentId',
  ];
  return keys.every((k) => a[k] === b[k]);
}

/**
 * The customer a direct redemption is for: customers redeem for themselves; staff for anyone
 * (themselves when they name no one). A customer naming someone else is refused.
 */
export function redemptionCustomer(principal: Principal, requested: string | undefined): string {
  if (requested === undefined || requested === principal.sub) return principal.sub;
  if (!principal.isStaff)
    throw new AppError('FORBIDDEN', 'Only staff may redeem a coupon for another customer');
  return requested;
}
