/** Orders API: thin handler over intake, lifecycle and the order queries. */
import { AppError, notFound } from '#shared/errors.ts';
import { httpApi, json } from '#shared/http/handler.ts';
import { orderRoutes } from './contract.ts';
import { placeOrder } from './intake.ts';
import { cancelOrder, deliverOrder, shipOrder } from './lifecycle.ts';
import { getOrder, listOrdersForCustomer, orderView } from './orders.ts';
import { canSee } from './rules.ts';

export const handler = httpApi(orderRoutes, {
  placeOrder: async ({ body, principal, idempotencyKey, requestId }) => {
    // A retry with the same key answers exactly as the first call did: 201 and the order.
    const { order } = await placeOrder({ principal, idempotencyKey, input: body, correlationId: requestId });
    return json(orderView(order), 201);
  },
  getOrder: async ({ params, principal }) => {
    const order = await getOrder(params.id);
    // Another customer's order is "not found": its existence is not theirs to learn.
    if (!order || !canSee(principal, order)) throw notFound(`Order ${params.id}`);
    return json(orderView(order));
  },
  listOrders: async ({ query, principal }) => {
    const customerId = query.customerId ?? (principal.isStaff ? undefined : principal.sub);
    if (customerId === undefined) {
      throw new AppError('VALIDATION_FAILED', 'query.customerId: Required for staff', {
        errors: [{ path: 'query.customerId', message: 'Required for staff' }],
      });
    }
    if (!canSee(principal, { customerId })) {
      throw new AppError('FORBIDDEN', 'Customers may list only their own orders');
    }
    const page = await listOrdersForCustomer(customerId, query);
    return json({ items: page.items.map(orderView), nextCursor: page.nextCursor });
  },
  cancelOrder: async ({ params, principal, requestId }) =>
    json(orderView(await cancelOrder({ orderId: params.id, principal, correlationId: requestId }))),
  shipOrder: async ({ params, body, principal, requestId }) =>
    json(orderView(await shipOrder({ orderId: params.id, principal, correlationId: requestId, ...body }))),
  deliverOrder: async ({ params, principal, requestId }) =>
    json(orderView(await deliverOrder({ orderId: params.id, principal, correlationId: requestId }))),
});
