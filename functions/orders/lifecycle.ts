/**
 * Order transitions after intake: cancel, ship, deliver. Each is one `TransactWriteItems`: the
 * order moved with a condition on the status (and `updatedAt`) it was read in, its `history`
 * appended, every line's stock moved (released or shipped), the coupon released on cancellation,
 * and the event in the outbox. Two racing transitions: one commits, the other re-reads and gets
 * 409 `INVALID_STATE` (or, if the new status still allows it, tries again).
 */

import { emit } from '#events/emit.ts';
import { releaseStockWrite, shipStockWrite } from '#functions/catalog/products.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import type { OutboxPut } from '#shared/outbox.ts';
import {
  backoff,
  contention,
  type TaggedWrite,
  type TransactWrite,
  transactWrite,
} from '#shared/transactions.ts';
import { releaseCouponWrites } from './coupons.ts';
import { orderSummary } from './events.ts';
import { getOrderFor, type Order, type OrderTransitionChange, orderTransitionUpdate } from './orders.ts';
import { assertTransition, TRANSITIONS, type TransitionName } from './rules.ts';

/** Optimistic attempts before a transition gives up to concurrent writers (429). */
const MAX_TRANSITION_ATTEMPTS = 5;

export interface TransitionRequest {
  readonly orderId: string;
  readonly principal: Principal;
  readonly correlationId: string;
}

type TransitionTag = 'order' | 'stock' | 'coupon' | 'outbox';

interface Plan {
  readonly change: OrderTransitionChange;
  /** The transition's event, from `emit`. */
  readonly event: OutboxPut;
  readonly extra: readonly TransactWrite[];
}

/** The order after the change, as the committed transaction leaves it. */
function applied(order: Order, change: OrderTransitionChange): Order {
  return {
    ...order,
    status: change.to,
    updatedAt: change.at,
    history: [...order.history, change.entry],
    shipments: change.shipments
      ? [...change.shipments]
      : change.shipment
        ? [...order.shipments, change.shipment]
        : order.shipments,
  };
}

function stockWrites(name: TransitionName, order: Order, at: string): TransactWrite[] {
  const effect = TRANSITIONS[name].stock;
  if (effect === 'none') return [];
  const write = effect === 'release' ? releaseStockWrite : shipStockWrite;
  return order.lines.map((line) => write(line.sku, line.quantity, at));
}

async function transition(
  name: TransitionName,
  request: TransitionRequest,
  plan: (order: Order, at: string) => Plan,
): Promise<Order> {
  const { orderId, principal } = request;
  for (let attempt = 0; attempt < MAX_TRANSITION_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt - 1);
    const order = await getOrderFor(principal, orderId);
    if (TRANSITIONS[name].who === 'staff' && !principal.isStaff) {
      throw new AppError('FORBIDDEN', `Only staff may ${name} an order`);
    }
    assertTransition(name, order.status);
    const at = new Date().toISOString();
    const { change, event, extra } = plan(order, at);
    const writes: TaggedWrite<TransitionTag>[] = [
      { tag: 'order', write: orderTransitionUpdate(order, change) },
      ...stockWrites(name, order, at).map((write) => ({ tag: 'stock' as const, write })),
      ...extra.map((write) => ({ tag: 'coupon' as const, write })),
      { tag: 'outbox', write: event },
    ];
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) return applied(order, change);
    // The order moved since we read it: read it again and let the rules decide.
    if (outcome.failed.includes('order')) continue;
    // A reservation that is not there breaks the conservation invariant: never paper over it.
    throw new Error(`Order ${orderId} ${name} cancelled by ${outcome.failed.join(', ')}`);
  }
  throw contention(`Order ${orderId}`);
}

/**
 * Cancels before shipment (owner or staff): every reservation and the coupon are released,
 * `OrderCancelled` is emitted.
 */
export async function cancelOrder(request: TransitionRequest & { readonly reason?: string }): Promise<Order> {
  const by = request.principal.sub;
  return transition('cancel', request, (order, at) => {
    // Narrowed by assertTransition: cancel starts only from CONFIRMED or FULFILLING.
    const previousStatus = order.status === 'FULFILLING' ? 'FULFILLING' : 'CONFIRMED';
    return {
      change: {
        to: 'CANCELLED',
        at,
        entry: { status: 'CANCELLED', at, by, ...(request.reason ? { reason: request.reason } : {}) },
      },
      extra: releaseCouponWrites(order, { at, correlationId: request.correlationId }),
      event: emit(
        'OrderCancelled',
        {
          ...orderSummary(order),
          cancelledAt: at,
          previousStatus,
          ...(request.reason ? { reason: request.reason } : {}),
          cancelledBy: by,
        },
        { correlationId: request.correlationId, occurredAt: at },
      ),
    };
  });
}

/** Ships (staff): reserved stock becomes shipped, the shipment is recorded, `OrderShipped` emitted. */
export async function shipOrder(
  request: TransitionRequest & { readonly carrier: string; readonly trackingNumber: string },
): Promise<Order> {
  const { carrier, trackingNumber } = request;
  return transition('ship', request, (order, at) => ({
    change: {
      to: 'SHIPPED',
      at,
      entry: { status: 'SHIPPED', at, by: request.principal.sub },
      shipment: { carrier, trackingNumber, shippedAt: at },
    },
    extra: [],
    event: emit(
      'OrderShipped',
      {
        orderId: order.id,
        customerId: order.customerId,
        carrier,
        trackingNumber,
        shippedAt: at,
        lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })),
      },
      { correlationId: request.correlationId, occurredAt: at },
    ),
  }));
}

/** Delivers (staff): the shipment is stamped delivered, `OrderDelivered` emitted. */
export async function deliverOrder(request: TransitionRequest): Promise<Order> {
  return transition('deliver', request, (order, at) => ({
    change: {
      to: 'DELIVERED',
      at,
      entry: { status: 'DELIVERED', at, by: request.principal.sub },
      shipments: order.shipments.map((s) => ({ ...s, deliveredAt: s.deliveredAt ?? at })),
    },
    extra: [],
    event: emit(
      'OrderDelivered',
      { orderId: order.id, customerId: order.customerId, deliveredAt: at },
      { correlationId: request.correlationId, occurredAt: at },
    ),
  }));
}
