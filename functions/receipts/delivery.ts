/**
 * eReceipts: the transactional email a customer gets when their order is invoiced, and the resend
 * on request. Transactional, so marketing consent plays no part; the customer's `eReceipts`
 * preference (default on) and having an email address do.
 *
 * **At most once per invoice.** The automatic receipt is claimed (receipts.ts) before SES is
 * called and its outcome written after, in the consumer's transaction with its marker:
 *
 * - crash or no answer from SES after the claim → the claim stays `sending`, and no redelivery
 *   sends again: the receipt may be missing (the crash window is one SES call long), never doubled.
 *   The `receipt outcome unknown` log line names the invoice; `POST /invoices/{id}/send` resends.
 * - SES throttled → the claim is released and the delivery fails, so SQS retries it.
 * - SES refused for good (4xx) → `failed` with SES's reason, no retry.
 *
 * We chose at-most-once over at-least-once (send, then mark) because a receipt is informational
 * and resendable on request, while a double receipt for one invoice reads like a double charge.
 *
 * Every outcome is a log line `receipt <outcome>` with `outcome` and, for suppressions, `reason`
 * (`no_customer`, `no_email`, `opted_out`, `already_sent`), so logs count what was sent and
 * suppressed per reason until metrics arrive.
 */
import type { EventOf } from '#events/catalog.ts';
import { type Customer, getCustomer } from '#functions/customers/customers.ts';
import { wantsEReceipts } from '#functions/customers/rules.ts';
import { getDocument, type InvoiceDocument } from '#functions/invoicing/documents.ts';
import { getInvoiceFor } from '#functions/invoicing/queries.ts';
import type { Principal } from '#shared/auth.ts';
import { AppError } from '#shared/errors.ts';
import { classifySendError, sendEmail } from '#shared/messaging.ts';
import { logger } from '#shared/observability.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import {
  claimReceipt,
  getReceipt,
  type Receipt,
  receiptFailedUpdate,
  receiptSentUpdate,
  recordResend,
  releaseReceipt,
} from './receipts.ts';
import { renderReceipt } from './render.ts';

export type Suppression = 'no_customer' | 'no_email' | 'opted_out' | 'already_sent';

/** Why a customer gets no receipt, or undefined when they get one (to `email`). */
export function suppressionOf(
  customer: Customer | undefined,
): Exclude<Suppression, 'already_sent'> | undefined {
  if (!customer) return 'no_customer';
  if (!customer.email) return 'no_email';
  if (!wantsEReceipts(customer)) return 'opted_out';
  return undefined;
}

/** The email of a document's receipt for a customer. */
export function receiptEmail(doc: InvoiceDocument, customer: Customer & { email: string }) {
  const rendered = renderReceipt(doc, customer.name);
  return {
    to: customer.email,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    category: 'transactional' as const,
    tags: { kind: 'ereceipt', invoiceId: doc.id, orderId: doc.orderId, customerId: doc.customerId },
  };
}

/**
 * Message ids this container sent per event id: when the framework re-runs a handler whose
 * writes lost a race, the claim it finds is its own and the receipt went out, so the `sent`
 * outcome is written again instead of being lost.
 */
const sentHere = new Map<string, string>();

/** The receipts consumer's effect of one InvoiceIssued: the outcome write, or none. */
export async function deliverReceipt(
  event: EventOf<'InvoiceIssued'>,
  tx: { now: string },
): Promise<readonly TransactWrite[]> {
  const { invoiceId, customerId, number } = event.data;
  const log = { invoiceId, number, customerId };
  const already = sentHere.get(event.id);
  if (already) return [receiptSentUpdate(invoiceId, event.id, already, tx.now)];

  const customer = await getCustomer(customerId);
  const suppressed = suppressionOf(customer);
  if (suppressed || !customer?.email) {
    logger.info('receipt suppressed', { ...log, outcome: 'suppressed', reason: suppressed ?? 'no_email' });
    return [];
  }
  const doc = await getDocument(invoiceId);
  // Written in the transaction that emitted the event: missing means a bug, so retry and alarm.
  if (!doc) throw new Error(`Invoice ${invoiceId} of InvoiceIssued ${event.id} does not exist`);

  const claimed = await claimReceipt({ invoiceId, number, customerId, eventId: event.id, at: tx.now });
  if (!claimed) {
    logger.info('receipt suppressed', { ...log, outcome: 'suppressed', reason: 'already_sent' });
    return [];
  }
  let messageId: string;
  try {
    messageId = await sendEmail(receiptEmail(doc, { ...customer, email: customer.email }));
  } catch (error) {
    const failure = classifySendError(error);
    if (failure === 'throttled') {
      await releaseReceipt(invoiceId, event.id);
      logger.warn('receipt throttled: released for a retry', { ...log, outcome: 'throttled' });
      throw error;
    }
    if (failure === 'refused') {
      logger.error('receipt refused by SES', { ...log, outcome: 'refused', error: error as Error });
      return [
        receiptFailedUpdate(invoiceId, event.id, `${(error as Error).name}: ${(error as Error).message}`),
      ];
    }
    // No answer: it may have gone out. At most once: the claim stays `sending`, no retry.
    logger.error('receipt outcome unknown: not sent again automatically (POST /invoices/{id}/send resends)', {
      ...log,
      outcome: 'unknown',
      error: error as Error,
    });
    return [];
  }
  sentHere.set(event.id, messageId);
  logger.info('receipt sent', { ...log, outcome: 'sent', messageId });
  return [receiptSentUpdate(invoiceId, event.id, messageId, tx.now)];
}

export interface ResendResult {
  readonly invoiceId: string;
  readonly number: string;
  readonly messageId: string;
  readonly to: string;
  readonly sentAt: string;
  readonly resends: number;
}

/**
 * `POST /invoices/{id}/send`: emails the document's receipt again, for its customer or staff.
 * Another customer's document is 404; a customer without an email or with eReceipts off is 422
 * `RECIPIENT_UNAVAILABLE` (nothing sent). SES throttling is 429 `RATE_LIMITED`.
 */
export async function resendReceipt(principal: Principal, invoiceId: string): Promise<ResendResult> {
  const doc = await getInvoiceFor(principal, invoiceId);
  const customer = await getCustomer(doc.customerId);
  const suppressed = suppressionOf(customer);
  if (suppressed || !customer?.email) {
    const reason = suppressed === 'opted_out' ? 'opted_out' : 'no_email';
    logger.info('receipt resend refused', { invoiceId, outcome: 'suppressed', reason });
    throw new AppError(
      'RECIPIENT_UNAVAILABLE',
      reason === 'opted_out'
        ? 'The customer turned eReceipts off: turn them on (PATCH /customers/{id}) to send receipts'
        : 'The customer has no email address to send the receipt to',
      { reason },
    );
  }
  let messageId: string;
  try {
    messageId = await sendEmail(receiptEmail(doc, { ...customer, email: customer.email }));
  } catch (error) {
    if (classifySendError(error) === 'throttled') {
      throw new AppError('RATE_LIMITED', 'Too many emails right now: try again in a minute');
    }
    throw error;
  }
  const at = new Date().toISOString();
  const receipt: Receipt = await recordResend({
    invoiceId: doc.id,
    number: doc.number,
    customerId: doc.customerId,
    messageId,
    at,
    by: principal.sub,
  });
  logger.info('receipt resent', { invoiceId, number: doc.number, outcome: 'resent', messageId });
  return {
    invoiceId: doc.id,
    number: doc.number,
    messageId,
    to: customer.email,
    sentAt: at,
    resends: receipt.resends,
  };
}

export { getReceipt };
