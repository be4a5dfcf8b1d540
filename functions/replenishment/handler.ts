/** Replenishment API: thin handler over the suggestions and purchase-order modules. Staff only. */
import { notFound } from '#shared/errors.ts';
import { httpApi, json } from '#shared/http/handler.ts';
import { replenishmentRoutes } from './contract.ts';
import {
  createPurchaseOrder,
  getPurchaseOrder,
  listPurchaseOrders,
  receivePurchaseOrder,
  transitionPurchaseOrder,
} from './purchase-orders.ts';
import { dismissReplenishment, listReplenishments, replenishmentView } from './replenishments.ts';

export const handler = httpApi(replenishmentRoutes, {
  listReplenishments: async ({ query }) => {
    const page = await listReplenishments(query.status, query);
    return json({ items: page.items.map(replenishmentView), nextCursor: page.nextCursor });
  },
  dismissReplenishment: async ({ params, principal }) =>
    json(replenishmentView(await dismissReplenishment(params.id, principal.sub, new Date().toISOString()))),
  createPurchaseOrder: async ({ body, principal, idempotencyKey }) => {
    // A keyed retry answers 201 with the order as it is now.
    const { order } = await createPurchaseOrder({ input: body, by: principal.sub, idempotencyKey });
    return json(order, 201);
  },
  getPurchaseOrder: async ({ params }) => {
    const order = await getPurchaseOrder(params.id);
    if (!order) throw notFound(`Purchase order ${params.id}`);
    return json(order);
  },
  listPurchaseOrders: async ({ query }) => json(await listPurchaseOrders(query.status, query)),
  sendPurchaseOrder: async ({ params, principal }) =>
    json(await transitionPurchaseOrder(params.id, 'send', principal.sub)),
  cancelPurchaseOrder: async ({ params, principal }) =>
    json(await transitionPurchaseOrder(params.id, 'cancel', principal.sub)),
  receivePurchaseOrder: async ({ params, body, principal, idempotencyKey, requestId }) => {
    const { order } = await receivePurchaseOrder({
      purchaseOrderId: params.id,
      input: body,
      by: principal.sub,
      idempotencyKey,
      correlationId: requestId,
    });
    return json(order, 201);
  },
});
