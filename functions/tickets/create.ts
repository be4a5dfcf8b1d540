/**
 * Opening a ticket: one `TransactWriteItems` holding [the idempotency record], the number counter
 * advanced from the value read (`last = :read`), the ticket (`attribute_not_exists`), its list
 * items, [the alert key it takes], and `TicketCreated` + `TicketSlaChanged` in the outbox.
 *
 * Numbers: the counter and the ticket commit together or not at all, so a failed transaction
 * leaves no gap, and two creations that read the same value cannot both commit: the loser's
 * condition fails, and it re-reads the counter and tries again after a jittered backoff, inside
 * the request, a bounded number of times (then 429, and the client retries with its
 * Idempotency-Key). The counter is the one deliberately hot item of the desk: ticket creation is
 * human-paced, and alert incidents are throttled by their consumer's concurrency.
 *
 * Callable from consumers (alerting) with `systemPrincipal`: an `alertKey` makes the creation
 * "the open incident for this fault": when one is open, nothing is created and it is returned.
 */
import { monotonicFactory } from 'ulid';
import { getOrderFor } from '#functions/orders/orders.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import { idempotentId, requestHash } from '#shared/idempotency.ts';
import { backoff, contention, type TaggedWrite, transactWrite } from '#shared/transactions.ts';
import { businessCalendar, slaPolicy } from './config.ts';
import type { CreateTicketInput } from './contract.ts';
import { ticketCreatedEvent, ticketSlaChangedEvent } from './events.ts';
import { calendarFor, startSla } from './sla.ts';
import {
  alertKeyTake,
  formatTicketNumber,
  getAlertKey,
  getTicket,
  getTicketCounter,
  getTicketIdempotencyRecord,
  listWrites,
  type TicketRecord,
  ticketCounterAdvance,
  ticketCreatePut,
  ticketIdempotencyPut,
} from './tickets.ts';

const nextId = monotonicFactory();

/** The principal consumers act as (alerting opening incidents): staff rights, requester `system`. */
export const systemPrincipal: Principal = Object.freeze({
  sub: 'system',
  groups: Object.freeze(['staff']),
  isStaff: true,
});

/**
 * Attempts at the counter before giving up (429). Each lost attempt means another ticket got a
 * number, so this many concurrent creations always finish; the backoff spreads them out.
 */
const MAX_NUMBER_ATTEMPTS = 60;
const NUMBER_BACKOFF = { baseDelayMs: 10, maxDelayMs: 200 } as const;

export interface CreateTicketRequest {
  readonly principal: Principal;
  readonly input: CreateTicketInput;
  readonly idempotencyKey?: string | undefined;
  readonly correlationId: string;
  /** Incidents from alerts (system only): the fault's key; one open incident per key. */
  readonly alertKey?: string | undefined;
}

export interface CreateTicketOutcome {
  /** False for an Idempotency-Key retry, or when the alert key's incident was already open. */
  readonly created: boolean;
  readonly ticket: TicketRecord;
}

type CreateTag = 'idempotency' | 'counter' | 'ticket' | 'list' | 'alert' | 'outbox';

const forbidden = (detail: string) => new AppError('FORBIDDEN', detail);
const invalid = (path: string, message: string) =>
  new AppError('VALIDATION_FAILED', `${path}: ${message}`, { errors: [{ path, message }] });

function requesterOf(principal: Principal): TicketRecord['requester'] {
  if (principal === systemPrincipal || (principal.isStaff && principal.sub === systemPrincipal.sub)) {
    return { kind: 'system', id: 'system' };
  }
  return { kind: principal.isStaff ? 'staff' : 'customer', id: principal.sub };
}

/** The customer a ticket concerns, checked against the caller and the order. */
async function customerOf(principal: Principal, input: CreateTicketInput): Promise<string | undefined> {
  if (!principal.isStaff) {
    if (input.customerId !== undefined && input.customerId !== principal.sub) {
      throw forbidden('Customers may open tickets only about themselves');
    }
    if (input.group !== undefined || input.assignee !== undefined) {
      throw forbidden('Only staff route tickets to a group or an assignee');
    }
  }
  // Another customer's order is "not found", whatever else the request says.
  const order = input.orderId === undefined ? undefined : await getOrderFor(principal, input.orderId);
  if (!principal.isStaff) return principal.sub;
  if (order && input.customerId !== undefined && input.customerId !== order.customerId) {
    throw invalid('body.customerId', 'Not the customer of the order');
  }
  return input.customerId ?? order?.customerId;
}

function replayed(stored: { requestHash: string; ticket: TicketRecord }, hash: string): CreateTicketOutcome {
  if (stored.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request',
    );
  }
  return { created: false, ticket: stored.ticket };
}

