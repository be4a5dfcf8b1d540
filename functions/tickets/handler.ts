/** Service-desk API: thin handler over ticket creation, changes, comments and the ticket queries. */

import type { Principal } from '#shared/auth.ts';
import { notFound } from '#shared/errors.ts';
import { httpApi, json } from '#shared/http/handler.ts';
import { visibleTo } from '#shared/ownership.ts';
import { addChecklistItem, approveChange, tickChecklistItem, updateTicket } from './changes.ts';
import { commentOnTicket } from './comments.ts';
import { ifMatchVersion, ticketRoutes } from './contract.ts';
import { createTicket } from './create.ts';
import {
  commentView,
  getTicketWithThread,
  listTickets,
  listTicketsForCustomer,
  summaryOf,
  type TicketRecord,
  ticketOwner,
  ticketView,
} from './tickets.ts';

/** The ticket with its thread as the principal may see it, with its version as the ETag. */
async function answer(principal: Principal, ticket: TicketRecord | string, status = 200) {
  const id = typeof ticket === 'string' ? ticket : ticket.id;
  const thread = await getTicketWithThread(id);
  if (!thread) throw notFound(`Ticket ${id}`);
  visibleTo(principal, thread.ticket, ticketOwner, `Ticket ${id}`);
  // A change just committed answers with what it wrote (the read may not be newer).
  const current =
    typeof ticket === 'string' || thread.ticket.version >= ticket.version ? thread.ticket : ticket;
  return json(ticketView({ ...thread, ticket: current }, principal.isStaff), status, {
    etag: `"${current.version}"`,
  });
}

export const handler = httpApi(ticketRoutes, {
  createTicket: async ({ body, principal, idempotencyKey, requestId }) => {
    const { ticket } = await createTicket({
      principal,
      input: body,
      idempotencyKey,
      correlationId: requestId,
    });
    return answer(principal, ticket, 201);
  },
  listMyTickets: async ({ query, principal }) => {
    const page = await listTicketsForCustomer(principal.sub, query);
    return json({ items: page.items.map(summaryOf), nextCursor: page.nextCursor });
  },
  listTickets: async ({ query }) => json(await listTickets(query)),
  getTicket: async ({ params, principal }) => answer(principal, params.id),
  updateTicket: async ({ params, body, headers, principal, requestId }) =>
    answer(
      principal,
      await updateTicket({
        ticketId: params.id,
        principal,
        input: body,
        expectedVersion: ifMatchVersion(headers['if-match']),
        correlationId: requestId,
      }),
    ),
  commentOnTicket: async ({ params, body, principal, idempotencyKey, requestId }) => {
    const { comment } = await commentOnTicket({
      ticketId: params.id,
      principal,
      input: body,
      idempotencyKey,
      correlationId: requestId,
    });
    return json(commentView(comment, principal.isStaff), 201);
  },
  addChecklistItem: async ({ params, body, principal, requestId }) =>
    answer(
      principal,
      await addChecklistItem({ ticketId: params.id, principal, correlationId: requestId, text: body.text }),
      201,
    ),
  tickChecklistItem: async ({ params, body, principal, requestId }) =>
    answer(
      principal,
      await tickChecklistItem({
        ticketId: params.id,
        principal,
        correlationId: requestId,
        itemId: params.itemId,
        done: body.done,
      }),
    ),
  approveChange: async ({ params, principal, requestId }) =>
    answer(principal, await approveChange({ ticketId: params.id, principal, correlationId: requestId })),
});
