/**
 * What an alert is and what it becomes: pure rules, no I/O.
 *
 * Every source the alerting consumer listens to is read into one `Alert`:
 *
 * | source                              | alert key              | severity          | becomes                              |
 * |-------------------------------------|------------------------|-------------------|--------------------------------------|
 * | `StockLow`                          | `stock-low:<sku>`      | warning           | notification + incident              |
 * | `AlertRaised` warning / critical    | its `alertKey`         | its own           | notification + incident              |
 * | `AlertRaised` info                  | its `alertKey`         | info              | notification only                    |
 * | DLQ alarm (an `AlertRaised`, below) | `dlq:<queue>`          | critical          | notification + incident              |
 * | `TicketSlaBreached`                 | `sla-breach:<ticketId>`| warning           | notification + comment on the ticket |
 *
 * A system fault (stock, a dead-letter queue, anything raised at warning or above) is an incident:
 * something is broken for everyone until someone fixes it. An SLA breach is about one ticket that
 * already exists and has an owner: an incident about it would be a ticket about a ticket, so the
 * breach is noted on the ticket itself (an internal comment) and ops are told.
 */
import type { EventOf } from '#events/catalog.ts';
import type { TicketPriority } from '#events/tickets.ts';

export type AlertSeverity = EventOf<'AlertRaised'>['data']['severity'];

export interface Alert {
  /** Stable across repeats of the same fault: one open incident per key. */
  readonly alertKey: string;
  readonly severity: AlertSeverity;
  /** One line naming what is faulty (the incident's subject). */
  readonly summary: string;
  readonly detail: string;
  /** What raised it: `replenishment`, `cloudwatch`, `local-dlq`, `ticket-sla` … */
  readonly origin: string;
  readonly raisedAt: string;
  /** What the alert becomes besides the notification. */
  readonly action: { readonly kind: 'incident' } | { readonly kind: 'comment'; readonly ticketId: string };
}

/** Severities that make an incident (`info` is a notification only). */
export const INCIDENT_SEVERITIES: readonly AlertSeverity[] = ['warning', 'critical'];

/** An incident's priority: critical faults are urgent (24×7 SLA), warnings high. */
export const INCIDENT_PRIORITY: Readonly<Record<'warning' | 'critical', TicketPriority>> = {
  warning: 'high',
  critical: 'urgent',
};

/** The alert key of a dead-letter queue (its topology name: `fulfilment`, `publisher-stream-failures`). */
export const dlqAlertKey = (queue: string): string => `dlq:${queue}`;
export const stockLowAlertKey = (sku: string): string => `stock-low:${sku}`;
export const slaBreachAlertKey = (ticketId: string): string => `sla-breach:${ticketId}`;

export function alertFromStockLow(event: EventOf<'StockLow'>): Alert {
  const { sku, available, reorderPoint, suggestedQuantity, replenishmentId, detectedAt } = event.data;
  return {
    alertKey: stockLowAlertKey(sku),
    severity: 'warning',
    summary: `Stock low: ${sku}`,
    detail:
      `${sku} has ${available} available, at or below its reorder point ${reorderPoint}. ` +
      `Replenishment ${replenishmentId} suggests ordering ${suggestedQuantity}.`,
    origin: 'replenishment',
    raisedAt: detectedAt,
    action: { kind: 'incident' },
  };
}

export function alertFromSlaBreach(event: EventOf<'TicketSlaBreached'>): Alert {
  const { ticketId, number, target, dueAt, breachedAt, priority } = event.data;
  const what = target === 'response' ? 'first-response' : 'resolution';
  return {
    alertKey: slaBreachAlertKey(ticketId),
    severity: 'warning',
    summary: `SLA breached: ${number} ${what}`,
    detail: `The ${what} target of ${number} (${priority}) was due at ${dueAt} and breached at ${breachedAt}.`,
    origin: 'ticket-sla',
    raisedAt: breachedAt,
    action: { kind: 'comment', ticketId },
  };
}

export function alertFromAlertRaised(event: EventOf<'AlertRaised'>): Alert {
  const { alertKey, severity, summary, detail, origin, raisedAt } = event.data;
  return {
    alertKey,
    severity,
    summary,
    detail: detail ?? summary,
    origin,
    raisedAt,
    action: { kind: 'incident' },
  };
}

/** Whether an alert opens (or comments on) an incident for its key. */
export const opensIncident = (alert: Alert): boolean =>
  alert.action.kind === 'incident' && INCIDENT_SEVERITIES.includes(alert.severity);

/** The incident's priority for an alert that opens one. */
export const incidentPriority = (severity: AlertSeverity): TicketPriority =>
  severity === 'critical' ? INCIDENT_PRIORITY.critical : INCIDENT_PRIORITY.warning;

/** Who resolved the incident an alert key named before, for the recurrence's description. */
export interface PreviousIncident {
  readonly number: string;
  readonly resolvedBy?: string | undefined;
  readonly resolvedAt?: string | undefined;
}

/** The description of a new incident: the alert, its key, and the incident it recurs after. */
export function incidentDescription(alert: Alert, previous?: PreviousIncident): string {
  return [
    alert.detail,
    '',
    `Alert key: ${alert.alertKey} (repeats comment on this incident until it is resolved).`,
    `Severity: ${alert.severity}. Raised by ${alert.origin} at ${alert.raisedAt}.`,
    ...(previous
      ? [
          `Recurrence of ${previous.number}, resolved` +
            `${previous.resolvedBy ? ` by ${previous.resolvedBy}` : ''}` +
            `${previous.resolvedAt ? ` at ${previous.resolvedAt}` : ''}.`,
        ]
      : []),
  ].join('\n');
}

/** The comment a repeated alert leaves on the open incident (or a breach on its ticket). */
export function alertComment(alert: Alert): string {
  return `Alert again (${alert.severity}, from ${alert.origin} at ${alert.raisedAt}): ${alert.detail}`;
}

/** What the ops notification says, given what the alert did. */
export function opsNotification(
  alert: Alert,
  outcome: { readonly incident?: { readonly number: string; readonly opened: boolean } | undefined },
) {
  const { incident } = outcome;
  const suffix = incident ? ` [${incident.number}${incident.opened ? ' opened' : ' updated'}]` : '';
  return {
    subject: `${alert.severity.toUpperCase()}: ${alert.summary}${suffix}`,
    message: [
      alert.summary,
      '',
      alert.detail,
      '',
      `Alert key: ${alert.alertKey}`,
      `Raised by ${alert.origin} at ${alert.raisedAt}`,
      ...(incident
        ? [
            `Incident ${incident.number} (${incident.opened ? 'opened by this alert' : 'already open: commented'})`,
          ]
        : []),
    ].join('\n'),
    severity: alert.severity,
    tags: {
      alertKey: alert.alertKey,
      origin: alert.origin,
      ...(incident ? { incident: incident.number } : {}),
    },
  };
}
