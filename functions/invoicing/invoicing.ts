/**
 * Issuing invoices and credit notes from order and return events. Each handler reads what it
 * needs, then returns ONE transaction's writes (committed by the consumer framework with its
 * marker): the counter advance, the document, the order's invoicing record, the order's ids and
 * the event, together or not at all.
 *
 * - `OrderPlaced` → the order's invoice. An order is invoiced when placed, so cancelling it before
 *   shipment credits the invoice (the base contract's "a credit note if already invoiced" is then
 *   always the case once the invoice exists).
 * - `OrderCancelled` → a credit note for everything not yet credited (the whole invoice).
 * - `ReturnReceived` → a credit note for the returned units only.
 *
 * SQS gives no order between these events. When a cancellation or a return arrives before the
 * invoice exists, the invoice is issued first, in the same transaction as the credit note; the
 * later `OrderPlaced` finds the order's invoicing record and does nothing. Two deliveries racing
 * for the same order both try to create that record (`attribute_not_exists`) or replace it at the
 * version they read: one commits, the other's transaction is refused as a whole and the framework
 * re-runs its handler, which then sees what the first one did.
 */
import { ulid } from 'ulid';
import type { EventData, EventOf } from '#events/catalog.ts';
import type { ConsumerTx } from '#events/consumer.ts';
import { getOrder, type Order, orderDocumentsUpdate } from '#functions/orders/orders.ts';
import { logger } from '#shared/observability.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { defaultTaxRateBps, seller } from './config.ts';
import {
  counterAdvance,
  documentPut,
  formatNumber,
  getCounter,
  getDocument,
  getOrderInvoicing,
  type InvoiceDocument,
  type OrderInvoicing,
  orderInvoicingPut,
  type Series,
} from './documents.ts';
import { type CreditRequest, planCredit, priceInvoice, remainingUnits, taxRateFor } from './tax.ts';

/** The next number of a series, and the writes that take it. */
interface Numbered {
  readonly number: string;
  readonly issuedAt: string;
  readonly write: TransactWrite;
}

/**
 * Takes the next number of `series` in the UTC year of `now`. `issuedAt` is never before the
 * series' last document (nor `notBefore`), so numbers and issue dates increase together even when
 * containers' clocks differ by a few milliseconds.
 */
async function nextNumber(series: Series, now: string, notBefore = now): Promise<Numbered> {
  const year = now.slice(0, 4);
  const read = await getCounter(series, year);
  const issuedAt = [now, notBefore, read?.lastIssuedAt ?? now].reduce((a, b) => (b > a ? b : a));
  const sequence = (read?.last ?? 0) + 1;
  return {
    number: formatNumber(series, year, sequence),
    issuedAt,
    write: counterAdvance(series, year, read, { last: sequence, lastIssuedAt: issuedAt }),
  };
}

function buyerOf(order: Order): InvoiceDocument['buyer'] {
  const { name, ...address } = order.shippingAddress;
  return { customerId: order.customerId, name, address };
}

const eventLines = (doc: InvoiceDocument) =>
  doc.lines.map(({ sku, quantity, net, tax }) => ({ sku, quantity, net, tax }));

const eventTotals = (doc: InvoiceDocument) => ({
  currency: doc.currency,
  subtotal: doc.subtotal,
  discount: doc.discount,
  tax: doc.tax,
  total: doc.total,
});

export function invoiceIssuedData(doc: InvoiceDocument): EventData<'InvoiceIssued'> {
  return {
    ...eventTotals(doc),
    invoiceId: doc.id,
    number: doc.number,
    orderId: doc.orderId,
    customerId: doc.customerId,
    channel: doc.channel,
    lines: eventLines(doc),
    issuedAt: doc.issuedAt,
  };
}

export function creditNoteIssuedData(doc: InvoiceDocument): EventData<'CreditNoteIssued'> {
  if (doc.invoiceId === undefined || doc.reason === undefined) {
    throw new Error(`Credit note ${doc.id} lacks its invoice or reason`);
  }
  return {
    ...eventTotals(doc),
    creditNoteId: doc.id,
    number: doc.number,
    invoiceId: doc.invoiceId,
    orderId: doc.orderId,
    customerId: doc.customerId,
    channel: doc.channel,
    reason: doc.reason,
    ...(doc.returnId === undefined ? {} : { returnId: doc.returnId }),
    lines: eventLines(doc),
    issuedAt: doc.issuedAt,
  };
}

/** The order's invoice: the writes issuing it (counter, document, event) and the document. */
async function issueInvoice(order: Order, tx: ConsumerTx) {
  const { number, issuedAt, write } = await nextNumber('INV', tx.now);
  const rate = taxRateFor(order.shippingAddress.country, defaultTaxRateBps);
  const amounts = priceInvoice(order.lines, order.discount, rate);
  const invoice: InvoiceDocument = {
    id: ulid(),
    number,
    kind: 'invoice',
    orderId: order.id,
    customerId: order.customerId,
    channel: order.channel,
    lines: amounts.lines,
    subtotal: amounts.subtotal,
    discount: amounts.discount,
    tax: amounts.tax,
    total: amounts.total,
    currency: order.currency,
    issuedAt,
    seller,
    buyer: buyerOf(order),
  };
  return {
    invoice,
    writes: [write, documentPut(invoice), tx.emit('InvoiceIssued', invoiceIssuedData(invoice))],
  };
}

/** The order as stored; it was written with the event that names it, so missing is a fault. */
async function requireOrder(orderId: string, eventId: string): Promise<Order> {
  const order = await getOrder(orderId);
  if (!order) throw new Error(`Order ${orderId} of event ${eventId} does not exist`);
  return order;
}

