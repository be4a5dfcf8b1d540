/**
 * The orders HTTP contract (docs/api.md: orders). The topology, the handler and the OpenAPI document
 * are all built from these definitions.
 */
import * as z from 'zod';
import { OrderChannel, OrderLineData, OrderStatus } from '#events/orders.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { Currency, IsoTimestamp, Money, pageQueryShape, queryParams } from '#shared/schemas.ts';
import { CouponCode, CustomerId, OrderId, OrderLineInput, ShippingAddressInput } from './inputs.ts';
import { MAX_ORDER_LINES } from './rules.ts';

export { CouponCode, CustomerId, OrderId, OrderLineInput, ShippingAddressInput } from './inputs.ts';

export const PlaceOrderInput = z
  .strictObject({
    customerId: CustomerId.optional().meta({ description: 'Staff only: the customer ordered for' }),
    lines: z
      .array(OrderLineInput)
      .min(1)
      .max(MAX_ORDER_LINES, `At most ${MAX_ORDER_LINES} lines: one transaction reserves them all`),
    couponCode: CouponCode.optional(),
    loyaltyPoints: z
      .int()
      .min(1)
      .max(1_000_000_000)
      .optional()
      .meta({
        description:
          'Loyalty points to pay with, after the coupon discount (100 points = 1.00 EUR; docs/api.md, loyalty). ' +
          'More than the balance is `INSUFFICIENT_POINTS`; worth more than what is left to pay is `POINTS_NOT_APPLICABLE`',
      }),
    channel: OrderChannel.default('web'),
    shippingAddress: ShippingAddressInput,
  })
  .meta({ id: 'PlaceOrderInput' });
export type PlaceOrderInput = z.infer<typeof PlaceOrderInput>;

export const ShipOrderInput = z
  .strictObject({
    carrier: z.string().trim().min(1).max(100),
    trackingNumber: z.string().trim().min(1).max(100),
  })
  .meta({ id: 'ShipOrderInput' });

/** A priced line: the same shape the order events carry. */
export const OrderLine = OrderLineData;

export const Shipment = z.object({
  carrier: z.string(),
  trackingNumber: z.string(),
  shippedAt: IsoTimestamp,
  deliveredAt: IsoTimestamp.optional(),
});

export const Order = z
  .object({
    id: OrderId,
    customerId: z.string(),
    status: OrderStatus,
    lines: z.array(OrderLine),
    subtotal: Money,
    discount: Money,
    total: Money,
    currency: Currency,
    couponCode: z.string().optional(),
    loyaltyPoints: z.int().min(1).optional().meta({ description: 'Loyalty points spent on the order' }),
    loyaltyPointsValue: Money.optional().meta({
      description: 'What the points paid, in minor units; included in `discount`',
    }),
    channel: OrderChannel,
    shippingAddress: ShippingAddressInput,
    history: z.array(z.object({ status: OrderStatus, at: IsoTimestamp })),
    shipments: z.array(Shipment),
    invoiceId: z.string().optional(),
    creditNoteId: z.string().optional(),
    placedAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
  })
  .meta({ id: 'Order' });
export type OrderView = z.infer<typeof Order>;

export const OrderPage = z
  .object({ items: z.array(Order), nextCursor: z.string().nullable() })
  .meta({ id: 'OrderPage' });

const OrderParams = z.strictObject({ id: OrderId });

export const ListOrdersQuery = queryParams({
  ...pageQueryShape,
  customerId: CustomerId.optional().meta({
    description: 'Whose orders. Required for staff; a customer may leave it out or name themselves',
  }),
});

export const ordersTag: ApiTag = {
  name: 'orders',
  description:
    'Orders from placement to delivery. A customer places, reads, lists and cancels their own orders; ' +
    'staff act on anyone’s and record shipment and delivery. Placing reserves every line’s stock in one ' +
    'transaction, or nothing.',
};

