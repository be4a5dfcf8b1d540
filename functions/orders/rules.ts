/**
 * Order rules as plain functions, with no I/O: who may order for whom, how lines are merged and
 * priced, how big an order may be, which transitions exist, and what a cancelled intake
 * transaction means. intake.ts and lifecycle.ts apply them; unit tests check them directly.
 */
import type { OrderStatus } from '#events/orders.ts';
import type { ProductRecord } from '#functions/catalog/products.ts';
import { REDEMPTION_MAX_ITEMS } from '#functions/coupons/rules.ts';
// The loyalty hook's budget (./loyalty.ts), read from where no table client is loaded.
import { SPEND_WRITES as LOYALTY_HOOK_MAX_ITEMS } from '#functions/loyalty/rules.ts';
import type { Principal } from '#shared/auth.ts';
import { AppError, type FieldError } from '#shared/errors.ts';
import { requestHash } from '#shared/idempotency.ts';
import { MAX_TRANSACT_ITEMS } from '#shared/limits.ts';

/** Items the coupon hook (coupons.ts) may add to an order's transaction; counted in the max-lines budget. */
export const COUPON_HOOK_MAX_ITEMS = REDEMPTION_MAX_ITEMS;

/**
 * The order's fixed share of its intake transaction: the order item, its `OrderPlaced` outbox
 * item, and what the coupon and loyalty hooks may add.
 */
export const INTAKE_FIXED_ITEMS = 1 + 1 + COUPON_HOOK_MAX_ITEMS + LOYALTY_HOOK_MAX_ITEMS;
/** Per distinct SKU: the stock reservation and the check that the product is unchanged. */
export const INTAKE_ITEMS_PER_LINE = 2;
/** (100 − 10) / 2 = 45 lines: the most one `TransactWriteItems` can reserve with all its guards. */
export const MAX_ORDER_LINES = Math.floor((MAX_TRANSACT_ITEMS - INTAKE_FIXED_ITEMS) / INTAKE_ITEMS_PER_LINE);
/** Largest quantity on one line. */
export const MAX_LINE_QUANTITY = 10_000;
/** Largest amount in minor units, as `Money` allows. */
const MAX_AMOUNT = 1_000_000_000_00;

export interface LineInput {
  readonly sku: string;
  readonly quantity: number;
}

export interface OrderLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly lineTotal: number;
}

/**
 * The customer an order is for: customers order for themselves; staff for anyone (themselves when
 * they name no one). A customer naming someone else is refused.
 */
export function orderCustomer(principal: Principal, requested: string | undefined): string {
  if (requested === undefined || requested === principal.sub) return principal.sub;
  if (!principal.isStaff) throw new AppError('FORBIDDEN', 'Only staff may place orders for another customer');
  return requested;
}

