/**
 * The catalogue's HTTP contract (docs/api.md: products and stock movements). The topology, the handler
 * and the OpenAPI document are all built from these definitions.
 */
import * as z from 'zod';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { Currency, IsoTimestamp, Money, PageQuery, Sku, Ulid } from '#shared/schemas.ts';

/** Largest reorder point or reorder quantity. */
export const MAX_REORDER_QUANTITY = 1_000_000;

export const ProductInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    price: Money,
    currency: Currency,
    active: z.boolean().optional(),
    reorderPoint: z.int().min(0).max(MAX_REORDER_QUANTITY).nullable().optional().meta({
      description:
        'Replenishment: `StockLow` and a suggestion when `available` falls to or below it. Absent: unchanged; null: cleared',
    }),
    reorderQuantity: z.int().min(1).max(MAX_REORDER_QUANTITY).nullable().optional().meta({
      description:
        'Replenishment: the quantity suggested when stock runs low. Set and cleared with `reorderPoint`',
    }),
  })
  .refine((p) => (p.reorderPoint === undefined) === (p.reorderQuantity === undefined), {
    message: 'reorderPoint and reorderQuantity are set (or cleared with null) together',
    path: ['reorderQuantity'],
  })
  .refine((p) => (p.reorderPoint === null) === (p.reorderQuantity === null), {
    message: 'reorderPoint and reorderQuantity are set (or cleared with null) together',
    path: ['reorderQuantity'],
  })
  .meta({ id: 'ProductInput' });

export const StockLevels = z
  .object({
    available: z.int().min(0),
    reserved: z.int().min(0),
    shipped: z.int().min(0),
    returned: z.int().min(0).meta({ description: 'Units received back by returns (restocked or scrapped)' }),
    scrapped: z
      .int()
      .min(0)
      .meta({ description: 'Returned units written off; `shipped − returned` is with customers' }),
  })
  .meta({ id: 'StockLevels' });

export const Product = z
  .object({
    sku: Sku,
    name: z.string(),
    price: Money,
    currency: Currency,
    active: z.boolean(),
    version: z.int(),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
    stock: StockLevels,
    reorderPoint: z.int().min(0).optional(),
    reorderQuantity: z.int().min(1).optional(),
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;

const SkuParams = z.strictObject({ sku: Sku });

/** Largest single movement; far above any real delivery, far below integer trouble. */
export const MAX_MOVEMENT_QUANTITY = 1_000_000;

export const MovementReason = z.enum(['receipt', 'adjustment', 'count']).meta({
  description: 'receipt: goods in (positive); adjustment: damage, loss, return; count: stocktake correction',
});

export const StockMovementInput = z
  .strictObject({
    quantity: z
      .int()
      .min(-MAX_MOVEMENT_QUANTITY)
      .max(MAX_MOVEMENT_QUANTITY)
      .refine((q) => q !== 0, 'Must not be 0')
      .meta({ description: 'Signed change to the available quantity' }),
    reason: MovementReason,
    note: z.string().trim().min(1).max(500).optional(),
  })
  .refine((m) => m.reason !== 'receipt' || m.quantity > 0, {
    message: 'A receipt adds stock: quantity must be positive',
    path: ['quantity'],
  })
  .meta({ id: 'StockMovementInput' });
export type StockMovementInput = z.infer<typeof StockMovementInput>;

export const StockMovement = z
  .object({
    id: Ulid,
    sku: Sku,
    quantity: z.int(),
    reason: MovementReason,
    note: z.string().optional(),
    /** The staff member's `sub`. */
    by: z.string(),
    at: IsoTimestamp,
    /** A receipt against a purchase order (functions/replenishment): the order it received. */
    purchaseOrderId: Ulid.optional(),
  })
  .meta({ id: 'StockMovement' });
export type StockMovement = z.infer<typeof StockMovement>;

/** `stock`: the levels read right after the movement committed (orders may have moved them too). */
export const StockMovementResult = z
  .object({ sku: Sku, stock: StockLevels, movement: StockMovement })
  .meta({ id: 'StockMovementResult' });
export type StockMovementResult = z.infer<typeof StockMovementResult>;

export const StockMovementPage = z
  .object({ items: z.array(StockMovement), nextCursor: z.string().nullable() })
  .meta({ id: 'StockMovementPage' });

export const catalogTag: ApiTag = {
  name: 'catalog',
  description:
    'Products (price, currency, whether for sale) and their stock: available, reserved by orders, shipped. ' +
    'Staff change them; any signed-in caller reads a product.',
};

export const catalogRoutes = {
  putProduct: defineRoute({
    method: 'PUT',
    path: '/products/{sku}',
    operationId: 'putProduct',
    summary: 'Create or update a product',
    description:
      'Staff only. Creates the product (201, stock all 0) or replaces its name, price, currency and `active` ' +
      '(200). Stock is never set here: record a stock movement. Orders already placed keep their prices. ' +
      '`reorderPoint` and `reorderQuantity` go together: left out they keep their values, `null` clears them.',
    example: { name: 'Red T-shirt (M)', price: 1999, currency: 'EUR' },
    tag: 'catalog',
    access: 'staff',
    params: SkuParams,
    body: ProductInput,
    responses: {
      200: { description: 'Product updated', schema: Product },
      201: { description: 'Product created', schema: Product },
    },
  }),
  getProduct: defineRoute({
    method: 'GET',
    path: '/products/{sku}',
    operationId: 'getProduct',
    summary: 'A product with its stock levels',
    description:
      'Any signed-in caller. `stock.available` is what orders can still reserve. `reorderPoint` and ' +
      '`reorderQuantity` are shown to staff only; a deployment with `CUSTOMER_STOCK_VIEW=available` shows ' +
      'customers `stock.available` alone.',
    tag: 'catalog',
    access: 'authenticated',
    params: SkuParams,
    responses: { 200: { description: 'The product', schema: Product } },
    errors: ['NOT_FOUND'],
  }),
  recordStockMovement: defineRoute({
    method: 'POST',
    path: '/products/{sku}/stock-movements',
    operationId: 'recordStockMovement',
    summary: 'Record a receipt, adjustment or count; refused when available would go below 0',
    description:
      'Staff only. Adds `quantity` (signed) to the available stock and keeps the movement in the SKU’s ' +
      'history. A decrease beyond what is available is refused with `OUT_OF_STOCK`; stock reserved by ' +
      'orders is never touched. With an `Idempotency-Key`, a retry records the movement once.',
    example: { quantity: 50, reason: 'receipt', note: 'Delivery 4711' },
    tag: 'catalog',
    access: 'staff',
    idempotencyKey: 'optional',
    params: SkuParams,
    body: StockMovementInput,
    responses: {
      201: { description: 'Movement recorded; the new stock levels', schema: StockMovementResult },
    },
    errors: ['NOT_FOUND', 'OUT_OF_STOCK', 'IDEMPOTENCY_KEY_REUSED', 'RATE_LIMITED'],
  }),
  listStockMovements: defineRoute({
    method: 'GET',
    path: '/products/{sku}/stock-movements',
    operationId: 'listStockMovements',
    summary: "A SKU's stock movements, newest first",
    description: 'Staff only. Paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'catalog',
    access: 'staff',
    params: SkuParams,
    query: PageQuery,
    responses: { 200: { description: 'One page of movements', schema: StockMovementPage } },
    errors: ['NOT_FOUND'],
  }),
} as const;