/** The order's invoice, read, or issued now (writes to commit with whatever credits it). */
async function invoiceOf(orderId: string, eventId: string, tx: ConsumerTx) {
  const read = await getOrderInvoicing(orderId);
  if (read) {
    const invoice = await getDocument(read.invoiceId);
    // The record and the invoice were written in one transaction.
    if (!invoice) throw new Error(`Invoice ${read.invoiceId} of order ${orderId} does not exist`);
    return { invoice, read, state: read, writes: [] as TransactWrite[], issued: false };
  }
  logger.info('no invoice yet: issuing it in the same transaction as the credit note', { orderId });
  const { invoice, writes } = await issueInvoice(await requireOrder(orderId, eventId), tx);
  const state: OrderInvoicing = {
    orderId,
    invoiceId: invoice.id,
    credited: {},
    returns: {},
    version: 1,
  };
  return { invoice, read: undefined, state, writes, issued: true };
}

/** A credit note of `requests` against the invoice, or undefined when nothing is left to credit. */
async function issueCreditNote(
  invoice: InvoiceDocument,
  state: OrderInvoicing,
  requests: readonly CreditRequest[],
  why: { readonly reason: 'cancellation' | 'return'; readonly returnId?: string },
  tx: ConsumerTx,
) {
  const plan = planCredit(invoice.lines, state.credited, requests);
  if (plan.lines.length === 0) return undefined;
  const { number, issuedAt, write } = await nextNumber('CRN', tx.now, invoice.issuedAt);
  const creditNote: InvoiceDocument = {
    ...invoice,
    id: ulid(),
    number,
    kind: 'credit_note',
    invoiceId: invoice.id,
    reason: why.reason,
    ...(why.returnId === undefined ? {} : { returnId: why.returnId }),
    lines: plan.lines,
    subtotal: plan.subtotal,
    discount: plan.discount,
    tax: plan.tax,
    total: plan.total,
    issuedAt,
    seller,
  };
  return {
    creditNote,
    credited: plan.credited,
    writes: [write, documentPut(creditNote), tx.emit('CreditNoteIssued', creditNoteIssuedData(creditNote))],
  };
}

/** `OrderPlaced` → the invoice, unless the order has one (redelivery, or a credit issued it). */
export async function invoiceOrder(
  event: EventOf<'OrderPlaced'>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const { orderId } = event.data;
  if (await getOrderInvoicing(orderId)) {
    logger.info('order already invoiced: nothing to do', { orderId });
    return [];
  }
  const { invoice, writes } = await issueInvoice(await requireOrder(orderId, event.id), tx);
  const state: OrderInvoicing = { orderId, invoiceId: invoice.id, credited: {}, returns: {}, version: 1 };
  return [
    ...writes,
    orderInvoicingPut(state, undefined),
    orderDocumentsUpdate(orderId, { invoiceId: invoice.id }),
  ];
}

/** `OrderCancelled` → a credit note for every unit not yet credited (invoicing the order first if needed). */
export async function creditCancellation(
  event: EventOf<'OrderCancelled'>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const { orderId } = event.data;
  const { invoice, read, state, writes, issued } = await invoiceOf(orderId, event.id, tx);
  if (state.cancellationCreditNoteId !== undefined) {
    logger.info('cancellation already credited: nothing to do', { orderId });
    return [];
  }
  const credit = await issueCreditNote(
    invoice,
    state,
    remainingUnits(invoice.lines, state.credited),
    { reason: 'cancellation' },
    tx,
  );
  if (!credit) {
    logger.warn('cancelled order has nothing left to credit', { orderId, invoiceId: invoice.id });
    if (!issued) return [];
    return [
      ...writes,
      orderInvoicingPut(state, read),
      orderDocumentsUpdate(orderId, { invoiceId: invoice.id }),
    ];
  }
  const next: OrderInvoicing = {
    ...state,
    credited: credit.credited,
    cancellationCreditNoteId: credit.creditNote.id,
    version: read ? read.version + 1 : state.version,
  };
  return [
    ...writes,
    ...credit.writes,
    orderInvoicingPut(next, read),
    orderDocumentsUpdate(orderId, {
      ...(issued ? { invoiceId: invoice.id } : {}),
      creditNoteId: credit.creditNote.id,
    }),
  ];
}

/** `ReturnReceived` → a credit note for the returned units, at most what is still uncredited. */
export async function creditReturn(
  event: EventOf<'ReturnReceived'>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const { orderId, returnId } = event.data;
  const { invoice, read, state, writes, issued } = await invoiceOf(orderId, event.id, tx);
  if (state.returns[returnId] !== undefined) {
    logger.info('return already credited: nothing to do', { orderId, returnId });
    return [];
  }
  const requests = event.data.lines.map(({ sku, quantity }) => ({ sku, quantity }));
  const credit = await issueCreditNote(invoice, state, requests, { reason: 'return', returnId }, tx);
  if (!credit) {
    logger.warn('returned units are not on the invoice or already credited: no credit note', {
      orderId,
      returnId,
      lines: requests,
    });
    if (!issued) return [];
    return [
      ...writes,
      orderInvoicingPut(state, read),
      orderDocumentsUpdate(orderId, { invoiceId: invoice.id }),
    ];
  }
  const next: OrderInvoicing = {
    ...state,
    credited: credit.credited,
    returns: { ...state.returns, [returnId]: credit.creditNote.id },
    version: read ? read.version + 1 : state.version,
  };
  return [
    ...writes,
    ...credit.writes,
    orderInvoicingPut(next, read),
    ...(issued ? [orderDocumentsUpdate(orderId, { invoiceId: invoice.id })] : []),
  ];
}
