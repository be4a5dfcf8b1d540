/**
 * The replenishment HTTP contract (docs/api.md: replenishment): suggestions raised by low stock and
 * purchase orders to suppliers, received into stock. Staff only, every route. The topology, the
 * handler and the OpenAPI document are all built from these definitions.
 */
import * as z from 'zod';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { Currency, IsoTimestamp, Money, pageQueryShape, queryParams, Sku, Ulid } from '#shared/schemas.ts';
import { MAX_PURCHASE_ORDER_LINES, MAX_PURCHASE_QUANTITY, PURCHASE_ORDER_STATUSES } from './rules.ts';

export const ReplenishmentStatus = z.enum(['open', 'ordered', 'dismissed']).meta({
  description: 'open: waiting for staff; ordered: on a purchase order; dismissed: staff decided not to order',
});
export type ReplenishmentStatus = z.infer<typeof ReplenishmentStatus>;

export const PurchaseOrderStatus = z.enum(PURCHASE_ORDER_STATUSES).meta({
  description:
    'DRAFT → SENT → PARTIALLY_RECEIVED → RECEIVED; CANCELLED from DRAFT or SENT (before anything was received)',
});

export const Replenishment = z
  .object({
    id: Ulid,
    sku: Sku,
    status: ReplenishmentStatus,
    suggestedQuantity: z.int().min(1).meta({ description: "The product's reorder quantity when raised" }),
    reorderPoint: z.int().min(0),
    available: z.int().min(0).meta({ description: '`available` when the low stock was detected' }),
    purchaseOrderId: Ulid.optional().meta({ description: 'The purchase order it was ordered on' }),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
  })
  .meta({ id: 'Replenishment' });
export type ReplenishmentView = z.infer<typeof Replenishment>;

export const ReplenishmentPage = z
  .object({ items: z.array(Replenishment), nextCursor: z.string().nullable() })
  .meta({ id: 'ReplenishmentPage' });

const Supplier = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .meta({ description: 'Who supplies the goods, by name', example: 'Acme Textiles' });

const uniqueSkus = (lines: readonly { sku: string }[]) =>
  new Set(lines.map((l) => l.sku)).size === lines.length;

export const CreatePurchaseOrderInput = z
  .strictObject({
    supplier: Supplier,
    currency: Currency,
    lines: z
      .array(
        z.strictObject({
          sku: Sku,
          quantity: z.int().min(1).max(MAX_PURCHASE_QUANTITY),
          unitCost: Money.meta({ description: 'Cost per unit in minor units of `currency`' }),
        }),
      )
      .min(1)
      .max(
        MAX_PURCHASE_ORDER_LINES,
        `At most ${MAX_PURCHASE_ORDER_LINES} lines: one transaction receives them all`,
      )
      .refine(uniqueSkus, 'One line per SKU'),
    replenishmentIds: z
      .array(Ulid)
      .max(MAX_PURCHASE_ORDER_LINES)
      .refine((ids) => new Set(ids).size === ids.length, 'Each suggestion once')
      .optional()
      .meta({
        description:
          'Open suggestions this order fulfils; each becomes `ordered`. Their SKUs must be on the lines',
      }),
  })
  .meta({ id: 'CreatePurchaseOrderInput' });
export type CreatePurchaseOrderInput = z.infer<typeof CreatePurchaseOrderInput>;

export const ReceiptInput = z
  .strictObject({
    lines: z
      .array(z.strictObject({ sku: Sku, quantity: z.int().min(1).max(MAX_PURCHASE_QUANTITY) }))
      .min(1)
      .max(MAX_PURCHASE_ORDER_LINES)
      .refine(uniqueSkus, 'One line per SKU'),
  })
  .meta({ id: 'ReceiptInput' });
export type ReceiptInput = z.infer<typeof ReceiptInput>;

export const PurchaseOrderLine = z.object({
  sku: Sku,
  quantity: z.int().min(1),
  unitCost: Money,
  lineTotal: Money,
  received: z.int().min(0).meta({ description: 'Units received so far; never above `quantity`' }),
});

