/**
 * Loyalty consumer (queue fed by `OrderDelivered`, `OrderCancelled` and `CreditNoteIssued`): earns
 * points on delivery, refunds the points a cancelled order spent, and takes back points a return
 * credits. Each posting commits with the consumer's marker; the order record makes each of them
 * happen once per order (or return) even without it.
 */
import { consumer } from '#events/consumer.ts';
import { earnForDelivery, refundForCancellation, reverseForReturn } from './loyalty.ts';

export const loyalty = consumer({
  name: 'loyalty',
  handlers: {
    OrderDelivered: earnForDelivery,
    OrderCancelled: refundForCancellation,
    CreditNoteIssued: reverseForReturn,
  },
});

export const handler = loyalty.handler;
