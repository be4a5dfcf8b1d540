/**
 * The receipts HTTP contract: `POST /invoices/{id}/send` emails an invoice's (or credit note's)
 * receipt again. Served by its own function (`receiptsApi`), so the invoices API stays read-only
 * and without SES permissions.
 */
import * as z from 'zod';
import { InvoiceId } from '#functions/invoicing/contract.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { IsoTimestamp } from '#shared/schemas.ts';

export const ReceiptSent = z
  .object({
    invoiceId: InvoiceId,
    number: z.string().meta({ description: 'The document number, e.g. `INV-2026-000042`' }),
    messageId: z
      .string()
      .meta({ description: 'The email provider’s message id (SES; locally the mailbox’s)' }),
    to: z.string().meta({ description: 'The customer’s email address it was sent to' }),
    sentAt: IsoTimestamp,
    resends: z.int().min(1).meta({ description: 'Receipts sent on request for this document so far' }),
  })
  .meta({ id: 'ReceiptSent' });
export type ReceiptSentView = z.infer<typeof ReceiptSent>;

export const receiptsTag: ApiTag = {
  name: 'receipts',
  description:
    'eReceipts: when an order is invoiced its customer gets the receipt by email (transactional: no marketing ' +
    'consent needed), at most once per invoice, unless they turned eReceipts off (`eReceipts: false` on the ' +
    'customer) or have no email address. A receipt can be sent again on request.',
};

export const receiptRoutes = {
  sendReceipt: defineRoute({
    method: 'POST',
    path: '/invoices/{id}/send',
    operationId: 'sendReceipt',
    summary: 'Email an invoice’s receipt again (the order’s customer or staff)',
    description:
      'Sends the receipt of an invoice or credit note to its customer’s email address now and answers 202 with ' +
      'the provider’s message id; each call sends one email. Another customer’s document is `NOT_FOUND`. A ' +
      'customer without an email address, or who turned eReceipts off, is 422 `RECIPIENT_UNAVAILABLE` with ' +
      '`reason` (`no_email`, `opted_out`) and nothing is sent. When the email provider throttles, 429 ' +
      '`RATE_LIMITED`: try again shortly.',
    tag: 'receipts',
    access: 'authenticated',
    params: z.strictObject({ id: InvoiceId }),
    responses: { 202: { description: 'The receipt was handed to the email provider', schema: ReceiptSent } },
    errors: ['NOT_FOUND', 'RECIPIENT_UNAVAILABLE', 'RATE_LIMITED'],
  }),
} as const;
