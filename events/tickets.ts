/**
 * Service-desk events (source `storeline.tickets`): the ticket lifecycle and its SLA clock, and
 * (source `storeline.alerting`) alerts raised by anything that watches the system.
 */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { IsoTimestamp } from '#shared/schemas.ts';

export const TicketType = z.enum(['incident', 'service_request', 'problem', 'change', 'complaint']);
export type TicketType = z.infer<typeof TicketType>;
export const TicketPriority = z.enum(['low', 'normal', 'high', 'urgent']);
export type TicketPriority = z.infer<typeof TicketPriority>;
/** NEW → OPEN → PENDING ↔ OPEN → RESOLVED → CLOSED, RESOLVED → OPEN. */
export const TicketStatus = z.enum(['NEW', 'OPEN', 'PENDING', 'RESOLVED', 'CLOSED']);
export type TicketStatus = z.infer<typeof TicketStatus>;
/** Who asked: a customer (their `sub` is their customer id) or a staff member (their `sub`). */
export const TicketRequester = z.object({ kind: z.enum(['customer', 'staff', 'system']), id: z.string() });

/** The two SLA targets of a ticket. */
export const SlaTarget = z.enum(['response', 'resolution']);
export type SlaTarget = z.infer<typeof SlaTarget>;

/**
 * One SLA target's clock. `running`: counting business time towards `dueAt`; `paused`: the ticket
 * is PENDING, no due time (it moves on resume); `met`: satisfied at `metAt` (first public staff
 * response, or resolution); `breached`: the due time passed first (the target may still be met
 * later: `metAt` then records when).
 */
export const SlaClock = z.object({
  state: z.enum(['running', 'paused', 'met', 'breached']),
  /** When running: the instant the target breaches. */
  dueAt: IsoTimestamp.optional(),
  /** When running: the instant 80 % of the target is consumed (the warning). */
  warnAt: IsoTimestamp.optional(),
  /** Business milliseconds consumed so far (up to the last change). */
  consumedMs: z.int().min(0),
  /** The target in business milliseconds, from the policy of the ticket's priority. */
  targetMs: z.int().min(1),
  metAt: IsoTimestamp.optional(),
  breachedAt: IsoTimestamp.optional(),
});

const TicketRef = z.object({
  ticketId: z.string(),
  /** `TCK-000123`. */
  number: z.string(),
  type: TicketType,
  priority: TicketPriority,
  /** The customer the ticket concerns (the requester, or a customer linked by staff). */
  customerId: z.string().optional(),
});

export const TicketCreatedV1 = envelopeOf(
  'TicketCreated',
  1,
  TicketRef.extend({
    subject: z.string(),
    requester: TicketRequester,
    orderId: z.string().optional(),
    /** Set on incidents opened from an alert (the deduplication key, e.g. `stock-low:SKU-1`). */
    alertKey: z.string().optional(),
    group: z.string().optional(),
    responseDueAt: IsoTimestamp.optional(),
    resolutionDueAt: IsoTimestamp.optional(),
    createdAt: IsoTimestamp,
  }),
);

export const TicketStatusChangedV1 = envelopeOf(
  'TicketStatusChanged',
  1,
  TicketRef.extend({
    from: TicketStatus,
    to: TicketStatus,
    /** The `sub` of the staff member or customer, or `system`. */
    by: z.string(),
    changedAt: IsoTimestamp,
  }),
);

export const TicketResolvedV1 = envelopeOf(
  'TicketResolved',
  1,
  TicketRef.extend({
    createdAt: IsoTimestamp,
    resolvedAt: IsoTimestamp,
    resolvedBy: z.string(),
    /** Whether each SLA target was met in time (false when it breached, even if met later). */
    responseMet: z.boolean(),
    resolutionMet: z.boolean(),
    /** Business milliseconds from creation to resolution, pauses excluded. */
    businessMsToResolve: z.int().min(0),
    alertKey: z.string().optional(),
  }),
);

/**
 * The SLA clocks changed (created, paused, resumed, priority changed, first response, resolved,
 * reopened). `slaVersion` increases with each change of one ticket, so a consumer keeps only the
 * newest; the timers consumer schedules the warning and breach of each running clock from it.
 */
export const TicketSlaChangedV1 = envelopeOf(
  'TicketSlaChanged',
  1,
  TicketRef.extend({
    slaVersion: z.int().min(1),
    response: SlaClock,
    resolution: SlaClock,
    changedAt: IsoTimestamp,
  }),
);

const SlaAlarm = TicketRef.extend({
  target: SlaTarget,
  dueAt: IsoTimestamp,
  /** The `slaVersion` whose schedule fired. */
  slaVersion: z.int().min(1),
});

export const TicketSlaWarningV1 = envelopeOf(
  'TicketSlaWarning',
  1,
  SlaAlarm.extend({ warnedAt: IsoTimestamp }),
);

export const TicketSlaBreachedV1 = envelopeOf(
  'TicketSlaBreached',
  1,
  SlaAlarm.extend({ breachedAt: IsoTimestamp }),
);

export const AlertSeverity = z.enum(['info', 'warning', 'critical']);

export const AlertRaisedV1 = envelopeOf(
  'AlertRaised',
  1,
  z.object({
    /**
     * What is faulty, stable across repeats of the same fault: `stock-low:<sku>`,
     * `dlq:<queue>`, `sla-breach:<ticketId>` … Alerts with one key while an incident for it is
     * open comment on that incident instead of opening another.
     */
    alertKey: z.string().min(1).max(200),
    severity: AlertSeverity,
    /** One line naming what is faulty. */
    summary: z.string().min(1).max(200),
    detail: z.string().max(4000).optional(),
    /** What raised it: `replenishment`, `cloudwatch`, `local-dlq` … */
    origin: z.string(),
    raisedAt: IsoTimestamp,
  }),
);
