/**
 * What the alerting consumer does with one alert: the incident (opened, or commented on when one
 * is open for the alert key), or the comment on the ticket an SLA breach is about; then the ops
 * notification naming it.
 *
 * **One incident per open fault.** The deduplication is the tickets context's: `createTicket`
 * with an `alertKey` takes the key's item (`TICKET_ALERT#<key>`) with a condition in the
 * incident's own transaction (absent, or naming a resolved incident), so of many concurrent
 * alerts one opens the incident and the others lose the condition, re-read, and get the open
 * incident back (`created: false`), which they comment on. Resolving the incident marks the key
 * resolved in the resolution's transaction, so the next alert opens a new incident with
 * `previousIncidentId`. An alert that found the incident open but whose comment landed after it
 * was resolved (the comment's transaction checks the status it read, which then is `RESOLVED`)
 * tries again and opens the new incident: a recurrence is never absorbed by a resolved one.
 *
 * **Redelivery.** The consumer's marker commits after these effects, so a delivery can run again
 * (a crash, a lost race of the marker). The incident and the comments are keyed by the event id
 * (`Idempotency-Key` semantics of `createTicket`, and `addSystemComment`'s key), so a rerun neither opens a
 * second incident nor comments twice. The notification is at least once: a rerun after a crash
 * between the publish and the marker notifies again (ops prefer a duplicate page to a lost one).
 *
 * **Silencing.** An open incident put in PENDING (someone acknowledged it and waits on a fix)
 * still gets a comment per repeat, but no notification: the repeats are recorded, nobody is paged.
 */
import { createTicket, systemPrincipal } from '#functions/tickets/create.ts';
import { addSystemComment } from '#functions/tickets/system-comments.ts';
import {
  getAlertKey,
  getTicket,
  getTicketIdempotencyRecord,
  type TicketRecord,
} from '#functions/tickets/tickets.ts';
import { AppError } from '#shared/errors.ts';
import { idempotentId } from '#shared/idempotency.ts';
import { notifyOps } from '#shared/messaging.ts';
import { logger } from '#shared/observability.ts';
import {
  type Alert,
  alertComment,
  incidentDescription,
  incidentPriority,
  opensIncident,
  opsNotification,
  type PreviousIncident,
} from './alerts.ts';

/** Attempts at "comment on the open incident" that find it resolved meanwhile. */
const MAX_INCIDENT_ATTEMPTS = 3;
const MAX_SUBJECT = 200;

export interface AlertContext {
  /** The id of the event carrying the alert: the idempotency key of its incident and comment. */
  readonly eventId: string;
  readonly correlationId: string;
}

export interface AlertOutcome {
  readonly incident?: { readonly id: string; readonly number: string; readonly opened: boolean };
  /** The ticket commented on (a breach's ticket), when it took the comment. */
  readonly commentedOn?: string;
  /** The ops topic's message id; undefined when silenced. */
  readonly notification?: string;
}

const isOpen = (status: TicketRecord['status']): boolean => status !== 'RESOLVED' && status !== 'CLOSED';

/** The incident an alert key last named, if it was resolved: the new incident recurs after it. */
async function previousIncident(alertKey: string): Promise<PreviousIncident | undefined> {
  const key = await getAlertKey(alertKey);
  if (key?.state !== 'resolved') return undefined;
  const ticket = await getTicket(key.ticketId);
  return { number: key.number, resolvedBy: ticket?.resolvedBy, resolvedAt: ticket?.resolvedAt };
}

/** Whether this very event opened `ticket` (a rerun of the delivery that created it). */
async function openedByThisEvent(idempotencyKey: string, ticket: TicketRecord): Promise<boolean> {
  const stored = await getTicketIdempotencyRecord(
    idempotentId('ticket', systemPrincipal.sub, idempotencyKey),
  );
  return stored?.ticket.id === ticket.id;
}

/** Opens the incident for the alert's key, or comments on the one open; see the module comment. */
async function incidentFor(
  alert: Alert,
  ctx: AlertContext,
): Promise<{ ticket: TicketRecord; opened: boolean }> {
  const idempotencyKey = `alert:${ctx.eventId}`;
  for (let attempt = 1; ; attempt++) {
    const previous = await previousIncident(alert.alertKey);
    const outcome = await createTicket({
      principal: systemPrincipal,
      input: {
        type: 'incident',
        subject: alert.summary.slice(0, MAX_SUBJECT),
        description: incidentDescription(alert, previous),
        priority: incidentPriority(alert.severity),
      },
      alertKey: alert.alertKey,
      idempotencyKey,
      correlationId: ctx.correlationId,
    });
    if (outcome.created || (await openedByThisEvent(idempotencyKey, outcome.ticket))) {
      return { ticket: outcome.ticket, opened: true };
    }
    const commented = await addSystemComment({
      ticketId: outcome.ticket.id,
      body: alertComment(alert),
      internal: true,
      idempotencyKey: `${idempotencyKey}:${outcome.ticket.id}`,
    });
    if (isOpen(commented.status))
      return { ticket: { ...outcome.ticket, status: commented.status }, opened: false };
    // Resolved between createTicket's read and the comment: this alert is a recurrence.
    if (attempt >= MAX_INCIDENT_ATTEMPTS) {
      throw new Error(`Incidents for ${alert.alertKey} keep resolving while alerts arrive`);
    }
    logger.info('open incident resolved while commenting: opening the next one', {
      alertKey: alert.alertKey,
      incident: outcome.ticket.number,
    });
  }
}

/** Notes an alert on the ticket it is about (an SLA breach); false when the ticket takes none. */
async function commentOn(ticketId: string, alert: Alert, ctx: AlertContext): Promise<boolean> {
  try {
    await addSystemComment({
      ticketId,
      body: alertComment(alert).replace(/^Alert again/, 'Alert'),
      internal: true,
      idempotencyKey: `alert:${ctx.eventId}`,
    });
    return true;
  } catch (error) {
    // A CLOSED ticket takes no comments; a deleted one is gone: the notification still goes out.
    if (error instanceof AppError && (error.code === 'INVALID_STATE' || error.code === 'NOT_FOUND')) {
      logger.info('ticket takes no alert comment', { ticketId, code: error.code });
      return false;
    }
    throw error;
  }
}

/** Applies one alert: incident or comment, then the ops notification (unless silenced). */
export async function raiseAlert(alert: Alert, ctx: AlertContext): Promise<AlertOutcome> {
  if (alert.action.kind === 'comment') {
    const commented = await commentOn(alert.action.ticketId, alert, ctx);
    const notification = await notifyOps(opsNotification(alert, {}));
    logger.info('alert applied', { alertKey: alert.alertKey, outcome: 'commented', commented });
    return { ...(commented ? { commentedOn: alert.action.ticketId } : {}), notification };
  }
  if (!opensIncident(alert)) {
    const notification = await notifyOps(opsNotification(alert, {}));
    logger.info('alert applied', { alertKey: alert.alertKey, outcome: 'notified' });
    return { notification };
  }
  const { ticket, opened } = await incidentFor(alert, ctx);
  const incident = { id: ticket.id, number: ticket.number, opened };
  const silenced = !opened && ticket.status === 'PENDING';
  const notification = silenced ? undefined : await notifyOps(opsNotification(alert, { incident }));
  logger.info('alert applied', {
    alertKey: alert.alertKey,
    outcome: opened ? 'incident-opened' : 'incident-commented',
    incident: ticket.number,
    silenced,
  });
  return { incident, ...(notification === undefined ? {} : { notification }) };
}
