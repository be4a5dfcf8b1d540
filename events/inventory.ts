/** Stock events (source `storeline.catalog`). */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { IsoTimestamp, Sku } from '#shared/schemas.ts';

export const StockChangedV1 = envelopeOf(
  'StockChanged',
  1,
  /**
   * A movement, as a delta. The resulting levels are deliberately not carried: orders move the same
   * stock item concurrently and a transaction cannot read what it writes, so any level put here
   * would be a guess or would force movements to lose every race against a flash sale. Consumers
   * needing levels read them (`GET /products/{sku}`); `movementId` orders movements of one SKU.
   */
  z.object({
    sku: Sku,
    /** The movement's reason. */
    cause: z.enum(['receipt', 'adjustment', 'count']),
    /** ULID of the movement: unique, and sorts a SKU's movements in the order they were recorded. */
    movementId: z.string(),
    /** Signed change to `available` (and to `received`, the sum of all movements). */
    quantity: z.int(),
    note: z.string().optional(),
    occurredAt: IsoTimestamp,
    /** The staff member's `sub`. */
    by: z.string(),
    /** A receipt against a purchase order: its id (optional, added compatibly to v1). */
    purchaseOrderId: z.string().optional(),
  }),
);
