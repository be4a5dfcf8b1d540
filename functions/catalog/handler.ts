/** Catalogue API: thin handler over the product module. */
import { notFound } from '#shared/errors.ts';
import { httpApi, json } from '#shared/http/handler.ts';
import { catalogRoutes } from './contract.ts';
import { getProductWithStock, upsertProduct } from './products.ts';

export const handler = httpApi(catalogRoutes, {
  putProduct: async ({ params, body }) => {
    const { created } = await upsertProduct(params.sku, body, new Date().toISOString());
    const product = await getProductWithStock(params.sku);
    if (!product) throw notFound(`Product ${params.sku}`);
    return json(product, created ? 201 : 200);
  },
  getProduct: async ({ params }) => {
    const product = await getProductWithStock(params.sku);
    if (!product) throw notFound(`Product ${params.sku}`);
    return json(product);
  },
});
