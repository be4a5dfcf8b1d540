/**
 * Invoicing items: documents (invoices and credit notes), each order's invoicing record, and the
 * gapless counters. This module owns their keys and stored shapes; every access pattern is a named
 * function, and every write carries a condition.
 *
 * | item              | pk                            | sk         | gsi1pk                      | gsi1sk                           |
 * |-------------------|-------------------------------|------------|-----------------------------|----------------------------------|
 * | document          | `INVOICE#<id>`                | `DOCUMENT` | `ORDER_DOCUMENTS#<orderId>` | `DOCUMENT#<issuedAt>#<id>`       |
 * | order invoicing   | `INVOICED#<orderId>`          | `INVOICE`  | —                           | —                                |
 * | number counter    | `DOCSEQ#<series>#<year>`      | `COUNTER`  | —                           | —                                |
 *
 * - The **order invoicing record** is the one-invoice-per-order guard (`attribute_not_exists` on
 *   creation) and the crediting state: units credited per SKU, the credit note of a cancellation
 *   and of each return. Every credit note replaces it conditioned on the `version` it read, so two
 *   credits of one order are serialised and never credit the same units twice.
 * - A **counter** holds the last number issued in a series (`INV`, `CRN`) and UTC year, and when.
 *   A document's transaction advances it conditioned on the value it read: the number and the
 *   document commit together or not at all, so a failed transaction leaves no gap, and a racing
 *   issuer fails its condition and is re-run with the next number. It is the one deliberately hot
 *   item of the system: the `invoicing` consumer's `maxConcurrency` bounds its writers.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { OrderChannel } from '#events/orders.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { queryPage } from '#shared/query-page.ts';
import type { TransactWrite } from '#shared/transactions.ts';

export const documentKey = (id: string) => ({ pk: `INVOICE#${id}`, sk: 'DOCUMENT' }) as const;
export const orderDocumentsPk = (orderId: string): string => `ORDER_DOCUMENTS#${orderId}`;
export const ORDER_DOCUMENT_SK_PREFIX = 'DOCUMENT#';
export const orderDocumentSk = (issuedAt: string, id: string): string =>
  `${ORDER_DOCUMENT_SK_PREFIX}${issuedAt}#${id}`;
export const orderInvoicingKey = (orderId: string) => ({ pk: `INVOICED#${orderId}`, sk: 'INVOICE' }) as const;
export const counterKey = (series: Series, year: string) =>
  ({ pk: `DOCSEQ#${series}#${year}`, sk: 'COUNTER' }) as const;

/** `INV` numbers invoices, `CRN` credit notes; each is gapless per UTC calendar year. */
export type Series = 'INV' | 'CRN';

/** `INV-2026-000042`: six digits, more once a year passes 999 999 documents. */
export const formatNumber = (series: Series, year: string, sequence: number): string =>
  `${series}-${year}-${String(sequence).padStart(6, '0')}`;

export const DocumentLineRecord = z.object({
  sku: z.string(),
  name: z.string(),
  quantity: z.int(),
  unitPrice: z.int(),
  lineTotal: z.int(),
  discount: z.int(),
  net: z.int(),
  taxRate: z.int(),
  tax: z.int(),
  total: z.int(),
});

export const PostalAddress = z.object({
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  postalCode: z.string(),
  country: z.string(),
});

/** An invoice or credit note as stored (without its key attributes). */
export const DocumentRecord = z.object({
  id: z.string(),
  number: z.string(),
  kind: z.enum(['invoice', 'credit_note']),
  orderId: z.string(),
  customerId: z.string(),
  channel: OrderChannel,
  /** On a credit note: the invoice it credits. */
  invoiceId: z.string().optional(),
  /** On a credit note: why it was issued. */
  reason: z.enum(['cancellation', 'return']).optional(),
  returnId: z.string().optional(),
  lines: z.array(DocumentLineRecord),
  subtotal: z.int(),
  discount: z.int(),
  tax: z.int(),
  total: z.int(),
  currency: z.string(),
  issuedAt: z.string(),
  seller: z.object({
    name: z.string(),
    vatId: z.string(),
    email: z.string(),
    address: PostalAddress,
  }),
  buyer: z.object({ customerId: z.string(), name: z.string(), address: PostalAddress }),
});
export type InvoiceDocument = z.infer<typeof DocumentRecord>;

