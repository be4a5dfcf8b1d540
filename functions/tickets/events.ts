/**
 * The service-desk events a ticket change emits, built from the ticket as the change leaves it:
 * `TicketCreated`, `TicketStatusChanged`, `TicketResolved`, `TicketSlaChanged` (events/tickets.ts),
 * each the outbox Put for the change's own transaction.
 */
import { emit } from '#events/emit.ts';
import type { TicketStatus } from '#events/tickets.ts';
import type { OutboxPut } from '#shared/outbox.ts';
import type { SlaState } from './sla.ts';
import type { TicketRecord } from './tickets.ts';

export interface EmitAt {
  readonly correlationId: string;
  /** The change's timestamp (ISO). */
  readonly at: string;
}

/** The fields every ticket event carries. */
export const ticketRef = (t: TicketRecord) => ({
  ticketId: t.id,
  number: t.number,
  type: t.type,
  priority: t.priority,
  ...(t.customerId === undefined ? {} : { customerId: t.customerId }),
});

const context = ({ correlationId, at }: EmitAt) => ({ correlationId, occurredAt: at });

export function ticketCreatedEvent(t: TicketRecord, ctx: EmitAt): OutboxPut {
  return emit(
    'TicketCreated',
    {
      ...ticketRef(t),
      subject: t.subject,
      requester: { ...t.requester },
      ...(t.orderId === undefined ? {} : { orderId: t.orderId }),
      ...(t.alertKey === undefined ? {} : { alertKey: t.alertKey }),
      ...(t.group === undefined ? {} : { group: t.group }),
      ...(t.sla.response.dueAt === undefined ? {} : { responseDueAt: t.sla.response.dueAt }),
      ...(t.sla.resolution.dueAt === undefined ? {} : { resolutionDueAt: t.sla.resolution.dueAt }),
      createdAt: t.createdAt,
    },
    context(ctx),
  );
}

export function ticketStatusChangedEvent(
  t: TicketRecord,
  from: TicketStatus,
  to: TicketStatus,
  by: string,
  ctx: EmitAt,
): OutboxPut {
  return emit('TicketStatusChanged', { ...ticketRef(t), from, to, by, changedAt: ctx.at }, context(ctx));
}

/** `TicketResolved` of a ticket the change resolved (its SLA state settled at `ctx.at`). */
export function ticketResolvedEvent(t: TicketRecord, by: string, ctx: EmitAt): OutboxPut {
  return emit(
    'TicketResolved',
    {
      ...ticketRef(t),
      createdAt: t.createdAt,
      resolvedAt: ctx.at,
      resolvedBy: by,
      responseMet: t.sla.response.state === 'met',
      resolutionMet: t.sla.resolution.state === 'met',
      businessMsToResolve: t.sla.resolution.consumedMs,
      ...(t.alertKey === undefined ? {} : { alertKey: t.alertKey }),
    },
    context(ctx),
  );
}

/** `TicketSlaChanged` for one SLA version (the ticket's other fields as the change leaves them). */
export function ticketSlaChangedEvent(t: TicketRecord, sla: SlaState, ctx: EmitAt): OutboxPut {
  return emit(
    'TicketSlaChanged',
    {
      ...ticketRef(t),
      slaVersion: sla.version,
      response: { ...sla.response },
      resolution: { ...sla.resolution },
      changedAt: ctx.at,
    },
    context(ctx),
  );
}