/** The incident open for an alert key, or undefined (with what was read) when none is. */
async function openIncidentFor(alertKey: string) {
  const read = await getAlertKey(alertKey);
  if (read?.state === 'open') {
    const ticket = await getTicket(read.ticketId);
    if (!ticket) throw new Error(`Alert key ${alertKey} names ticket ${read.ticketId}, which does not exist`);
    return { open: ticket, read };
  }
  return { open: undefined, read };
}

/**
 * Opens a ticket (NEW) with the next number and its SLA clocks running. A customer opens tickets
 * about themselves (another customer id is 403, another customer's order 404); staff for anyone.
 */
export async function createTicket(request: CreateTicketRequest): Promise<CreateTicketOutcome> {
  const { principal, input, idempotencyKey, correlationId, alertKey } = request;
  if (input.checklist !== undefined && input.type !== 'change') {
    throw invalid('body.checklist', 'Only a change carries a checklist');
  }
  if (alertKey !== undefined && !principal.isStaff) throw forbidden('Only the system opens alert incidents');
  const hash = requestHash({ ...input, alertKey });
  const idemId = idempotencyKey ? idempotentId('ticket', principal.sub, idempotencyKey) : undefined;
  if (idemId) {
    const stored = await getTicketIdempotencyRecord(idemId);
    if (stored) return replayed(stored, hash);
  }
  const customerId = await customerOf(principal, input);
  const requester = requesterOf(principal);
  const calendar = calendarFor(input.priority, businessCalendar);
  const policy = slaPolicy[input.priority];

  for (let attempt = 0; attempt < MAX_NUMBER_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(Math.min(attempt - 1, 5), NUMBER_BACKOFF);
    const alert = alertKey === undefined ? undefined : await openIncidentFor(alertKey);
    if (alert?.open) return { created: false, ticket: alert.open };
    const last = await getTicketCounter();
    const now = new Date();
    const at = now.toISOString();
    const id = nextId(now.getTime());
    const ticket: TicketRecord = {
      id,
      number: formatTicketNumber((last ?? 0) + 1),
      type: input.type,
      subject: input.subject,
      description: input.description,
      priority: input.priority,
      status: 'NEW',
      requester,
      ...(customerId === undefined ? {} : { customerId }),
      ...(input.orderId === undefined ? {} : { orderId: input.orderId }),
      ...(input.assignee === undefined ? {} : { assignee: input.assignee }),
      ...(input.group === undefined ? {} : { group: input.group }),
      ...(alertKey === undefined ? {} : { alertKey }),
      ...(alert?.read === undefined ? {} : { previousIncidentId: alert.read.ticketId }),
      ...(input.checklist === undefined
        ? {}
        : { checklist: input.checklist.map((text, i) => ({ id: String(i + 1), text, done: false })) }),
      sla: startSla(policy, now, calendar),
      history: [{ status: 'NEW', at, by: principal.sub }],
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    const ctx = { correlationId, at };
    const writes: TaggedWrite<CreateTag>[] = [
      ...(idemId ? [{ tag: 'idempotency' as const, write: ticketIdempotencyPut(idemId, hash, ticket) }] : []),
      { tag: 'counter', write: ticketCounterAdvance(last, at) },
      { tag: 'ticket', write: ticketCreatePut(ticket) },
      ...listWrites(undefined, ticket).map((write) => ({ tag: 'list' as const, write })),
      ...(alertKey === undefined
        ? []
        : [{ tag: 'alert' as const, write: alertKeyTake(alertKey, ticket, alert?.read, at) }]),
      { tag: 'outbox', write: ticketCreatedEvent(ticket, ctx) },
      { tag: 'outbox', write: ticketSlaChangedEvent(ticket, ticket.sla, ctx) },
    ];
    let outcome: Awaited<ReturnType<typeof transactWrite<CreateTag>>>;
    try {
      // Few conflict retries of the same writes: the counter they hold is stale by then anyway.
      outcome = await transactWrite(ddb, writes, { maxAttempts: 2 });
    } catch (error) {
      // Conflicts with other creations in flight: lost the race, like a failed counter condition.
      if (error instanceof AppError && error.code === 'RATE_LIMITED') continue;
      throw error;
    }
    if (outcome.ok) return { created: true, ticket };
    if (outcome.failed.includes('idempotency') && idemId) {
      const stored = await getTicketIdempotencyRecord(idemId);
      if (!stored) throw new Error(`Ticket idempotency record ${idemId} exists but cannot be read`);
      return replayed(stored, hash);
    }
    // Another ticket took this number, or another incident this alert key: read again.
    if (outcome.failed.includes('counter') || outcome.failed.includes('alert')) continue;
    throw new Error(`Ticket creation cancelled by ${outcome.failed.join(', ')}`);
  }
  throw contention('The ticket number');
}
