/** Service desk, opening tickets: thin handler over `createTicket` (gapless numbers, SLA clocks). */
import { httpApi } from '#shared/http/handler.ts';
import { ticketRoutes } from './contract.ts';
import { createTicket } from './create.ts';
import { ticketResponse } from './respond.ts';

export const handler = httpApi(ticketRoutes, {
  createTicket: async ({ body, principal, idempotencyKey, requestId }) => {
    const { ticket } = await createTicket({
      principal,
      input: body,
      idempotencyKey,
      correlationId: requestId,
    });
    return ticketResponse(principal, ticket, 201);
  },
});
