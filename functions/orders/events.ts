/**
 * The orders context's events, stamped by `newEvent` with the catalogue's version and source and
 * checked against their schema before they reach the outbox: a malformed event fails the request
 * that would have written it, never a consumer downstream.
 */
import { type EventData, type EventOf, eventCatalogue } from '#events/catalog.ts';
import { newEvent } from '#shared/outbox.ts';
import type { Order } from './orders.ts';

export type OrderEventType = 'OrderPlaced' | 'OrderCancelled' | 'OrderShipped' | 'OrderDelivered';

export function orderEvent<T extends OrderEventType>(
  type: T,
  data: EventData<T>,
  context: { readonly correlationId: string; readonly occurredAt: string },
): EventOf<T> {
  const entry = eventCatalogue[type];
  const event = newEvent({
    type,
    version: entry.version,
    source: entry.source,
    correlationId: context.correlationId,
    occurredAt: context.occurredAt,
    data,
  });
  return entry.schema.parse(event) as EventOf<T>;
}

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
