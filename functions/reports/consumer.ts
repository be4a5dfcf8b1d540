/**
 * Sales-reports consumer (queue fed by `OrderPlaced`, `OrderCancelled` and `CreditNoteIssued`): adds
 * each order and credit note to its day's and channel's counters. The updates commit with the
 * consumer's marker, so a redelivered event is never counted twice.
 */
import { consumer } from '#events/consumer.ts';
import { cancelledDelta, counterUpdates, creditNoteDelta, placedDelta } from './sales.ts';

export const salesReports = consumer({
  name: 'salesReports',
  handlers: {
    OrderPlaced: async (event, tx) => counterUpdates(placedDelta(event), tx.now),
    OrderCancelled: async (event, tx) => counterUpdates(cancelledDelta(event), tx.now),
    CreditNoteIssued: async (event, tx) => counterUpdates(creditNoteDelta(event), tx.now),
  },
});

export const handler = salesReports.handler;
