/**
 * Erasure of a customer's personal data in the tickets context (`CustomerErased`), read by "a
 * customer's tickets" (`gsi1`) and each ticket's own partition, no scan. What goes (decided in
 * docs/security.md, "Personal data"): the subject and description of the tickets they requested and
 * the body of every comment they wrote — free text they typed, which is where their contact details
 * and circumstances are. What stays: the ticket's type, status, history, SLA and the staff's comments
 * (staff's work record; staff are asked not to copy contact details into notes). The requester is a
 * reference (`{ kind, id }`), never contact data. Idempotent: erased text is skipped, and a ticket is
 * replaced under its version guard (a racing change makes the event retry on fresh state). Bounded:
 * at most `ERASURE_WRITE_LIMIT` writes per event (one transaction beside the marker).
 */
import type { EventOf } from '#events/catalog.ts';
import { ERASED_TEXT } from '#functions/customers/anonymise.ts';
import { tableName } from '#shared/ddb.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import {
  commentKey,
  getTicketWithThread,
  listTicketsForCustomer,
  listWrites,
  type TicketRecord,
  ticketReplacePut,
} from './tickets.ts';

export const ERASURE_WRITE_LIMIT = 90;
const TICKETS_PER_EVENT = 20;

/** The ticket with the requester's free text erased; undefined when it already is. */
export function erasedTicket(ticket: TicketRecord, at: string): TicketRecord | undefined {
  if (ticket.subject === ERASED_TEXT && ticket.description === ERASED_TEXT) return undefined;
  return {
    ...ticket,
    subject: ERASED_TEXT,
    description: ERASED_TEXT,
    version: ticket.version + 1,
    updatedAt: at,
  };
}

export async function eraseTicketTexts(
  event: EventOf<'CustomerErased'>,
  tx: { now: string },
): Promise<readonly TransactWrite[]> {
  const { customerId } = event.data;
  const { items } = await listTicketsForCustomer(customerId, { limit: TICKETS_PER_EVENT });
  const writes: TransactWrite[] = [];
  for (const summary of items) {
    const thread = await getTicketWithThread(summary.id);
    if (!thread) continue;
    const own: TransactWrite[] = [];
    const next = erasedTicket(thread.ticket, tx.now);
    if (next) own.push(ticketReplacePut(next, thread.ticket), ...listWrites(thread.ticket, next));
    for (const comment of thread.comments) {
      if (comment.author.kind !== 'customer' || comment.author.id !== customerId) continue;
      if (comment.body === ERASED_TEXT) continue;
      own.push({
        Update: {
          TableName: tableName,
          Key: commentKey(comment.ticketId, comment.id),
          UpdateExpression: 'SET body = :erased',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':erased': ERASED_TEXT },
        },
      });
    }
    if (writes.length + own.length > ERASURE_WRITE_LIMIT) break;
    writes.push(...own);
  }
  return writes;
}
