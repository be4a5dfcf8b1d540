/**
 * The invoices HTTP contract (docs/api.md: invoices): `GET /invoices/{id}` and
 * `GET /invoices?orderId=`, for the order's customer or staff. Documents are issued by the
 * invoicing consumer, never through HTTP.
 */
import * as z from 'zod';
import { OrderChannel } from '#events/orders.ts';
import { OrderId } from '#functions/orders/contract.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { Currency, IsoTimestamp, pageQueryShape, queryParams, Ulid } from '#shared/schemas.ts';

const Amount = z.int().meta({ description: 'Minor units; negative on a credit note' });

export const InvoiceId = Ulid.meta({
  description: 'Invoice or credit note id (a ULID)',
  example: '01JQ8A1B2C3D4E5F6G7H8J9K0N',
});

const PostalAddress = z.object({
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  postalCode: z.string(),
  country: z.string().meta({ description: 'ISO 3166-1 alpha-2' }),
});

export const InvoiceLine = z
  .object({
    sku: z.string(),
    name: z.string(),
    quantity: z.int().meta({ description: 'Units invoiced or credited (always positive)' }),
    unitPrice: z.int().meta({ description: 'Net catalogue price of one unit (always positive)' }),
    lineTotal: Amount.meta({ description: 'quantity × unitPrice (the credited share on a credit note)' }),
    discount: Amount.meta({ description: "The line's share of the order discount (largest remainder)" }),
    net: Amount.meta({ description: 'lineTotal − discount' }),
    taxRate: z.int().meta({ description: 'Tax rate in basis points (1900 = 19 %)' }),
    tax: Amount.meta({ description: 'round half up of net × taxRate / 10 000' }),
    total: Amount.meta({ description: 'net + tax' }),
  })
  .meta({ id: 'InvoiceLine' });

export const Invoice = z
  .object({
    id: InvoiceId,
    number: z.string().meta({
      description: 'Gapless per UTC year and series: `INV-2026-000042`, credit notes `CRN-2026-000007`',
    }),
    kind: z.enum(['invoice', 'credit_note']),
    orderId: OrderId,
    customerId: z.string(),
    channel: OrderChannel,
    invoiceId: InvoiceId.optional().meta({ description: 'On a credit note: the invoice it credits' }),
    reason: z.enum(['cancellation', 'return']).optional().meta({
      description: 'On a credit note: the whole invoice on cancellation, returned units on a return',
    }),
    returnId: z.string().optional(),
    lines: z.array(InvoiceLine),
    subtotal: Amount.meta({ description: 'Σ lineTotal' }),
    discount: Amount.meta({ description: 'Σ line discounts: the order discount on an invoice' }),
    tax: Amount.meta({ description: 'Σ line taxes' }),
    total: Amount.meta({ description: 'subtotal − discount + tax' }),
    currency: Currency,
    issuedAt: IsoTimestamp,
    seller: z.object({ name: z.string(), vatId: z.string(), email: z.string(), address: PostalAddress }),
    buyer: z.object({
      customerId: z.string(),
      name: z.string().meta({ description: 'The name of the shipping address' }),
      address: PostalAddress,
    }),
  })
  .meta({ id: 'Invoice' });
export type InvoiceView = z.infer<typeof Invoice>;

export const InvoicePage = z
  .object({ items: z.array(Invoice), nextCursor: z.string().nullable() })
  .meta({ id: 'InvoicePage' });

export const ListInvoicesQuery = queryParams({
  ...pageQueryShape,
  orderId: OrderId.meta({ description: 'The order whose invoice and credit notes to list' }),
});

export const invoicesTag: ApiTag = {
  name: 'invoices',
  description:
    'Invoices and credit notes, issued by the back office from order and return events. Every order is ' +
    'invoiced when placed; cancelling it issues a credit note for the whole invoice, receiving a return ' +
    'one for the returned units. Catalogue prices are net: documents add tax by the shipping country.',
};

export const invoiceRoutes = {
  getInvoice: defineRoute({
    method: 'GET',
    path: '/invoices/{id}',
    operationId: 'getInvoice',
    summary: 'An invoice or credit note (the order’s customer or staff)',
    description:
      'The order’s customer or staff; another customer’s document is `NOT_FOUND`. Amounts are minor units: ' +
      'on a credit note every amount is negative and `invoiceId` names the invoice it credits. ' +
      '`total = subtotal − discount + tax`, and `tax` is the sum of the line taxes.',
    tag: 'invoices',
    access: 'authenticated',
    params: z.strictObject({ id: InvoiceId }),
    responses: { 200: { description: 'The document', schema: Invoice } },
    errors: ['NOT_FOUND'],
  }),
  listInvoices: defineRoute({
    method: 'GET',
    path: '/invoices',
    operationId: 'listInvoices',
    summary: 'An order’s invoice and credit notes, oldest first',
    description:
      'The order’s customer or staff; another customer’s order is `NOT_FOUND`. The invoice comes first, ' +
      'then its credit notes. An order is invoiced within seconds of being placed: until then the list ' +
      'is empty. Paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'invoices',
    access: 'authenticated',
    query: ListInvoicesQuery,
    responses: { 200: { description: 'One page of documents', schema: InvoicePage } },
    errors: ['NOT_FOUND'],
  }),
} as const;
