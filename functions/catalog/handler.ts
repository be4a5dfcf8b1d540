/** Catalogue API: thin handler over the product and stock-movement modules. */
import { notFound } from '#shared/errors.ts';
import { httpApi, json } from '#shared/http/handler.ts';
import { catalogRoutes } from './contract.ts';
import { listStockMovements, recordStockMovement } from './movements.ts';
import { getProductWithStock, upsertProduct } from './products.ts';
import { productViewFor } from './visibility.ts';

export const handler = httpApi(catalogRoutes, {
  putProduct: async ({ params, body }) => {
    const { created } = await upsertProduct(params.sku, body, new Date().toISOString());
    const product = await getProductWithStock(params.sku);
    if (!product) throw notFound(`Product ${params.sku}`);
    return json(product, created ? 201 : 200);
  },
  getProduct: async ({ params, principal }) => {
    const product = await getProductWithStock(params.sku);
    if (!product) throw notFound(`Product ${params.sku}`);
    // Customers see less than staff: docs/security.md, "Shared resources".
    return json(productViewFor(principal, product));
  },
  recordStockMovement: async ({ params, body, principal, idempotencyKey, requestId }) => {
    // A retry with the same key answers the first response, status included.
    const { result } = await recordStockMovement({
      sku: params.sku,
      input: body,
      by: principal.sub,
      idempotencyKey,
      correlationId: requestId,
    });
    return json(result, 201);
  },
  listStockMovements: async ({ params, query }) => {
    const page = await listStockMovements(params.sku, query);
    if (!page) throw notFound(`Product ${params.sku}`);
    return json(page);
  },
});
