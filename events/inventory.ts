/** Stock events (source `storeline.catalog`). */
import { z } from 'zod';
import { IsoTimestamp, Sku } from '#shared/schemas.ts';
import { envelopeOf } from './envelope.ts';

export const StockChangedV1 = envelopeOf(
  'StockChanged',
  1,
  z.object({
    sku: Sku,
    /** What moved the stock: a movement's reason, or the order transition that did. */
    cause: z.enum(['receipt', 'adjustment', 'count']),
    movementId: z.string(),
    quantity: z.int(),
    available: z.int().min(0),
    reserved: z.int().min(0),
    shipped: z.int().min(0),
    occurredAt: IsoTimestamp,
    by: z.string(),
  }),
);
