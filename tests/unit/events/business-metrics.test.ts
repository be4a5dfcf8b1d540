/**
 * The event → business metric map (events/business-metrics.ts): each mapped event counts exactly
 * the metrics the catalogue names for it, unmapped types and unknown versions count nothing, and
 * every mapped type is still at the version the map reads.
 */
import { describe, expect, it } from 'vitest';
import { businessMetricsOf, eventBusinessMetrics, MAPPED_VERSION } from '#events/business-metrics.ts';
import { type EventType, eventCatalogue } from '#events/catalog.ts';
import { sampleEvent } from '../../support/backbone.ts';

const metricsOf = (type: EventType, data?: Record<string, unknown>) => {
  const event = sampleEvent(type);
  return businessMetricsOf({ ...event, data: { ...event.data, ...data } });
};

describe('business metrics of published events', () => {
  it('an order placed counts one order, its units and its value in its currency', () => {
    const placed = sampleEvent('OrderPlaced');
    const units = placed.data.lines.reduce((sum, line) => sum + line.quantity, 0);
    expect(businessMetricsOf(placed)).toEqual([
      { name: 'OrdersPlaced', value: 1 },
      { name: 'OrderUnits', value: units },
      { name: 'OrderValue', value: placed.data.total, breakdown: placed.data.currency },
    ]);
  });

  it('an order in a currency the dashboard does not report is counted, not valued', () => {
    expect(metricsOf('OrderPlaced', { currency: 'JPY' }).map((m) => m.name)).toEqual([
      'OrdersPlaced',
      'OrderUnits',
    ]);
  });

  it.each([
    ['OrderCancelled', 'OrdersCancelled'],
    ['ReturnReceived', 'ReturnsReceived'],
    ['InvoiceIssued', 'InvoicesIssued'],
    ['CreditNoteIssued', 'CreditNotesIssued'],
    ['StockLow', 'StockLowCrossings'],
    ['CouponRedeemed', 'CouponRedemptions'],
    ['TicketResolved', 'TicketsResolved'],
    ['TicketSlaWarning', 'SlaWarnings'],
    ['TicketSlaBreached', 'SlaBreaches'],
  ] as const)('%s counts one %s', (type, metric) => {
    expect(metricsOf(type)).toEqual([{ name: metric, value: 1 }]);
  });

  it('loyalty points count earned and spent points, not reversals or refunds', () => {
    expect(metricsOf('LoyaltyPointsChanged', { kind: 'earn', points: 48 })).toEqual([
      { name: 'LoyaltyPointsEarned', value: 48 },
    ]);
    expect(metricsOf('LoyaltyPointsChanged', { kind: 'spend', points: 120 })).toEqual([
      { name: 'LoyaltyPointsSpent', value: 120 },
    ]);
    expect(metricsOf('LoyaltyPointsChanged', { kind: 'reverse', points: 48 })).toEqual([]);
    expect(metricsOf('LoyaltyPointsChanged', { kind: 'refund', points: 120 })).toEqual([]);
  });

  it('a ticket opened counts once, and as an incident from an alert when alerting opened it', () => {
    expect(metricsOf('TicketCreated')).toEqual([{ name: 'TicketsOpened', value: 1 }]);
    expect(
      metricsOf('TicketCreated', { type: 'incident', requester: { kind: 'system', id: 'system' } }),
    ).toEqual([
      { name: 'TicketsOpened', value: 1 },
      { name: 'IncidentsFromAlerts', value: 1 },
    ]);
    expect(
      metricsOf('TicketCreated', { type: 'incident', requester: { kind: 'staff', id: 'agent-7' } }),
    ).toEqual([{ name: 'TicketsOpened', value: 1 }]);
  });

  it('an unmapped type or an unknown version counts nothing', () => {
    expect(businessMetricsOf(sampleEvent('OrderShipped'))).toEqual([]);
    expect(businessMetricsOf({ ...sampleEvent('OrderPlaced'), version: MAPPED_VERSION + 1 })).toEqual([]);
  });

  it('every mapped type is still at the version the map reads', () => {
    for (const type of Object.keys(eventBusinessMetrics) as EventType[]) {
      expect({ type, newest: eventCatalogue[type].version }).toEqual({ type, newest: MAPPED_VERSION });
    }
  });
});
