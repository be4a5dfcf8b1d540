/**
 * The service-desk HTTP contract (docs/api.md: tickets; docs/service-desk.md). The topology, the
 * handler and the OpenAPI document are all built from these definitions.
 */
import * as z from 'zod';
import { SlaClock, TicketPriority, TicketStatus, TicketType } from '#events/tickets.ts';
import { CustomerId, OrderId } from '#functions/orders/contract.ts';
import { AppError } from '#shared/errors.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { IsoTimestamp, PageQuery, pageQueryShape, queryParams, Ulid } from '#shared/schemas.ts';

export const TicketId = Ulid.meta({
  description: 'Ticket id (a ULID)',
  example: '01JQ9A0B2C3D4E5F6G7H8J9K0P',
});

/** Staff member ids (`sub`), group names: short printable tokens. */
const Name = z
  .string()
  .regex(/^[\w.:@|+-]{1,128}$/, 'Letters, digits and . _ : @ | + -; at most 128 characters');

/** At most this many checklist items on a change. */
export const MAX_CHECKLIST_ITEMS = 30;

export const CreateTicketInput = z
  .strictObject({
    type: TicketType,
    subject: z.string().trim().min(1).max(200),
    description: z.string().trim().min(1).max(10_000),
    priority: TicketPriority,
    customerId: CustomerId.optional().meta({
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

export const UpdateTicketInput = z
  .strictObject({
    status: TicketStatus.optional().meta({
      description:
        'The next status along the workflow (NEW → OPEN → PENDING ↔ OPEN → RESOLVED → CLOSED, RESOLVED → OPEN)',
    }),
    assignee: Name.nullable().optional().meta({ description: 'A staff member, or `null` to unassign' }),
    priority: TicketPriority.optional().meta({
      description: 'Recomputes the SLA due times, keeping the business time already consumed',
    }),
    group: Name.nullable().optional().meta({ description: 'A team, or `null` to clear it' }),
    problemId: TicketId.nullable()
      .optional()
      .meta({ description: 'Incidents only: the problem ticket it is caused by, or `null` to unlink' }),
    resolveLinkedIncidents: z.boolean().optional().meta({
      description:
        'With `status: RESOLVED` on a problem: also resolve its open incidents, each in a follow-up transaction',
    }),
  })
  .refine(
    (change) => Object.entries(change).some(([k, v]) => v !== undefined && k !== 'resolveLinkedIncidents'),
    'Name at least one field to change',
  )
  .meta({ id: 'UpdateTicketInput' });
export type UpdateTicketInput = z.infer<typeof UpdateTicketInput>;

export const CommentInput = z
  .strictObject({
    body: z.string().trim().min(1).max(10_000),
    internal: z
      .boolean()
      .optional()
      .meta({ description: 'Staff only: a note customers never see (and no first response)' }),
  })
  .meta({ id: 'CommentInput' });
export type CommentInput = z.infer<typeof CommentInput>;

export const ChecklistItemInput = z
  .strictObject({ text: z.string().trim().min(1).max(500) })
  .meta({ id: 'ChecklistItemInput' });

export const TickInput = z.strictObject({ done: z.boolean() }).meta({ id: 'TickInput' });

const Requester = z
  .object({
    kind: z.enum(['customer', 'staff', 'system']),
    id: z.string().optional().meta({ description: 'Shown to staff, and when the requester is a customer' }),
  })
  .meta({ id: 'TicketRequester' });

export const TicketComment = z
  .object({
    id: z.string(),
    body: z.string(),
    internal: z.boolean(),
    author: z
      .object({
        kind: z.enum(['customer', 'staff', 'system']),
        id: z.string().optional().meta({ description: 'Shown to staff only' }),
      })
      .meta({ id: 'TicketCommentAuthor' }),
    createdAt: IsoTimestamp,
  })
  .meta({ id: 'TicketComment' });

export const ChecklistItem = z
  .object({
    id: z.string(),
    text: z.string(),
    done: z.boolean(),
    doneBy: z.string().optional().meta({ description: 'Who ticked it (a staff `sub`)' }),
    doneAt: IsoTimestamp.optional(),
  })
  .meta({ id: 'ChecklistItem' });

const SlaView = z
  .object({
    version: z.int().min(1).meta({ description: '`slaVersion`: +1 per clock change' }),
    response: SlaClock,
    resolution: SlaClock,
  })
  .meta({ id: 'TicketSla' });

export const Ticket = z
  .object({
    id: TicketId,
    number: z.string().meta({ description: 'Gapless and increasing: `TCK-000123`', example: 'TCK-000123' }),
    type: TicketType,
    subject: z.string(),
    description: z.string(),
    priority: TicketPriority,
    status: TicketStatus,
    requester: Requester,
    customerId: z.string().optional(),
    orderId: z.string().optional(),
    assignee: z.string().optional(),
    group: z.string().optional(),
    alertKey: z.string().optional().meta({ description: 'Incidents opened from alerts: what is faulty' }),
    previousIncidentId: z
      .string()
      .optional()
      .meta({ description: 'The resolved incident of the same alert key this one recurs' }),
    problemId: z.string().optional().meta({ description: 'Incidents: the problem they are linked to' }),
    incidents: z
      .array(z.object({ id: z.string(), number: z.string(), linkedAt: IsoTimestamp }))
      .optional()
      .meta({ description: 'Problems: the incidents linked to them' }),
    checklist: z.array(ChecklistItem).optional().meta({ description: 'Changes: what must be done' }),
    approval: z
      .object({ by: z.string(), at: IsoTimestamp })
      .optional()
      .meta({ description: 'Changes: the approval by a staff member other than the requester' }),
    responseDueAt: IsoTimestamp.optional().meta({
      description: 'First-response due time (absent while PENDING: it moves on resume)',
    }),
    resolutionDueAt: IsoTimestamp.optional().meta({
      description: 'Resolution due time (absent while PENDING: it moves on resume)',
    }),
    firstResponseAt: IsoTimestamp.optional().meta({ description: 'The first public staff response' }),
    sla: SlaView,
    comments: z.array(TicketComment).meta({ description: 'Oldest first; internal ones for staff only' }),
    history: z.array(z.object({ status: TicketStatus, at: IsoTimestamp })),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
    resolvedAt: IsoTimestamp.optional(),
    version: z.int().min(1).meta({ description: 'Bumped by every change; the `If-Match` of the next PATCH' }),
  })
  .meta({ id: 'Ticket' });
export type TicketView = z.infer<typeof Ticket>;

export const TicketSummary = z
  .object({
    id: TicketId,
    number: z.string(),
    type: TicketType,
    subject: z.string(),
    priority: TicketPriority,
    status: TicketStatus,
    customerId: z.string().optional(),
    assignee: z.string().optional(),
    group: z.string().optional(),
    responseDueAt: IsoTimestamp.optional(),
    resolutionDueAt: IsoTimestamp.optional(),
    nextDueAt: IsoTimestamp.optional().meta({ description: 'The earliest running SLA due time' }),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
  })
  .meta({ id: 'TicketSummary' });
export type TicketSummaryView = z.infer<typeof TicketSummary>;

export const TicketPage = z
  .object({ items: z.array(TicketSummary), nextCursor: z.string().nullable() })
  .meta({ id: 'TicketPage' });

export const CommentCreated = TicketComment.meta({ id: 'TicketCommentCreated' });

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

/** `If-Match: 3`, `"3"` or `W/"3"` → 3; absent → undefined; anything else is a 400. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^(?:W\/)?"?([1-9][0-9]{0,14})"?$/.exec(header.trim());
  if (!match?.[1]) {
    throw new AppError('VALIDATION_FAILED', 'If-Match must be the version of the ticket', {
      errors: [{ path: 'headers.if-match', message: 'Must be a version such as 3' }],
    });
  }
  return Number(match[1]);
}

const TicketParams = z.strictObject({ id: TicketId });
const ChecklistItemParams = z.strictObject({ id: TicketId, itemId: z.string().regex(/^[0-9]{1,3}$/) });

export const ticketsTag: ApiTag = {
  name: 'tickets',
  description:
    'The service desk: incidents, service requests, problems, changes and complaints with gapless ' +
    '`TCK-` numbers, the workflow NEW → OPEN → PENDING ↔ OPEN → RESOLVED → CLOSED, and business-hours ' +
    'SLA clocks (first response, resolution) that pause while PENDING (docs/service-desk.md).',
};

const STAFF_ERRORS = ['FORBIDDEN'] as const;

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
  updateTicket: defineRoute({
    method: 'PATCH',
    path: '/tickets/{id}',
    operationId: 'updateTicket',
    summary: 'Move a ticket along its workflow, assign, re-prioritise, regroup or link it',
    description:
      'Staff only. Each change is one conditional write on the status and version read: a move outside ' +
      'the workflow is `INVALID_STATE` with `currentStatus`; with `If-Match: <version>` a stale version is ' +
      '`VERSION_CONFLICT`. A change is resolved only with its checklist done and an approval ' +
      '(`CHANGE_NOT_READY`). A priority change recomputes the due times keeping the consumed time. ' +
      '`problemId` links an incident to a problem (`TICKET_TYPE_MISMATCH` otherwise); resolving a problem ' +
      'with `resolveLinkedIncidents` then resolves its open incidents, one transaction each.',
    example: { status: 'OPEN', assignee: 'agent-7' },
    tag: 'tickets',
    access: 'staff',
    params: TicketParams,
    body: UpdateTicketInput,
    responses: { 200: { description: 'The ticket after the change', schema: Ticket } },
    errors: [
      ...STAFF_ERRORS,
      'NOT_FOUND',
      'INVALID_STATE',
      'VERSION_CONFLICT',
      'CHANGE_NOT_READY',
      'TICKET_TYPE_MISMATCH',
      'RATE_LIMITED',
    ],
  }),
  commentOnTicket: defineRoute({
    method: 'POST',
    path: '/tickets/{id}/comments',
    operationId: 'commentOnTicket',
    summary: 'Comment on a ticket',
    description:
      'Its customer or staff (another customer’s ticket is `NOT_FOUND`); `internal` is staff only ' +
      '(`FORBIDDEN`). The first public staff comment meets the first-response target; later ones never ' +
      'change it. A customer’s reply to a PENDING ticket reopens it (OPEN; the SLA clocks resume). A ' +
      'CLOSED ticket takes no comments (`INVALID_STATE`). With an `Idempotency-Key`, a retry answers the ' +
      'first response.',
    example: { body: 'We have asked the carrier; we will be back within a day.' },
    tag: 'tickets',
    access: 'authenticated',
    idempotencyKey: 'optional',
    params: TicketParams,
    body: CommentInput,
    responses: { 201: { description: 'The comment', schema: CommentCreated } },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'INVALID_STATE', 'IDEMPOTENCY_KEY_REUSED', 'RATE_LIMITED'],
  }),
  addChecklistItem: defineRoute({
    method: 'POST',
    path: '/tickets/{id}/checklist',
    operationId: 'addChecklistItem',
    summary: 'Add an item to a change’s checklist',
    description:
      'Staff only, on a change (`TICKET_TYPE_MISMATCH` otherwise) that is not RESOLVED or CLOSED ' +
      '(`INVALID_STATE`).',
    example: { text: 'Back up the database' },
    tag: 'tickets',
    access: 'staff',
    params: TicketParams,
    body: ChecklistItemInput,
    responses: { 201: { description: 'The ticket with the new item', schema: Ticket } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND', 'INVALID_STATE', 'TICKET_TYPE_MISMATCH', 'RATE_LIMITED'],
  }),
  tickChecklistItem: defineRoute({
    method: 'PATCH',
    path: '/tickets/{id}/checklist/{itemId}',
    operationId: 'tickChecklistItem',
    summary: 'Tick (or untick) a checklist item of a change',
    description: 'Staff only; records who and when. Not on a RESOLVED or CLOSED change (`INVALID_STATE`).',
    example: { done: true },
    tag: 'tickets',
    access: 'staff',
    params: ChecklistItemParams,
    body: TickInput,
    responses: { 200: { description: 'The ticket after the change', schema: Ticket } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND', 'INVALID_STATE', 'TICKET_TYPE_MISMATCH', 'RATE_LIMITED'],
  }),
  approveChange: defineRoute({
    method: 'POST',
    path: '/tickets/{id}/approval',
    operationId: 'approveChange',
    summary: 'Approve a change',
    description:
      'Staff only, by a staff member other than the change’s requester (`FORBIDDEN`); on a change ' +
      '(`TICKET_TYPE_MISMATCH`) not yet RESOLVED or CLOSED (`INVALID_STATE`). Approving again answers the ' +
      'change as it is.',
    tag: 'tickets',
    access: 'staff',
    params: TicketParams,
    responses: { 200: { description: 'The approved change', schema: Ticket } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND', 'INVALID_STATE', 'TICKET_TYPE_MISMATCH', 'RATE_LIMITED'],
  }),
} as const;
