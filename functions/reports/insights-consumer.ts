/**
 * Customer-insights consumer (queue fed by `OrderPlaced`, `OrderCancelled` and `CreditNoteIssued`):
 * keeps each customer's RFM state, moves it between the histogram cells, and records its cohort
 * activity. Each event's writes commit in one transaction with the consumer's marker, so a
 * redelivered event changes nothing and every counter stays exact (customer-insights.ts).
 */
import { consumer } from '#events/consumer.ts';
import { creditNoteWrites, orderCancelledWrites, orderPlacedWrites } from './customer-insights.ts';

export const customerInsights = consumer({
  name: 'customerInsights',
  handlers: {
    OrderPlaced: async (event, tx) => orderPlacedWrites(event, tx.now),
    OrderCancelled: async (event, tx) => orderCancelledWrites(event, tx.now),
    CreditNoteIssued: async (event, tx) => creditNoteWrites(event, tx.now),
  },
});

export const handler = customerInsights.handler;
