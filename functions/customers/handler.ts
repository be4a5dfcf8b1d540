/** Customers API: thin handler over the customer service and the interaction log. */
import { httpApi, json } from '#shared/http/handler.ts';
import { customerRoutes } from './contract.ts';
import { getCustomerFor } from './customers.ts';
import { interactionView, listInteractions, logInteraction } from './interactions.ts';
import { createCustomerFor, customerView, etagOf, listCustomersFor, updateCustomerFor } from './service.ts';

const withEtag = (customer: Parameters<typeof etagOf>[0], status = 200) =>
  json(customerView(customer), status, { etag: etagOf(customer) });

export const handler = httpApi(customerRoutes, {
  createCustomer: async ({ body, principal, idempotencyKey, requestId }) =>
    withEtag(
      await createCustomerFor({ principal, input: body, idempotencyKey, correlationId: requestId }),
      201,
    ),
  // Ownership is checked in the domain: another customer's record is "not found".
  getCustomer: async ({ params, principal }) => withEtag(await getCustomerFor(principal, params.id)),
  listCustomers: async ({ query }) => {
    const page = await listCustomersFor(query);
    return json({ items: page.items.map(customerView), nextCursor: page.nextCursor });
  },
  updateCustomer: async ({ params, body, principal, headers, requestId }) =>
    withEtag(
      await updateCustomerFor({
        principal,
        id: params.id,
        input: body,
        ifMatch: headers['if-match'],
        correlationId: requestId,
      }),
    ),
  logInteraction: async ({ params, body, principal, idempotencyKey, requestId }) =>
    json(
      interactionView(
        await logInteraction({
          customerId: params.id,
          input: body,
          author: principal.sub,
          idempotencyKey,
          correlationId: requestId,
        }),
      ),
      201,
    ),
  addNote: async ({ params, body, principal, idempotencyKey, requestId }) =>
    json(
      interactionView(
        await logInteraction({
          customerId: params.id,
          input: body,
          author: principal.sub,
          idempotencyKey,
          correlationId: requestId,
        }),
      ),
      201,
    ),
  listInteractions: async ({ params, query }) => {
    const page = await listInteractions(params.id, query);
    return json({ items: page.items.map(interactionView), nextCursor: page.nextCursor });
  },
});
