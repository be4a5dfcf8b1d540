/**
 * The service desk's shared HTTP schemas: ids, the ticket and list views every ticket route
 * answers with, the tag, and `If-Match` parsing. The routes are in three contracts, one per function
 * (`contract.ts` creation, `query-contract.ts` reads, `change-contract.ts` changes and comments), so
 * each function's bundle carries only its own routes' definitions (bundle budget, tests/infra).
 */
import * as z from 'zod';
import { SlaClock, TicketPriority, TicketStatus, TicketType } from '#events/tickets.ts';
import { AppError } from '#shared/errors.ts';
import type { ApiTag } from '#shared/http/contract.ts';
import { IsoTimestamp, Ulid } from '#shared/schemas.ts';

export const TicketId = Ulid.meta({
  description: 'Ticket id (a ULID)',
  example: '01JQ9A0B2C3D4E5F6G7H8J9K0P',
});

/**
 * Customer and staff ids (`sub`), group names: short printable tokens, as orders' `CustomerId`.
 * Declared here rather than imported: the orders contract would cost this bundle 5 KB of its budget.
 */
export const Name = z
  .string()
  .regex(/^[\w.:@|+-]{1,128}$/, 'Letters, digits and . _ : @ | + -; at most 128 characters');
/** An order id: 26 Crockford base32 characters (orders' `OrderId`). */
export const OrderId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'Must be an order id');

/** At most this many checklist items on a change. */
export const MAX_CHECKLIST_ITEMS = 30;

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

export const TicketParams = z.strictObject({ id: TicketId });

export const ticketsTag: ApiTag = {
  name: 'tickets',
  description:
    'The service desk: incidents, service requests, problems, changes and complaints with gapless ' +
    '`TCK-` numbers, the workflow NEW → OPEN → PENDING ↔ OPEN → RESOLVED → CLOSED, and business-hours ' +
    'SLA clocks (first response, resolution) that pause while PENDING (docs/service-desk.md).',
};

export const STAFF_ERRORS = ['FORBIDDEN'] as const;