/** Lines with the same SKU summed, in first-seen order: each SKU is reserved once, for its total. */
export function mergeLines(lines: readonly LineInput[]): LineInput[] {
  const merged = new Map<string, number>();
  for (const { sku, quantity } of lines) merged.set(sku, (merged.get(sku) ?? 0) + quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Prices merged lines from the catalogue. Refuses (400, naming the SKUs and the request lines)
 * unknown or inactive products, lines in more than one currency, and totals beyond `Money`.
 */
export function priceLines(
  requested: readonly LineInput[],
  products: ReadonlyMap<string, ProductRecord>,
): { lines: OrderLine[]; currency: string; subtotal: number } {
  const errorsFor = (sku: string, message: string): FieldError[] =>
    requested.flatMap((l, i) => (l.sku === sku ? [{ path: `body.lines.${i}.sku`, message }] : []));
  const merged = mergeLines(requested);

  const unavailable = merged.filter(({ sku }) => !products.get(sku)?.active).map((l) => l.sku);
  if (unavailable.length > 0) {
    throw new AppError('VALIDATION_FAILED', `Not for sale: ${unavailable.join(', ')}`, {
      skus: unavailable,
      errors: unavailable.flatMap((sku) =>
        errorsFor(sku, products.has(sku) ? 'Product is not for sale' : 'Unknown product'),
      ),
    });
  }

  const lines = merged.map(({ sku, quantity }): OrderLine => {
    const product = products.get(sku)!;
    return {
      sku,
      name: product.name,
      quantity,
      unitPrice: product.price,
      lineTotal: product.price * quantity,
    };
  });
  const currency = products.get(lines[0]!.sku)!.currency;
  const foreign = lines.filter((l) => products.get(l.sku)!.currency !== currency).map((l) => l.sku);
  if (foreign.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      `All lines must be in one currency; ${foreign.join(', ')} not in ${currency}`,
      {
        skus: foreign,
        errors: foreign.flatMap((sku) =>
          errorsFor(sku, `Priced in ${products.get(sku)!.currency}, not ${currency}`),
        ),
      },
    );
  }
  const subtotal = lines.reduce((sum, l) => sum + l.lineTotal, 0);
  if (subtotal > MAX_AMOUNT) {
    throw new AppError('VALIDATION_FAILED', 'The order total is beyond what one order may carry', {
      errors: [{ path: 'body.lines', message: `Subtotal above ${MAX_AMOUNT} minor units` }],
    });
  }
  return { lines, currency, subtotal };
}

/** The fingerprint of an order request: what a retry must repeat exactly. */
export function orderRequestHash(
  customerId: string,
  input: {
    readonly lines: readonly LineInput[];
    readonly couponCode?: string | undefined;
    readonly loyaltyPoints?: number | undefined;
    readonly channel: string;
    readonly shippingAddress: Readonly<Record<string, string | undefined>>;
  },
): string {
  return requestHash({
    customerId,
    lines: input.lines.map(({ sku, quantity }) => ({ sku, quantity })),
    couponCode: input.couponCode,
    loyaltyPoints: input.loyaltyPoints,
    channel: input.channel,
    shippingAddress: input.shippingAddress,
  });
}

/** What one item of the intake transaction stands for. */
export type IntakeTag =
  | { readonly kind: 'order' }
  | { readonly kind: 'outbox' }
  | { readonly kind: 'coupon'; readonly part: string }
  | { readonly kind: 'stock'; readonly sku: string }
  | { readonly kind: 'loyalty' }
  | { readonly kind: 'product'; readonly sku: string };

/** What a cancelled intake transaction means, most decisive first. */
export type IntakeFailure =
  /** The order item exists: an earlier or concurrent request with this key won. */
  | { readonly kind: 'duplicate' }
  /** A product changed (price, name, active) since it was read: read the catalogue again. */
  | { readonly kind: 'catalogue-changed'; readonly skus: string[] }
  | { readonly kind: 'out-of-stock'; readonly skus: string[] }
  /** A coupon write: `parts` name which (the coupon hook explains them). */
  | { readonly kind: 'coupon'; readonly parts: string[] }
  /** The customer's loyalty balance moved between its read and the commit: plan again. */
  | { readonly kind: 'loyalty' }
  | { readonly kind: 'unexpected'; readonly tags: IntakeTag[] };

export function classifyIntakeFailure(failed: readonly IntakeTag[]): IntakeFailure {
  const skus = (kind: 'stock' | 'product') => failed.flatMap((t) => (t.kind === kind ? [t.sku] : []));
  if (failed.some((t) => t.kind === 'order')) return { kind: 'duplicate' };
  const changed = skus('product');
  if (changed.length > 0) return { kind: 'catalogue-changed', skus: changed };
  const short = skus('stock');
  if (short.length > 0) return { kind: 'out-of-stock', skus: short };
  const coupon = failed.flatMap((t) => (t.kind === 'coupon' ? [t.part] : []));
  if (coupon.length > 0) return { kind: 'coupon', parts: coupon };
  if (failed.some((t) => t.kind === 'loyalty')) return { kind: 'loyalty' };
  return { kind: 'unexpected', tags: [...failed] };
}

export const outOfStock = (skus: readonly string[]): AppError =>
  new AppError('OUT_OF_STOCK', `Not enough stock for ${skus.join(', ')}`, { skus: [...skus] });

/** What a transition does to the stock of every line. */
export type StockEffect = 'release' | 'ship' | 'none';

export interface TransitionRule {
  readonly from: readonly OrderStatus[];
  readonly to: OrderStatus;
  readonly stock: StockEffect;
  /** `owner` also allows staff. */
  readonly who: 'owner' | 'staff';
}

/** The order state machine (docs/api.md, orders): each transition, where it may start, and its stock effect. */
export const TRANSITIONS = {
  cancel: { from: ['CONFIRMED', 'FULFILLING'], to: 'CANCELLED', stock: 'release', who: 'owner' },
  ship: { from: ['CONFIRMED', 'FULFILLING'], to: 'SHIPPED', stock: 'ship', who: 'staff' },
  deliver: { from: ['SHIPPED'], to: 'DELIVERED', stock: 'none', who: 'staff' },
} as const satisfies Record<string, TransitionRule>;
export type TransitionName = keyof typeof TRANSITIONS;

/** Refuses a transition from the order's current status with 409 `INVALID_STATE`. */
export function assertTransition(name: TransitionName, status: OrderStatus): void {
  const rule: TransitionRule = TRANSITIONS[name];
  if (!rule.from.includes(status)) {
    throw new AppError(
      'INVALID_STATE',
      `The order is ${status}: ${name} is possible only from ${rule.from.join(' or ')}`,
      // Not `status`: that member of a problem is the HTTP status.
      { currentStatus: status },
    );
  }
}
