/**
 * Reading tickets: the route contracts of the `ticketQueries` function (read-only on the table).
 */
import * as z from 'zod';
import { TicketPriority, TicketStatus, TicketType } from '#events/tickets.ts';
import { defineRoute } from '#shared/http/contract.ts';
import { PageQuery, pageQueryShape, queryParams } from '#shared/schemas.ts';
import { Name, STAFF_ERRORS, Ticket, TicketPage, TicketParams } from './schemas.ts';

export const ListTicketsQuery = queryParams({
  ...pageQueryShape,
  status: TicketStatus.optional(),
  assignee: Name.optional(),
  type: TicketType.optional(),
  priority: TicketPriority.optional(),
  order: z
    .enum(['newest', 'due'])
    .default('newest')
    .meta({ description: '`newest` first, or `due`: the earliest running SLA due time first' }),
});

export const ticketQueryRoutes = {
  listMyTickets: defineRoute({
    method: 'GET',
    path: '/tickets/mine',
    operationId: 'listMyTickets',
    summary: 'The caller’s own tickets, newest first',
    description:
      'Tickets concerning the caller as a customer (their `sub` is the ticket’s `customerId`), whoever ' +
      'opened them. Paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'tickets',
    access: 'authenticated',
    query: PageQuery,
    responses: { 200: { description: 'One page of tickets', schema: TicketPage } },
  }),
  listTickets: defineRoute({
    method: 'GET',
    path: '/tickets',
    operationId: 'listTickets',
    summary: 'Tickets by status, assignee, type and priority, newest or due first',
    description:
      'Staff only. Read from list items written with each ticket change, one partition per filter: ' +
      'no filter, `status`, `assignee`, `type`, `priority`, and `status` with `assignee` are served by ' +
      'key; any other combination reads the partition of the most selective filter named ' +
      '(status+assignee, assignee, status, type, priority) and filters the rest, so a page may hold fewer ' +
      'than `limit` items while `nextCursor` is not `null`. Paged: pass `nextCursor` back as `cursor`.',
    tag: 'tickets',
    access: 'staff',
    query: ListTicketsQuery,
    responses: { 200: { description: 'One page of tickets', schema: TicketPage } },
    errors: [...STAFF_ERRORS],
  }),
  getTicket: defineRoute({
    method: 'GET',
    path: '/tickets/{id}',
    operationId: 'getTicket',
    summary: 'A ticket with its comments',
    description:
      'Its customer (or requester) or staff; another customer’s ticket is `NOT_FOUND`. Internal comments ' +
      'are shown to staff only. The `ETag` header carries the version, for `If-Match` on a PATCH.',
    tag: 'tickets',
    access: 'authenticated',
    params: TicketParams,
    responses: { 200: { description: 'The ticket', schema: Ticket } },
    errors: ['NOT_FOUND'],
  }),
} as const;
