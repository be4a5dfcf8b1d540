/**
 * SLA breach consumer (queue fed by `TicketSlaBreached`, which the per-ticket schedules fire at a
 * clock's due time): marks the clock `breached` on the ticket, conditioned on the ticket's version
 * and on the `slaVersion` the timer was scheduled for, and emits `TicketSlaChanged`. The writes
 * commit with the consumer's marker, so a redelivered breach changes nothing; a timer of an older
 * clock version (the ticket paused, met or re-prioritised since) changes nothing either. A ticket
 * changed between the read and the commit fails the transaction, and the redelivery re-reads.
 */
import { consumer } from '#events/consumer.ts';
import { breachWrites } from './changes.ts';
import { eraseTicketTexts } from './erasure.ts';

export const ticketSla = consumer({
  name: 'ticketSla',
  handlers: {
    TicketSlaBreached: async (event, tx) =>
      breachWrites(event.data, new Date(event.data.breachedAt), tx.correlationId),
    // The tickets context's erasure handler (no consumer of its own: the stack has no headroom).
    CustomerErased: eraseTicketTexts,
  },
});

export const handler = ticketSla.handler;
