/** Returns (RMA) API: thin handler over opening, the transitions and the return queries. */
import { getOrderFor } from '#functions/orders/orders.ts';
import { httpApi, json } from '#shared/http/handler.ts';
import { returnRoutes } from './contract.ts';
import { approveReturn, receiveReturn, rejectReturn } from './lifecycle.ts';
import { openReturn } from './request.ts';
import { getReturnFor, listReturnsForOrder, returnView } from './returns.ts';

export const handler = httpApi(returnRoutes, {
  openReturn: async ({ params, body, principal, idempotencyKey, requestId }) => {
    // A retry with the same key answers the first response, status included.
    const { ret } = await openReturn({
      orderId: params.id,
      principal,
      input: body,
      idempotencyKey,
      correlationId: requestId,
    });
    return json(returnView(ret), 201);
  },
  listOrderReturns: async ({ params, query, principal }) => {
    // Ownership is the order's: another customer's order is "not found".
    await getOrderFor(principal, params.id);
    const page = await listReturnsForOrder(params.id, query);
    return json({ items: page.items.map(returnView), nextCursor: page.nextCursor });
  },
  getReturn: async ({ params, principal }) => json(returnView(await getReturnFor(principal, params.id))),
  approveReturn: async ({ params, principal, requestId }) =>
    json(returnView(await approveReturn({ returnId: params.id, principal, correlationId: requestId }))),
  rejectReturn: async ({ params, principal, requestId }) =>
    json(returnView(await rejectReturn({ returnId: params.id, principal, correlationId: requestId }))),
  receiveReturn: async ({ params, body, principal, requestId }) =>
    json(
      returnView(
        await receiveReturn({ returnId: params.id, principal, input: body, correlationId: requestId }),
      ),
    ),
});
