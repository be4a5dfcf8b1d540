/**
 * The event catalogue: every detail-type, its current version's schema, who emits it, and its
 * sample payload (`events/samples/<Type>.v<version>.json`) that consumer tests and the
 * compatibility test use. Who consumes each event comes from the topology's consumer specs.
 */
import type * as z from 'zod';
import { FulfilmentStartedV1 } from './fulfilment.ts';
import { StockChangedV1 } from './inventory.ts';
import { OrderCancelledV1, OrderDeliveredV1, OrderPlacedV1, OrderShippedV1 } from './orders.ts';

export interface CatalogueEntry {
  readonly version: number;
  /** The envelope schema with `data` typed. */
  readonly schema: z.ZodType;
  /** EventBridge `source`: `storeline.<context>`. */
  readonly source: string;
  readonly description: string;
}

export const eventCatalogue = {
  OrderPlaced: {
    version: 1,
    schema: OrderPlacedV1,
    source: 'storeline.orders',
    description: 'An order was accepted: stock for every line is reserved (status CONFIRMED).',
  },
  OrderCancelled: {
    version: 1,
    schema: OrderCancelledV1,
    source: 'storeline.orders',
    description: 'An order was cancelled before shipment; its reservations and coupon were released.',
  },
  OrderShipped: {
    version: 1,
    schema: OrderShippedV1,
    source: 'storeline.orders',
    description: 'An order left the warehouse: reserved stock became shipped.',
  },
  OrderDelivered: {
    version: 1,
    schema: OrderDeliveredV1,
    source: 'storeline.orders',
    description: 'The carrier delivered an order.',
  },
  StockChanged: {
    version: 1,
    schema: StockChangedV1,
    source: 'storeline.catalog',
    description: 'A stock movement (receipt, adjustment, count) changed a SKU’s available quantity.',
  },
  FulfilmentStarted: {
    version: 1,
    schema: FulfilmentStartedV1,
    source: 'storeline.fulfilment',
    description: 'A pick list was created for an order, which moved to FULFILLING.',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type EventType = keyof typeof eventCatalogue;
export type EventOf<T extends EventType> = z.infer<(typeof eventCatalogue)[T]['schema']>;
export type EventData<T extends EventType> = EventOf<T>['data'];
