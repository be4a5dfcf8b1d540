/**
 * Business metrics derived from events, in ONE place: the publisher records, for every outbox event
 * it has published for good, the metrics this map names for its type. A committed state change
 * writes its event to the outbox exactly once, so it is counted once, whichever handler caused it.
 *
 * The map reads the data as emitted (the version the publisher sees), not upcast: every mapped
 * type is at version 1 (`MAPPED_VERSION`), and a unit test fails when one gets a newer version, so
 * its mapping is revisited. Type-only imports: the publisher's bundle carries no event schema.
 */
import {
  type BusinessMetricPoint,
  REPORTED_CURRENCIES,
  type ReportedCurrency,
} from '#shared/business-metrics.ts';
import type { EventData, EventType } from './catalog.ts';

/** The version of each mapped event's data this map reads. */
export const MAPPED_VERSION = 1;

type Mapping = { readonly [T in EventType]?: (data: EventData<T>) => readonly BusinessMetricPoint[] };

const one = (name: BusinessMetricPoint['name']) => [{ name, value: 1 }] as BusinessMetricPoint[];

const isReported = (currency: string): currency is ReportedCurrency =>
  (REPORTED_CURRENCIES as readonly string[]).includes(currency);

export const eventBusinessMetrics = {
  OrderPlaced: (data) => [
    { name: 'OrdersPlaced', value: 1 },
    { name: 'OrderUnits', value: data.lines.reduce((sum, line) => sum + line.quantity, 0) },
    // An order in a currency the dashboard does not report is counted, not valued.
    ...(isReported(data.currency)
      ? [{ name: 'OrderValue', value: data.total, breakdown: data.currency } as const]
      : []),
  ],
  OrderCancelled: () => one('OrdersCancelled'),
  ReturnReceived: () => one('ReturnsReceived'),
  InvoiceIssued: () => one('InvoicesIssued'),
  CreditNoteIssued: () => one('CreditNotesIssued'),
  StockLow: () => one('StockLowCrossings'),
  CouponRedeemed: () => one('CouponRedemptions'),
  // Gross movements: reversals of an earn and refunds of a spend are not subtracted.
  LoyaltyPointsChanged: (data) =>
    data.kind === 'earn'
      ? [{ name: 'LoyaltyPointsEarned', value: Math.abs(data.points) }]
      : data.kind === 'spend'
        ? [{ name: 'LoyaltyPointsSpent', value: Math.abs(data.points) }]
        : [],
  TicketCreated: (data) => [
    { name: 'TicketsOpened', value: 1 },
    // Alerting opens incidents as the `system` requester (functions/tickets/create.ts).
    ...(data.type === 'incident' && data.requester.kind === 'system'
      ? [{ name: 'IncidentsFromAlerts', value: 1 } as const]
      : []),
  ],
  TicketResolved: () => one('TicketsResolved'),
  TicketSlaWarning: () => one('SlaWarnings'),
  TicketSlaBreached: () => one('SlaBreaches'),
} as const satisfies Mapping;

/** The business metrics one published event counts (none for an unmapped type or version). */
export function businessMetricsOf(envelope: {
  readonly type: string;
  readonly version: number;
  readonly data: unknown;
}): readonly BusinessMetricPoint[] {
  if (envelope.version !== MAPPED_VERSION || !Object.hasOwn(eventBusinessMetrics, envelope.type)) return [];
  const map = eventBusinessMetrics[envelope.type as keyof typeof eventBusinessMetrics] as (
    data: unknown,
  ) => readonly BusinessMetricPoint[];
  return map(envelope.data);
}