export const orderRoutes = {
  placeOrder: defineRoute({
    method: 'POST',
    path: '/orders',
    operationId: 'placeOrder',
    summary: 'Place an order: prices from the catalogue, every line reserved atomically or none',
    description:
      'Any signed-in caller; a customer orders for themselves, staff may name `customerId`. Prices come ' +
      'from the catalogue, never from the request. Every line is reserved in one transaction: with too ' +
      'little stock for any line nothing is reserved and the answer is `OUT_OF_STOCK` naming the SKUs. ' +
      'The `Idempotency-Key` is required: a retry with the same key and body answers 201 with the same ' +
      'order; the same key with another body is `IDEMPOTENCY_KEY_REUSED`. The order is `CONFIRMED` at ' +
      'once and `FULFILLING` within seconds, when fulfilment has picked it up.',
    example: {
      lines: [{ sku: 'TSHIRT-RED-M', quantity: 2 }],
      shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'London', postalCode: 'N1', country: 'GB' },
    },
    tag: 'orders',
    access: 'authenticated',
    idempotencyKey: 'required',
    body: PlaceOrderInput,
    responses: { 201: { description: 'Order placed (or the first response to this key)', schema: Order } },
    errors: [
      'FORBIDDEN',
      'OUT_OF_STOCK',
      'IDEMPOTENCY_KEY_REUSED',
      'COUPON_NOT_APPLICABLE',
      'RATE_LIMITED',
      'INSUFFICIENT_POINTS',
      'POINTS_NOT_APPLICABLE',
    ],
  }),
  getOrder: defineRoute({
    method: 'GET',
    path: '/orders/{id}',
    operationId: 'getOrder',
    summary: 'An order (its customer or staff)',
    description:
      'Its customer or staff. Another customer’s order is `NOT_FOUND`, not `FORBIDDEN`: its existence is not theirs to learn.',
    tag: 'orders',
    access: 'authenticated',
    params: OrderParams,
    responses: { 200: { description: 'The order', schema: Order } },
    errors: ['NOT_FOUND'],
  }),
  listOrders: defineRoute({
    method: 'GET',
    path: '/orders',
    operationId: 'listOrders',
    summary: "A customer's orders, newest first",
    description:
      'A customer lists their own orders; naming another customer is `FORBIDDEN`. Staff must name ' +
      '`customerId`. Paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'orders',
    access: 'authenticated',
    query: ListOrdersQuery,
    responses: { 200: { description: 'One page of orders', schema: OrderPage } },
    errors: ['FORBIDDEN'],
  }),
  cancelOrder: defineRoute({
    method: 'POST',
    path: '/orders/{id}/cancel',
    operationId: 'cancelOrder',
    summary: 'Cancel before shipment: every reservation and the coupon are released',
    description:
      'Its customer or staff, while the order is `CONFIRMED` or `FULFILLING`; afterwards `INVALID_STATE`. ' +
      'The reserved stock becomes available again in the same transaction; loyalty points the order spent ' +
      'are given back within seconds.',
    tag: 'orders',
    access: 'authenticated',
    params: OrderParams,
    responses: { 200: { description: 'The cancelled order', schema: Order } },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'RATE_LIMITED'],
  }),
  shipOrder: defineRoute({
    method: 'POST',
    path: '/orders/{id}/ship',
    operationId: 'shipOrder',
    summary: 'Record the shipment: reserved stock becomes shipped',
    description:
      'Staff only, from `CONFIRMED` or `FULFILLING`. The carrier and tracking number are kept on the order.',
    example: { carrier: 'DHL', trackingNumber: '00340434161094042557' },
    tag: 'orders',
    access: 'staff',
    params: OrderParams,
    body: ShipOrderInput,
    responses: { 200: { description: 'The shipped order', schema: Order } },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'RATE_LIMITED'],
  }),
  deliverOrder: defineRoute({
    method: 'POST',
    path: '/orders/{id}/deliver',
    operationId: 'deliverOrder',
    summary: 'Record the delivery',
    description: 'Staff only, from `SHIPPED`.',
    tag: 'orders',
    access: 'staff',
    params: OrderParams,
    responses: { 200: { description: 'The delivered order', schema: Order } },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'RATE_LIMITED'],
  }),
} as const;
