/**
 * Opening a ticket: the route contract of the `tickets` function (docs/api.md: tickets;
 * docs/service-desk.md). Shared schemas are in `./schemas.ts`.
 */
import * as z from 'zod';
import { TicketPriority, TicketType } from '#events/tickets.ts';
import { defineRoute } from '#shared/http/contract.ts';
import { MAX_CHECKLIST_ITEMS, Name, OrderId, Ticket } from './schemas.ts';

export const CreateTicketInput = z
  .strictObject({
    type: TicketType,
    subject: z.string().trim().min(1).max(200),
    description: z.string().trim().min(1).max(10_000),
    priority: TicketPriority,
    customerId: Name.optional().meta({
      description: 'The customer the ticket concerns: a customer may name only themselves; staff anyone',
    }),
    orderId: OrderId.optional().meta({
      description: 'An order it is about: a customer’s own (another’s is `NOT_FOUND`); links its customer',
    }),
    group: Name.optional().meta({ description: 'Staff only: the team the ticket is for' }),
    assignee: Name.optional().meta({ description: 'Staff only: the staff member working on it' }),
    checklist: z
      .array(z.string().trim().min(1).max(500))
      .max(MAX_CHECKLIST_ITEMS)
      .optional()
      .meta({ description: 'Changes only: what must be done (each item ticked) before it can be resolved' }),
  })
  .meta({ id: 'CreateTicketInput' });
export type CreateTicketInput = z.infer<typeof CreateTicketInput>;

export const ticketRoutes = {
  createTicket: defineRoute({
    method: 'POST',
    path: '/tickets',
    operationId: 'createTicket',
    summary: 'Open a ticket',
    description:
      'Customers about themselves and their own orders (another customer’s order is `NOT_FOUND`, another ' +
      'customer id `FORBIDDEN`); staff about anyone. The ticket gets the next gapless number ' +
      '(`TCK-000123`) and its SLA due times from the policy of its priority. `checklist` only on a change. ' +
      'With an `Idempotency-Key`, a retry answers the first response.',
    example: {
      type: 'incident',
      subject: 'Parcel never arrived',
      description: 'Tracking says delivered, nothing here',
      priority: 'normal',
    },
    tag: 'tickets',
    access: 'authenticated',
    idempotencyKey: 'optional',
    body: CreateTicketInput,
    responses: { 201: { description: 'The ticket (NEW)', schema: Ticket } },
    errors: [
      'FORBIDDEN',
      'NOT_FOUND',
      'VALIDATION_FAILED',
      'IDEMPOTENCY_KEY_REUSED',
      'TICKET_TYPE_MISMATCH',
      'RATE_LIMITED',
    ],
  }),
} as const;
