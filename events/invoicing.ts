/**
 * Back-office document events (source `storeline.invoicing`). Amounts are integer minor units.
 * On a credit note every amount is negative: it negates what it credits, so an invoice plus its
 * credit notes sum to what the customer still owes.
 */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { Currency, IsoTimestamp, Sku } from '#shared/schemas.ts';
import { OrderChannel } from './orders.ts';

const DocumentLine = z.object({
  sku: Sku,
  quantity: z.int().min(1),
  /** Net line amount before tax (negative on a credit note). */
  net: z.int(),
  /** The line's tax, rounded per line (negative on a credit note). */
  tax: z.int(),
});

const DocumentTotals = z.object({
  currency: Currency,
  subtotal: z.int(),
  discount: z.int(),
  tax: z.int(),
  total: z.int(),
});

export const InvoiceIssuedV1 = envelopeOf(
  'InvoiceIssued',
  1,
  DocumentTotals.extend({
    invoiceId: z.string(),
    /** Gapless per calendar year: `INV-2026-000001`. */
    number: z.string(),
    orderId: z.string(),
    customerId: z.string(),
    /** The order's channel, so reports can net documents per channel. */
    channel: OrderChannel,
    lines: z.array(DocumentLine).min(1),
    issuedAt: IsoTimestamp,
  }),
);

export const CreditNoteIssuedV1 = envelopeOf(
  'CreditNoteIssued',
  1,
  DocumentTotals.extend({
    creditNoteId: z.string(),
    /** Gapless per calendar year in its own series: `CRN-2026-000001`. */
    number: z.string(),
    /** The invoice it credits. */
    invoiceId: z.string(),
    orderId: z.string(),
    customerId: z.string(),
    channel: OrderChannel,
    /** `cancellation` credits the whole invoice; `return` the returned lines only. */
    reason: z.enum(['cancellation', 'return']),
    returnId: z.string().optional(),
    lines: z.array(DocumentLine).min(1),
    issuedAt: IsoTimestamp,
  }),
);