/** The crediting state of an order's invoice. */
export const OrderInvoicingRecord = z.object({
  orderId: z.string(),
  invoiceId: z.string(),
  /** Units credited so far per SKU. */
  credited: z.record(z.string(), z.int()),
  /** The credit note of the order's cancellation, once issued. */
  cancellationCreditNoteId: z.string().optional(),
  /** Credit note per return id. */
  returns: z.record(z.string(), z.string()),
  version: z.int(),
});
export type OrderInvoicing = z.infer<typeof OrderInvoicingRecord>;

const CounterRecord = z.object({ last: z.int(), lastIssuedAt: z.string() });
export type Counter = z.infer<typeof CounterRecord>;

/** One document by id (strongly consistent: a client follows `invoiceId` right after it appears). */
export async function getDocument(id: string): Promise<InvoiceDocument | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: documentKey(id), ConsistentRead: true }),
  );
  return result.Item ? DocumentRecord.parse(result.Item) : undefined;
}

/** An order's documents, oldest first (its invoice, then its credit notes), from `gsi1`. */
export async function listDocumentsForOrder(
  orderId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: InvoiceDocument[]; nextCursor: string | null }> {
  return queryPage({
    index: 'gsi1',
    partition: orderDocumentsPk(orderId),
    sortKeyPrefix: ORDER_DOCUMENT_SK_PREFIX,
    order: 'oldest-first',
    page,
    parse: (item) => DocumentRecord.parse(item),
  });
}

/** Writes a new document; its id is fresh, so the condition only guards against a bug. */
export function documentPut(doc: InvoiceDocument): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...documentKey(doc.id),
        entity: doc.kind === 'invoice' ? 'Invoice' : 'CreditNote',
        gsi1pk: orderDocumentsPk(doc.orderId),
        gsi1sk: orderDocumentSk(doc.issuedAt, doc.id),
        ...doc,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** The order's invoicing record (strongly consistent), or undefined when it has no invoice yet. */
export async function getOrderInvoicing(orderId: string): Promise<OrderInvoicing | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: orderInvoicingKey(orderId), ConsistentRead: true }),
  );
  return result.Item ? OrderInvoicingRecord.parse(result.Item) : undefined;
}

/**
 * Writes the order's invoicing record: created (`read` undefined: fails if the order already has
 * an invoice, the one-invoice-per-order guard) or replaced with `version + 1` (fails if anyone
 * wrote it since `read`).
 */
export function orderInvoicingPut(state: OrderInvoicing, read: OrderInvoicing | undefined): TransactWrite {
  const item = { ...orderInvoicingKey(state.orderId), entity: 'OrderInvoicing', ...state };
  return read === undefined
    ? { Put: { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }
    : {
        Put: {
          TableName: tableName,
          Item: item,
          ConditionExpression: '#version = :read',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':read': read.version },
        },
      };
}

/** The counter of a series and year (strongly consistent), or undefined before its first number. */
export async function getCounter(series: Series, year: string): Promise<Counter | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: counterKey(series, year), ConsistentRead: true }),
  );
  return result.Item ? CounterRecord.parse(result.Item) : undefined;
}

/**
 * Advances a counter from the value read to `sequence` (which is `read.last + 1`, or 1): fails if
 * another document took a number since the read.
 */
export function counterAdvance(
  series: Series,
  year: string,
  read: Counter | undefined,
  next: Counter,
): TransactWrite {
  const Key = counterKey(series, year);
  if (read === undefined) {
    return {
      Put: {
        TableName: tableName,
        Item: { ...Key, entity: 'DocumentCounter', series, year, ...next },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
  return {
    Update: {
      TableName: tableName,
      Key,
      UpdateExpression: 'SET #last = :next, lastIssuedAt = :at',
      ConditionExpression: '#last = :read',
      ExpressionAttributeNames: { '#last': 'last' },
      ExpressionAttributeValues: { ':next': next.last, ':at': next.lastIssuedAt, ':read': read.last },
    },
  };
}
