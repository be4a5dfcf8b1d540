/**
 * Alerting consumer (queue fed by `StockLow`, `TicketSlaBreached` and `AlertRaised`, which also
 * carries the dead-letter queue alarms — see alarms.ts): each alert becomes an ops notification
 * and, for a system fault, the one open incident of its alert key (raise.ts); an SLA breach is
 * noted on its ticket. The effects happen before the marker commits and are keyed by the event
 * id, so a redelivery repeats none of them but the notification (at least once).
 */
import { consumer } from '#events/consumer.ts';
import { alertFromAlertRaised, alertFromSlaBreach, alertFromStockLow } from './alerts.ts';
import { raiseAlert } from './raise.ts';

const context = (event: { id: string; correlationId: string }) => ({
  eventId: event.id,
  correlationId: event.correlationId,
});

export const alerting = consumer({
  name: 'alerting',
  handlers: {
    StockLow: async (event) => {
      await raiseAlert(alertFromStockLow(event), context(event));
      return [];
    },
    TicketSlaBreached: async (event) => {
      await raiseAlert(alertFromSlaBreach(event), context(event));
      return [];
    },
    AlertRaised: async (event) => {
      await raiseAlert(alertFromAlertRaised(event), context(event));
      return [];
    },
  },
});

export const handler = alerting.handler;