export const Receipt = z
  .object({
    id: Ulid,
    receivedAt: IsoTimestamp,
    lines: z.array(
      z.object({
        sku: Sku,
        quantity: z.int().min(1),
        movementId: Ulid.meta({ description: 'The stock movement (reason `receipt`) that added them' }),
      }),
    ),
  })
  .meta({ id: 'Receipt' });

const PurchaseOrderFields = {
  id: Ulid,
  supplier: z.string(),
  currency: Currency,
  status: PurchaseOrderStatus,
  lines: z.array(PurchaseOrderLine),
  total: Money,
  replenishmentIds: z.array(Ulid),
  history: z.array(z.object({ status: PurchaseOrderStatus, at: IsoTimestamp })),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
};

export const PurchaseOrderSummary = z.object(PurchaseOrderFields).meta({ id: 'PurchaseOrderSummary' });
export type PurchaseOrderSummary = z.infer<typeof PurchaseOrderSummary>;

export const PurchaseOrder = z
  .object({ ...PurchaseOrderFields, receipts: z.array(Receipt).meta({ description: 'Oldest first' }) })
  .meta({ id: 'PurchaseOrder' });
export type PurchaseOrderView = z.infer<typeof PurchaseOrder>;

export const PurchaseOrderPage = z
  .object({ items: z.array(PurchaseOrderSummary), nextCursor: z.string().nullable() })
  .meta({ id: 'PurchaseOrderPage' });

const IdParams = z.strictObject({ id: Ulid });

export const ListReplenishmentsQuery = queryParams({
  ...pageQueryShape,
  status: ReplenishmentStatus.default('open'),
});

export const ListPurchaseOrdersQuery = queryParams({ ...pageQueryShape, status: PurchaseOrderStatus });

export const replenishmentTag: ApiTag = {
  name: 'replenishment',
  description:
    'Low stock to purchase order to receipt, for staff. A product with a reorder point raises a suggestion ' +
    'when its available stock falls to or below it; staff order suggestions from a supplier and receive the ' +
    'goods into stock.',
};

