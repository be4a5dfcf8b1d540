/** Order lifecycle events (source `storeline.orders`). */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { Currency, IsoTimestamp, Money, Sku } from '#shared/schemas.ts';

export const OrderChannel = z.enum(['web', 'mobile', 'phone', 'email']);
export type OrderChannel = z.infer<typeof OrderChannel>;

/** CONFIRMED → FULFILLING → SHIPPED → DELIVERED; CANCELLED from CONFIRMED or FULFILLING. */
export const OrderStatus = z.enum(['CONFIRMED', 'FULFILLING', 'SHIPPED', 'DELIVERED', 'CANCELLED']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const ShippingAddress = z.object({
  name: z.string(),
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  postalCode: z.string(),
  /** ISO 3166-1 alpha-2. */
  country: z.string(),
});

export const OrderLineData = z.object({
  sku: Sku,
  name: z.string(),
  quantity: z.int().min(1),
  unitPrice: Money,
  lineTotal: Money,
});

const OrderSummary = z.object({
  orderId: z.string(),
  customerId: z.string(),
  channel: OrderChannel,
  currency: Currency,
  lines: z.array(OrderLineData).min(1),
  subtotal: Money,
  discount: Money,
  total: Money,
  couponCode: z.string().optional(),
});

export const OrderPlacedV1 = envelopeOf(
  'OrderPlaced',
  1,
  OrderSummary.extend({
    placedAt: IsoTimestamp,
    /** Where fulfilment ships to; optional so that adding it kept v1 backwards compatible. */
    shippingAddress: ShippingAddress.optional(),
  }),
);
export const OrderCancelledV1 = envelopeOf(
  'OrderCancelled',
  1,
  OrderSummary.extend({
    cancelledAt: IsoTimestamp,
    /** Status the order was in when cancelled. */
    previousStatus: z.enum(['CONFIRMED', 'FULFILLING']),
    reason: z.string().optional(),
    cancelledBy: z.string(),
  }),
);
export const OrderShippedV1 = envelopeOf(
  'OrderShipped',
  1,
  z.object({
    orderId: z.string(),
    customerId: z.string(),
    carrier: z.string(),
    trackingNumber: z.string(),
    shippedAt: IsoTimestamp,
    lines: z.array(z.object({ sku: Sku, quantity: z.int().min(1) })).min(1),
  }),
);
export const OrderDeliveredV1 = envelopeOf(
  'OrderDelivered',
  1,
  z.object({ orderId: z.string(), customerId: z.string(), deliveredAt: IsoTimestamp }),
);
