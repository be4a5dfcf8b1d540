/** What the orders context says in its events (emitted through `#events/emit.ts`). */
import type { Order } from './orders.ts';

/** What every order event says about the order: its identity, lines and money. */
export function orderSummary(order: Order) {
  return {
    orderId: order.id,
    customerId: order.customerId,
    channel: order.channel,
    currency: order.currency,
    lines: order.lines,
    subtotal: order.subtotal,
    discount: order.discount,
    total: order.total,
    ...(order.couponCode === undefined ? {} : { couponCode: order.couponCode }),
  };
}
