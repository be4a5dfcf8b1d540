/** Service desk, reading tickets: thin handler over the ticket and list queries (read-only). */
import { httpApi, json } from '#shared/http/handler.ts';
import { ticketQueryRoutes } from './query-contract.ts';
import { ticketResponse } from './respond.ts';
import { listTickets, listTicketsForCustomer, summaryOf } from './tickets.ts';

export const handler = httpApi(ticketQueryRoutes, {
  listMyTickets: async ({ query, principal }) => {
    const page = await listTicketsForCustomer(principal.sub, query);
    return json({ items: page.items.map(summaryOf), nextCursor: page.nextCursor });
  },
  listTickets: async ({ query }) => json(await listTickets(query)),
  getTicket: async ({ params, principal }) => ticketResponse(principal, params.id),
});
