/** Replenishment events (source `storeline.replenishment`): low stock and goods received. */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { Currency, IsoTimestamp, Money, Sku } from '#shared/schemas.ts';

export const StockLowV1 = envelopeOf(
  'StockLow',
  1,
  /**
   * A SKU's `available` fell to or below its reorder point: emitted once per crossing (the SKU's
   * replenishment state moved OK → LOW), with the suggestion created for it.
   */
  z.object({
    sku: Sku,
    /** The replenishment suggestion created with this event (`GET /replenishments`). */
    replenishmentId: z.string(),
    /** `available` as read when the crossing was detected; at most `reorderPoint`. */
    available: z.int().min(0),
    reorderPoint: z.int().min(0),
    /** What the suggestion proposes to order. */
    suggestedQuantity: z.int().min(1),
    detectedAt: IsoTimestamp,
  }),
);

export const StockReplenishedV1 = envelopeOf(
  'StockReplenished',
  1,
  /** One receipt against a purchase order: the goods are available, a movement per line. */
  z.object({
    purchaseOrderId: z.string(),
    receiptId: z.string(),
    supplier: z.string(),
    currency: Currency,
    lines: z
      .array(
        z.object({
          sku: Sku,
          quantity: z.int().min(1),
          /** Cost per unit on the purchase order, minor units of `currency`. */
          unitCost: Money,
          /** The stock movement (reason `receipt`) that added them. */
          movementId: z.string(),
        }),
      )
      .min(1),
    /** The purchase order's status after this receipt. */
    status: z.enum(['PARTIALLY_RECEIVED', 'RECEIVED']),
    receivedAt: IsoTimestamp,
    /** The staff member's `sub`. */
    receivedBy: z.string(),
  }),
);
