/**
 * Changing tickets: the route contracts of the `ticketChanges` function — workflow moves,
 * assignment, priority, problem links, change checklists and approvals, and comments.
 */
import * as z from 'zod';
import { TicketPriority, TicketStatus } from '#events/tickets.ts';
import { defineRoute } from '#shared/http/contract.ts';
import { CommentCreated, Name, STAFF_ERRORS, Ticket, TicketId, TicketParams } from './schemas.ts';

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

const ChecklistItemParams = z.strictObject({ id: TicketId, itemId: z.string().regex(/^[0-9]{1,3}$/) });

export const ticketChangeRoutes = {
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
