/**
 * Reading invoices and credit notes over HTTP: the order's customer or staff only. Another
 * customer's document or order is 404, its existence not theirs to learn.
 */
import { getOrderFor } from '#functions/orders/orders.ts';
import type { Principal } from '#shared/auth.ts';
import { visibleTo } from '#shared/ownership.ts';
import type { InvoiceView } from './contract.ts';
import { getDocument, type InvoiceDocument, listDocumentsForOrder } from './documents.ts';

/** A document the principal may see (owner or staff); 404 `NOT_FOUND` otherwise. */
export async function getInvoiceFor(principal: Principal, id: string): Promise<InvoiceDocument> {
  return visibleTo(principal, await getDocument(id), (doc) => doc.customerId, `Invoice ${id}`);
}

/** An order's documents, oldest first, for its customer or staff (404 for anyone else). */
export async function listInvoicesFor(
  principal: Principal,
  query: { orderId: string; limit: number; cursor?: string | undefined },
): Promise<{ items: InvoiceDocument[]; nextCursor: string | null }> {
  await getOrderFor(principal, query.orderId);
  return listDocumentsForOrder(query.orderId, query);
}

/** What clients see: the stored document, optional members only when set. */
export function invoiceView(doc: InvoiceDocument): InvoiceView {
  const { invoiceId, reason, returnId, buyer, seller, ...rest } = doc;
  const { line2, ...address } = buyer.address;
  return {
    ...rest,
    ...(invoiceId === undefined ? {} : { invoiceId }),
    ...(reason === undefined ? {} : { reason }),
    ...(returnId === undefined ? {} : { returnId }),
    lines: doc.lines.map((l) => ({ ...l })),
    seller: { ...seller, address: { ...seller.address } },
    buyer: { ...buyer, address: { ...address, ...(line2 === undefined ? {} : { line2 }) } },
  };
}
