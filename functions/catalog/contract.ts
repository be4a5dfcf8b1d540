/**
 * The catalogue's HTTP contract (API.md: products). The topology, the handler and the OpenAPI
 * document are all built from these definitions.
 */
import { z } from 'zod';
import { defineRoute } from '#shared/http/contract.ts';
import { Currency, IsoTimestamp, Money, Sku } from '#shared/schemas.ts';

export const ProductInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    price: Money,
    currency: Currency,
    active: z.boolean().optional(),
  })
  .meta({ id: 'ProductInput' });

export const StockLevels = z
  .object({
    available: z.int().min(0),
    reserved: z.int().min(0),
    shipped: z.int().min(0),
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
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;

const SkuParams = z.strictObject({ sku: Sku });

export const catalogRoutes = {
  putProduct: defineRoute({
    method: 'PUT',
    path: '/products/{sku}',
    operationId: 'putProduct',
    summary: 'Create or update a product',
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
    tag: 'catalog',
    access: 'authenticated',
    params: SkuParams,
    responses: { 200: { description: 'The product', schema: Product } },
    errors: ['NOT_FOUND'],
  }),
} as const;
