/** Orders API: thin handler over intake, lifecycle and the order queries. */
import { httpApi, json } from '#shared/http/handler.ts';
import { recordBusinessMetric, recordCouponRejection } from '#shared/observability.ts';
import { orderRoutes } from './contract.ts';
import { placeOrder } from './intake.ts';
import { cancelOrder, deliverOrder, shipOrder } from './lifecycle.ts';
import { getOrderFor, listOrdersFor, orderView } from './orders.ts';

export const handler = httpApi(
  orderRoutes,
  {
    placeOrder: async ({ body, principal, idempotencyKey, requestId }) => {
      // A retry with the same key answers exactly as the first call did: 201 and the order.
      const { order, created } = await placeOrder({
        principal,
        idempotencyKey,
        input: body,
        correlationId: requestId,
      });
      if (!created) recordBusinessMetric('IdempotentReplays', 1);
      return json(orderView(order), 201);
    },
    // Ownership is checked in the domain: another customer's order is "not found".
    getOrder: async ({ params, principal }) => json(orderView(await getOrderFor(principal, params.id))),
    listOrders: async ({ query, principal }) => {
      const page = await listOrdersFor(principal, query);
      return json({ items: page.items.map(orderView), nextCursor: page.nextCursor });
    },
    cancelOrder: async ({ params, principal, requestId }) =>
      json(orderView(await cancelOrder({ orderId: params.id, principal, correlationId: requestId }))),
    shipOrder: async ({ params, body, principal, requestId }) =>
      json(orderView(await shipOrder({ orderId: params.id, principal, correlationId: requestId, ...body }))),
    deliverOrder: async ({ params, principal, requestId }) =>
      json(orderView(await deliverOrder({ orderId: params.id, principal, correlationId: requestId }))),
  },
  {
    // Business metrics of order intake's refusals (docs/operations.md, "Business metrics").
    onOutcome: ({ route, code }) => {
      if (route.operationId !== 'placeOrder') return;
      if (code === 'OUT_OF_STOCK') recordBusinessMetric('OutOfStockRejections', 1);
      else recordCouponRejection(code);
    },
  },
);
