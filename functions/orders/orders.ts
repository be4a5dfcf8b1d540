/**
 * The order item. This module owns its keys, its GSI keys and its stored shape; every access
 * pattern is a named function, and every write carries a condition.
 *
 * | item  | pk           | sk    | gsi1pk              | gsi1sk                      |
 * |-------|--------------|-------|---------------------|-----------------------------|
 * | order | ORDER#<id>   | ORDER | CUSTOMER#<customer> | ORDER#<placedAt>#<id>       |
 *
 * The id is derived from the caller and their Idempotency-Key (see intake.ts), so it does not sort
 * by time; `placedAt` in `gsi1sk` gives "a customer's orders, newest first".
 *
 * Writers other than this context (fulfilment moving an order to FULFILLING, invoicing adding an
 * invoice id) must set `updatedAt` and condition on `status`: lifecycle transitions use
 * `status` + `updatedAt` as their optimistic guard. Exception: invoicing records `invoiceId` and
 * `creditNoteId` through `orderDocumentsUpdate` (below), which sets only those attributes (no
 * transition writes them, so none can clobber them) and leaves the guard alone.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { OrderChannel, OrderStatus, ShippingAddress } from '#events/orders.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { listOwner, visibleTo } from '#shared/ownership.ts';
import { queryPage } from '#shared/query-page.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import type { OrderView } from './contract.ts';

export const ORDER_PK_PREFIX = 'ORDER#';
export const orderPk = (id: string): string => `${ORDER_PK_PREFIX}${id}`;
export const orderKey = (id: string) => ({ pk: orderPk(id), sk: 'ORDER' }) as const;
export const customerOrdersPk = (customerId: string): string => `CUSTOMER#${customerId}`;
export const CUSTOMER_ORDER_SK_PREFIX = 'ORDER#';
export const customerOrderSk = (placedAt: string, id: string): string =>
  `${CUSTOMER_ORDER_SK_PREFIX}${placedAt}#${id}`;

const HistoryEntry = z.object({
  status: OrderStatus,
  at: z.string(),
  /** Who moved it (a `sub`); absent when a system consumer did. */
  by: z.string().optional(),
  reason: z.string().optional(),
});

const StoredShipment = z.object({
  carrier: z.string(),
  trackingNumber: z.string(),
  shippedAt: z.string(),
  deliveredAt: z.string().optional(),
});

/** An order as stored (without its key attributes). */
export const OrderRecord = z.object({
  id: z.string(),
  customerId: z.string(),
  status: OrderStatus,
  lines: z.array(
    z.object({
      sku: z.string(),
      name: z.string(),
      quantity: z.int(),
      unitPrice: z.int(),
      lineTotal: z.int(),
    }),
  ),
  subtotal: z.int(),
  discount: z.int(),
  total: z.int(),
  currency: z.string(),
  couponCode: z.string().optional(),
  /** Loyalty points spent on the order, and what they paid (part of `discount`). */
  loyaltyPoints: z.int().min(1).optional(),
  loyaltyPointsValue: z.int().min(0).optional(),
  channel: OrderChannel,
  shippingAddress: ShippingAddress,
  history: z.array(HistoryEntry),
  shipments: z.array(StoredShipment).default([]),
  invoiceId: z.string().optional(),
  creditNoteId: z.string().optional(),
  placedAt: z.string(),
  updatedAt: z.string(),
  /** The principal who placed it (the customer, or staff ordering for them). */
  placedBy: z.string(),
  /** Fingerprint of the request that created it: a retry must match (see intake.ts). */
  requestHash: z.string(),
});
export type Order = z.infer<typeof OrderRecord>;
export type HistoryEntry = z.infer<typeof HistoryEntry>;
export type Shipment = z.infer<typeof StoredShipment>;

export function orderToItem(order: Order) {
  return {
    ...orderKey(order.id),
    entity: 'Order',
    gsi1pk: customerOrdersPk(order.customerId),
    gsi1sk: customerOrderSk(order.placedAt, order.id),
    ...order,
  };
}

export function orderFromItem(item: unknown): Order {
  return OrderRecord.parse(item);
}

/**
 * The order exactly as intake placed it, whatever happened to it since: what a retry of the
 * placing request answers (the first response, byte for byte). Lines, prices, address and coupon
 * never change after intake; status, history and the rest are reset to their placed values.
 */
export function asPlaced(order: Order): Order {
  const { invoiceId: _invoice, creditNoteId: _creditNote, ...placed } = order;
  return {
    ...placed,
    status: 'CONFIRMED',
    history: order.history.slice(0, 1),
    shipments: [],
    updatedAt: order.placedAt,
  };
}

type OptionalViewField = 'couponCode' | 'invoiceId' | 'creditNoteId' | 'loyaltyPoints' | 'loyaltyPointsValue';

