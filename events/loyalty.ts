/** Loyalty events (source `storeline.loyalty`). */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { IsoTimestamp } from '#shared/schemas.ts';

/** earn: an order was delivered; spend: points paid part of an order; reverse: a return took back
 * points earned; refund: a cancelled order gave back the points it spent. */
export const LoyaltyEntryKind = z.enum(['earn', 'spend', 'reverse', 'refund']);

export const LoyaltyPointsChangedV1 = envelopeOf(
  'LoyaltyPointsChanged',
  1,
  z.object({
    customerId: z.string(),
    /** The ledger entry this change wrote. */
    entryId: z.string(),
    kind: LoyaltyEntryKind,
    /** Signed: positive for earn and refund, negative for spend and reverse. */
    points: z.int(),
    /** The balance after this entry (= the sum of the ledger). */
    balance: z.int().min(0),
    /** The cause: the order, and for a reversal the return. */
    orderId: z.string().optional(),
    returnId: z.string().optional(),
    changedAt: IsoTimestamp,
  }),
);
