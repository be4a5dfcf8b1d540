/**
 * Sales-reports consumer (queue fed by `OrderPlaced` and `OrderCancelled`): adds each order to its
 * day's and channel's counters. The updates commit with the consumer's marker, so a redelivered
 * event is never counted twice.
 */
import { consumer } from '#events/consumer.ts';
import { cancelledDelta, counterUpdates, placedDelta } from './sales.ts';

export const salesReports = consumer({
  name: 'salesReports',
  handlers: {
    OrderPlaced: async (event, tx) => counterUpdates(placedDelta(event), tx.now),
    OrderCancelled: async (event, tx) => counterUpdates(cancelledDelta(event), tx.now),
  },
});

export const handler = salesReports.handler;
