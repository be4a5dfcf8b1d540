/** Fulfilment events (source `storeline.fulfilment`). */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { IsoTimestamp, Sku } from '#shared/schemas.ts';

export const FulfilmentStartedV1 = envelopeOf(
  'FulfilmentStarted',
  1,
  z.object({
    orderId: z.string(),
    pickListId: z.string(),
    lines: z.array(z.object({ sku: Sku, name: z.string(), quantity: z.int().min(1) })).min(1),
    startedAt: IsoTimestamp,
  }),
);
