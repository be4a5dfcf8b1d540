/**
 * Order intake: one `TransactWriteItems` holding the order (`attribute_not_exists`), a reservation
 * per distinct SKU (`available >= :q`), a check per SKU that the product is unchanged since it was
 * priced, the coupon hook's writes and the `OrderPlaced` outbox item. Its conditions make
 * overselling impossible whatever the concurrency; a cancellation is explained from its reasons.
 *
 * Idempotency costs no extra round trip: the order id is derived from the caller's `sub` and their
 * Idempotency-Key and its Put carries `attribute_not_exists(pk)`. When that condition fails (a
 * retry, or a concurrent duplicate that won), the stored order is read and the answer is the first
 * response — the order as it was placed — if the request fingerprint matches, and 422
 * `IDEMPOTENCY_KEY_REUSED` if not. Prices come from a per-container cache that the transaction
 * verifies (`price-cache.ts`), so the happy path is exactly one `TransactWriteItems`.
 */
import { emit } from '#events/emit.ts';
import { productUnchangedCheck, reserveStockWrite } from '#functions/catalog/products.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import { contention, type TaggedWrite, transactWrite } from '#shared/transactions.ts';
import type { PlaceOrderInput } from './contract.ts';
import { type CouponRedemption, redeemCoupon } from './coupons.ts';
import { orderSummary } from './events.ts';
import { orderIdFor } from './inputs.ts';
import { spendLoyaltyPoints } from './loyalty.ts';
import { asPlaced, getOrder, type Order, placeOrderPut } from './orders.ts';
import { forget, productsFor } from './price-cache.ts';
import {
  classifyIntakeFailure,
  type IntakeTag,
  mergeLines,
  orderCustomer,
  orderRequestHash,
  outOfStock,
  priceLines,
} from './rules.ts';

/** Catalogue re-reads when a product changes between pricing and commit. */
const MAX_INTAKE_ATTEMPTS = 3;

export interface PlaceOrderRequest {
  readonly principal: Principal;
  readonly idempotencyKey: string;
  readonly input: PlaceOrderInput;
  readonly correlationId: string;
}

export interface PlaceOrderOutcome {
  /** False when the order already existed under this key (a retry). */
  readonly created: boolean;
  readonly order: Order;
}

function replay(order: Order, hash: string): PlaceOrderOutcome {
  if (order.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used for a different order request',
      { orderId: order.id },
    );
  }
  return { created: false, order: asPlaced(order) };
}

/** The stored order under this id, which must exist (its condition just failed). */
async function existing(orderId: string): Promise<Order> {
  const order = await getOrder(orderId);
  if (!order) throw new Error(`Order ${orderId} failed attribute_not_exists but cannot be read`);
  return order;
}

export async function placeOrder(request: PlaceOrderRequest): Promise<PlaceOrderOutcome> {
  const { principal, idempotencyKey, input, correlationId } = request;
  const customerId = orderCustomer(principal, input.customerId);
  const orderId = orderIdFor(principal.sub, idempotencyKey);
  const hash = orderRequestHash(customerId, input);
  const merged = mergeLines(input.lines);

  let fresh = false;
  for (let attempt = 0; attempt < MAX_INTAKE_ATTEMPTS; attempt++) {
    // Happy path: prices from this container's cache, then one transaction. The transaction
    // verifies every cached price (product version) and that the order is new (the derived id).
    const priced = await productsFor(
      merged.map((l) => l.sku),
      { fresh },
    );
    const products = priced.products;
    let pricing: ReturnType<typeof priceLines>;
    try {
      pricing = priceLines(input.lines, products);
    } catch (refusal) {
      // Refuse only on what the table says now, and never refuse a retry of a placed order.
      if (!priced.fresh) {
        fresh = true;
        attempt--;
        continue;
      }
      const placed = await getOrder(orderId);
      if (placed) return replay(placed, hash);
      throw refusal;
    }
    const { lines, currency, subtotal } = pricing;

    const placedAt = new Date().toISOString();
    let coupon: CouponRedemption;
    try {
      coupon = await redeemCoupon({
        couponCode: input.couponCode,
        orderId,
        customerId,
        subtotal,
        currency,
        now: placedAt,
        by: principal.sub,
        correlationId,
      });
    } catch (refusal) {
      // A coupon used up since never hides a retry of the order placed with it.
      const placed = await getOrder(orderId);
      if (placed) return replay(placed, hash);
      throw refusal;
    }
    const discount = Math.min(coupon.discount, subtotal);
    const points = await spendLoyaltyPoints({
      loyaltyPoints: input.loyaltyPoints,
      orderId,
      customerId,
      due: subtotal - discount,
      currency,
      now: placedAt,
      correlationId,
    });
    if (points.refusal) {
      const placed = await getOrder(orderId);
      if (placed) return replay(placed, hash);
      throw points.refusal;
    }
    const order: Order = {
      id: orderId,
      customerId,
      status: 'CONFIRMED',
      lines,
      subtotal,
      discount: discount + points.value,
      total: subtotal - discount - points.value,
      ...points.orderFields,
      currency,
      ...(input.couponCode === undefined ? {} : { couponCode: input.couponCode }),
      channel: input.channel,
      shippingAddress: input.shippingAddress,
      history: [{ status: 'CONFIRMED', at: placedAt, by: principal.sub }],
      shipments: [],
      placedAt,
      updatedAt: placedAt,
      placedBy: principal.sub,
      requestHash: hash,
    };
    const orderPlaced = emit(
      'OrderPlaced',
      { ...orderSummary(order), placedAt, shippingAddress: order.shippingAddress },
      { correlationId, occurredAt: placedAt },
    );

    const writes: TaggedWrite<IntakeTag>[] = [
      { tag: { kind: 'order' }, write: placeOrderPut(order) },
      { tag: { kind: 'outbox' }, write: orderPlaced },
      ...coupon.writes.map(({ part, write }) => ({ tag: { kind: 'coupon', part } as const, write })),
      ...points.writes.map((write) => ({ tag: { kind: 'loyalty' } as const, write })),
      ...lines.flatMap((line) => [
        {
          tag: { kind: 'stock', sku: line.sku } as const,
          write: reserveStockWrite(line.sku, line.quantity, placedAt),
        },
        {
          tag: { kind: 'product', sku: line.sku } as const,
          write: productUnchangedCheck(line.sku, products.get(line.sku)!.version),
        },
      ]),
    ];

    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) return { created: true, order };
    const failure = classifyIntakeFailure(outcome.failed);
    switch (failure.kind) {
      case 'duplicate':
        return replay(await existing(orderId), hash);
      case 'catalogue-changed':
        forget(failure.skus);
        fresh = true;
        continue;
      case 'out-of-stock': {
        // DynamoDB reports every failed condition, so a committed duplicate shows as 'duplicate'
        // above. This read covers the one gap: the winner still in flight (our order item was
        // conflicted, not failed) and committing before our last attempt was judged.
        const winner = await getOrder(orderId);
        if (winner) return replay(winner, hash);
        throw outOfStock(failure.skus);
      }
      case 'coupon': {
        const winner = await getOrder(orderId);
        if (winner) return replay(winner, hash);
        throw await coupon.refusal(failure.parts);
      }
      case 'loyalty':
        // The balance moved since it was read: plan the spend again on the new one.
        continue;
      case 'unexpected':
        throw new Error(`Order intake cancelled by ${JSON.stringify(failure.tags)}`);
    }
  }
  throw contention('The catalogue entry of a product in this order');
}
