/**
 * Invoicing consumer (queue fed by `OrderPlaced`, `OrderCancelled` and `ReturnReceived`): issues
 * each order's invoice and its credit notes, numbered gaplessly. Its writers are bounded by the
 * topology's `maxConcurrency`: every document advances one of the year's two counters.
 */
import { consumer } from '#events/consumer.ts';
import { creditCancellation, creditReturn, invoiceOrder } from './invoicing.ts';

export const invoicing = consumer({
  name: 'invoicing',
  handlers: {
    OrderPlaced: invoiceOrder,
    OrderCancelled: creditCancellation,
    ReturnReceived: creditReturn,
  },
});

export const handler = invoicing.handler;