export const replenishmentRoutes = {
  listReplenishments: defineRoute({
    method: 'GET',
    path: '/replenishments',
    operationId: 'listReplenishments',
    summary: 'Replenishment suggestions by status, newest first',
    description:
      'Staff only. A suggestion is raised once each time a SKU’s available stock falls to or below its ' +
      'reorder point, for its reorder quantity; `status` defaults to `open`. Suggestions follow the stock ' +
      'events, so one may take a second or two to appear. Paged: pass `nextCursor` back as `cursor`.',
    tag: 'replenishment',
    access: 'staff',
    query: ListReplenishmentsQuery,
    responses: { 200: { description: 'One page of suggestions', schema: ReplenishmentPage } },
  }),
  dismissReplenishment: defineRoute({
    method: 'POST',
    path: '/replenishments/{id}/dismiss',
    operationId: 'dismissReplenishment',
    summary: 'Dismiss an open suggestion',
    description:
      'Staff only, while the suggestion is `open`; otherwise `INVALID_STATE`. The SKU stays low until its ' +
      'stock is back above the reorder point, so no new suggestion is raised for it until then.',
    tag: 'replenishment',
    access: 'staff',
    params: IdParams,
    responses: { 200: { description: 'The dismissed suggestion', schema: Replenishment } },
    errors: ['NOT_FOUND', 'INVALID_STATE'],
  }),
  createPurchaseOrder: defineRoute({
    method: 'POST',
    path: '/purchase-orders',
    operationId: 'createPurchaseOrder',
    summary: 'Create a draft purchase order, optionally from open suggestions',
    description:
      'Staff only. Every SKU must be a product, one line each. The suggestions named in `replenishmentIds` ' +
      'must be `open` and for SKUs on the lines; they become `ordered` in the same transaction. With an ' +
      '`Idempotency-Key`, a retry creates the order once and answers it as it is now.',
    example: {
      supplier: 'Acme Textiles',
      currency: 'EUR',
      lines: [{ sku: 'TSHIRT-RED-M', quantity: 100, unitCost: 450 }],
    },
    tag: 'replenishment',
    access: 'staff',
    idempotencyKey: 'optional',
    body: CreatePurchaseOrderInput,
    responses: { 201: { description: 'The purchase order, DRAFT', schema: PurchaseOrder } },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'IDEMPOTENCY_KEY_REUSED', 'RATE_LIMITED'],
  }),
  getPurchaseOrder: defineRoute({
    method: 'GET',
    path: '/purchase-orders/{id}',
    operationId: 'getPurchaseOrder',
    summary: 'A purchase order with its receipts',
    description: 'Staff only. Its lines with what each has received so far, its history and every receipt.',
    tag: 'replenishment',
    access: 'staff',
    params: IdParams,
    responses: { 200: { description: 'The purchase order', schema: PurchaseOrder } },
    errors: ['NOT_FOUND'],
  }),
  listPurchaseOrders: defineRoute({
    method: 'GET',
    path: '/purchase-orders',
    operationId: 'listPurchaseOrders',
    summary: 'Purchase orders in one status, newest first',
    description:
      'Staff only. `status` is required. Paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'replenishment',
    access: 'staff',
    query: ListPurchaseOrdersQuery,
    responses: {
      200: { description: 'One page of purchase orders (without receipts)', schema: PurchaseOrderPage },
    },
  }),
  sendPurchaseOrder: defineRoute({
    method: 'POST',
    path: '/purchase-orders/{id}/send',
    operationId: 'sendPurchaseOrder',
    summary: 'Mark a draft purchase order as sent to its supplier',
    description:
      'Staff only, from `DRAFT`; otherwise `INVALID_STATE`. Goods can be received once it is sent.',
    tag: 'replenishment',
    access: 'staff',
    params: IdParams,
    responses: { 200: { description: 'The purchase order, SENT', schema: PurchaseOrder } },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'RATE_LIMITED'],
  }),
  cancelPurchaseOrder: defineRoute({
    method: 'POST',
    path: '/purchase-orders/{id}/cancel',
    operationId: 'cancelPurchaseOrder',
    summary: 'Cancel a purchase order before anything was received',
    description:
      'Staff only, from `DRAFT` or `SENT`; once goods were received, `INVALID_STATE`. The suggestions it ' +
      'was created from are `open` again.',
    tag: 'replenishment',
    access: 'staff',
    params: IdParams,
    responses: { 200: { description: 'The purchase order, CANCELLED', schema: PurchaseOrder } },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'RATE_LIMITED'],
  }),
  receivePurchaseOrder: defineRoute({
    method: 'POST',
    path: '/purchase-orders/{id}/receipts',
    operationId: 'receivePurchaseOrder',
    summary: 'Receive goods against a sent purchase order: one stock movement per line',
    description:
      'Staff only, while `SENT` or `PARTIALLY_RECEIVED`. One transaction adds every line to the available ' +
      'stock (a `receipt` movement linked to the order) and moves the order to `PARTIALLY_RECEIVED`, or ' +
      '`RECEIVED` when every line is complete. A line beyond what was ordered refuses the whole receipt with ' +
      '`OVER_RECEIPT`. With an `Idempotency-Key`, a retry receives once and answers the order as it is now.',
    example: { lines: [{ sku: 'TSHIRT-RED-M', quantity: 60 }] },
    tag: 'replenishment',
    access: 'staff',
    idempotencyKey: 'optional',
    params: IdParams,
    body: ReceiptInput,
    responses: {
      201: { description: 'Received; the purchase order with its receipts', schema: PurchaseOrder },
    },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'OVER_RECEIPT', 'IDEMPOTENCY_KEY_REUSED', 'RATE_LIMITED'],
  }),
} as const;
