/** The HTTP answer every ticket route shares: the ticket with its thread, as the caller may see it. */
import type { Principal } from '#shared/auth.ts';
import { notFound } from '#shared/errors.ts';
import type { HttpResult } from '#shared/http/contract.ts';
import { json } from '#shared/http/handler.ts';
import { visibleTo } from '#shared/ownership.ts';
import { getTicketWithThread, type TicketRecord, ticketOwner, ticketView } from './tickets.ts';

/**
 * The ticket (by id, or as a change just wrote it) with its comments and links, internal comments
 * for staff only, and its version as the `ETag`. Another customer's ticket is 404.
 */
export async function ticketResponse(
  principal: Principal,
  ticket: TicketRecord | string,
  status = 200,
): Promise<HttpResult> {
  const id = typeof ticket === 'string' ? ticket : ticket.id;
  const thread = await getTicketWithThread(id);
  if (!thread) throw notFound(`Ticket ${id}`);
  visibleTo(principal, thread.ticket, ticketOwner, `Ticket ${id}`);
  // A change just committed answers with what it wrote, unless the read is already newer.
  const current =
    typeof ticket === 'string' || thread.ticket.version >= ticket.version ? thread.ticket : ticket;
  return json(ticketView({ ...thread, ticket: current }, principal.isStaff), status, {
    etag: `"${current.version}"`,
  });
}
