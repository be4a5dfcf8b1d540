/** Return (RMA) events (source `storeline.returns`). */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { IsoTimestamp, Sku } from '#shared/schemas.ts';

export const ReturnDisposition = z.enum(['restock', 'scrap']);

export const ReturnRequestedV1 = envelopeOf(
  'ReturnRequested',
  1,
  z.object({
    returnId: z.string(),
    orderId: z.string(),
    customerId: z.string(),
    lines: z.array(z.object({ sku: Sku, quantity: z.int().min(1) })).min(1),
    reason: z.string(),
    requestedAt: IsoTimestamp,
    /** The `sub` of whoever opened it: the customer or a staff member. */
    requestedBy: z.string(),
  }),
);

export const ReturnReceivedV1 = envelopeOf(
  'ReturnReceived',
  1,
  z.object({
    returnId: z.string(),
    orderId: z.string(),
    customerId: z.string(),
    /** What came back and what became of it: `restock` went back to `available`, `scrap` did not. */
    lines: z.array(z.object({ sku: Sku, quantity: z.int().min(1), disposition: ReturnDisposition })).min(1),
    receivedAt: IsoTimestamp,
    /** The staff member's `sub`. */
    receivedBy: z.string(),
  }),
);

export const ReturnApprovedV1 = envelopeOf(
  'ReturnApproved',
  1,
  z.object({
    returnId: z.string(),
    orderId: z.string(),
    customerId: z.string(),
    approvedAt: IsoTimestamp,
    /** The staff member's `sub`. */
    approvedBy: z.string(),
  }),
);

export const ReturnRejectedV1 = envelopeOf(
  'ReturnRejected',
  1,
  z.object({
    returnId: z.string(),
    orderId: z.string(),
    customerId: z.string(),
    /** The lines given back: the order may return them again. */
    lines: z.array(z.object({ sku: Sku, quantity: z.int().min(1) })).min(1),
    /** Rejected before approval, or approved goods that never arrived. */
    previousStatus: z.enum(['REQUESTED', 'APPROVED']),
    rejectedAt: IsoTimestamp,
    /** The staff member's `sub`. */
    rejectedBy: z.string(),
  }),
);
