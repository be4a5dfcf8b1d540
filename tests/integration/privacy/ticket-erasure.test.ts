/**
 * The tickets context's erasure handler against DynamoDB Local, through the ticketSla consumer: the
 * requester's subject, description and own comments erased; the staff's comments, the status and the
 * list items kept in step (staff lists show the erased subject); idempotent per event and by state.
 */
import { describe, expect, it } from 'vitest';
import { ERASED_TEXT } from '#functions/customers/anonymise.ts';
import { commentOnTicket } from '#functions/tickets/comments.ts';
import { ticketSla } from '#functions/tickets/consumer.ts';
import { createTicket } from '#functions/tickets/create.ts';
import { getTicketWithThread, listTicketsForCustomer } from '#functions/tickets/tickets.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';
import { customer, staff } from '../orders/fixtures.ts';

describe('Erasure: tickets', () => {
  it('erases what the requester wrote and keeps the staff’s work', async () => {
    const customerId = `cust-${Math.random().toString(36).slice(2, 10)}`;
    const me = customer(customerId);
    const { ticket } = await createTicket({
      principal: me,
      input: {
        type: 'incident',
        subject: 'Parcel for Ada',
        description: 'Call ada@example.com',
        priority: 'normal',
      },
      correlationId: 'c',
    });
    const say = (principal: typeof me, body: string) =>
      commentOnTicket({ ticketId: ticket.id, principal, input: { body }, correlationId: 'c' });
    await say(me, 'My phone is +44 20 7946 0958');
    await say(staff('agent-1'), 'We will check with the carrier');

    const event = eventLike('CustomerErased', { customerId });
    expect(await ticketSla.processRecord(sqsRecordFor(event))).toBe('applied');
    expect(await ticketSla.processRecord(sqsRecordFor(event))).toBe('duplicate');
    expect(await ticketSla.processRecord(sqsRecordFor(eventLike('CustomerErased', { customerId })))).toBe(
      'applied',
    );

    const thread = await getTicketWithThread(ticket.id);
    expect(thread?.ticket).toMatchObject({
      subject: ERASED_TEXT,
      description: ERASED_TEXT,
      status: ticket.status,
    });
    const bodies = thread!.comments.map((c) => c.body);
    expect(bodies).toContain(ERASED_TEXT);
    expect(bodies).toContain('We will check with the carrier');
    expect(bodies.join()).not.toMatch(/7946|ada/i);
    const listed = await listTicketsForCustomer(customerId, { limit: 10 });
    expect(listed.items.map((t) => t.subject)).toEqual([ERASED_TEXT]);
  });
});