/** What clients see: no fingerprint, no principal of whoever moved it. */
export function orderView(order: Order): OrderView {
  const optional = <K extends OptionalViewField>(key: K) =>
    order[key] === undefined ? {} : { [key]: order[key] };
  const { line2, ...address } = order.shippingAddress;
  return {
    id: order.id,
    customerId: order.customerId,
    status: order.status,
    lines: order.lines.map(({ sku, name, quantity, unitPrice, lineTotal }) => ({
      sku,
      name,
      quantity,
      unitPrice,
      lineTotal,
    })),
    subtotal: order.subtotal,
    discount: order.discount,
    total: order.total,
    currency: order.currency,
    ...optional('couponCode'),
    ...optional('loyaltyPoints'),
    ...optional('loyaltyPointsValue'),
    channel: order.channel,
    shippingAddress: { ...address, ...(line2 === undefined ? {} : { line2 }) },
    history: order.history.map(({ status, at }) => ({ status, at })),
    shipments: order.shipments.map((s) => ({ ...s })),
    ...optional('invoiceId'),
    ...optional('creditNoteId'),
    placedAt: order.placedAt,
    updatedAt: order.updatedAt,
  };
}

/** One order by id, strongly consistent (a client reads its own write right after placing it). */
export async function getOrder(id: string): Promise<Order | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: orderKey(id), ConsistentRead: true }),
  );
  return result.Item ? orderFromItem(result.Item) : undefined;
}

/** A customer's orders, newest first, from `gsi1`; the cursor is pinned to the customer. */
export async function listOrdersForCustomer(
  customerId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: Order[]; nextCursor: string | null }> {
  return queryPage({
    index: 'gsi1',
    partition: customerOrdersPk(customerId),
    sortKeyPrefix: CUSTOMER_ORDER_SK_PREFIX,
    order: 'newest-first',
    page,
    parse: orderFromItem,
  });
}

/** An order the principal may see (owner or staff); 404 `NOT_FOUND` otherwise. */
export async function getOrderFor(principal: Principal, id: string): Promise<Order> {
  return visibleTo(principal, await getOrder(id), (order) => order.customerId, `Order ${id}`);
}

/**
 * A page of one customer's orders for the principal: a customer's own (another customer's is 403),
 * or, for staff, the customer they name.
 */
export async function listOrdersFor(
  principal: Principal,
  query: { customerId?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: Order[]; nextCursor: string | null }> {
  return listOrdersForCustomer(listOwner(principal, query.customerId, 'customerId', 'orders'), query);
}

/** Writes a new order; fails if the id is taken (the idempotency guard). */
export function placeOrderPut(order: Order): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: orderToItem(order),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export interface OrderTransitionChange {
  readonly to: Order['status'];
  readonly at: string;
  readonly entry: HistoryEntry;
  /** Appended to `shipments`. */
  readonly shipment?: Shipment;
  /** Replaces `shipments` (delivery stamps the shipment). */
  readonly shipments?: readonly Shipment[];
}

/**
 * Moves an order from the status it was read in to `change.to`, appending to `history`. The
 * condition is the optimistic guard: still in that status and not written since it was read.
 */
export function orderTransitionUpdate(order: Order, change: OrderTransitionChange): TransactWrite {
  const sets = ['#status = :to', 'updatedAt = :at', 'history = list_append(history, :entry)'];
  const values: Record<string, unknown> = {
    ':to': change.to,
    ':at': change.at,
    ':entry': [change.entry],
    ':from': order.status,
    ':read': order.updatedAt,
  };
  if (change.shipment) {
    sets.push('shipments = list_append(if_not_exists(shipments, :none), :shipment)');
    values[':shipment'] = [change.shipment];
    values[':none'] = [];
  }
  if (change.shipments) {
    sets.push('shipments = :shipments');
    values[':shipments'] = change.shipments;
  }
  return {
    Update: {
      TableName: tableName,
      Key: orderKey(order.id),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: '#status = :from AND updatedAt = :read',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * Records invoicing documents on the order (the invoicing consumer): its invoice, and the credit
 * note of its cancellation. Sets only these attributes, whatever the status (a cancelled order is
 * invoiced and credited too), and not `updatedAt`: no transition writes them, so a transition that
 * read the order earlier cannot clobber them, and a cancel or ship never loses its optimistic
 * guard to the invoicing consumer. An id once set is never replaced by another.
 */
export function orderDocumentsUpdate(
  orderId: string,
  ids: { readonly invoiceId?: string; readonly creditNoteId?: string },
): TransactWrite {
  const sets: string[] = [];
  const conditions = ['attribute_exists(pk)'];
  const values: Record<string, unknown> = {};
  for (const name of ['invoiceId', 'creditNoteId'] as const) {
    const id = ids[name];
    if (id === undefined) continue;
    sets.push(`${name} = :${name}`);
    conditions.push(`(attribute_not_exists(${name}) OR ${name} = :${name})`);
    values[`:${name}`] = id;
  }
  if (sets.length === 0) throw new Error('orderDocumentsUpdate needs invoiceId or creditNoteId');
  return {
    Update: {
      TableName: tableName,
      Key: orderKey(orderId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeValues: values,
    },
  };
}
