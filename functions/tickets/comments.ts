/**
 * Comments on a ticket (`POST /tickets/{id}/comments`), callable from consumers too (alerting
 * comments on the open incident of a repeated alert, as `systemPrincipal`).
 *
 * One `TransactWriteItems`: the comment, [its idempotency record], and either a check that the
 * ticket is still in the status read (a plain comment) or the ticket's next version with its
 * events when the comment changes it:
 * - the first public staff comment meets the first-response target (`TicketSlaChanged`); later
 *   ones change nothing;
 * - a customer's reply to a PENDING ticket reopens it (PENDING → OPEN, the clocks resume:
 *   `TicketStatusChanged`, `TicketSlaChanged`).
 * Internal comments are staff only and never count as a response. CLOSED tickets take none.
 */
import { monotonicFactory } from 'ulid';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import { idempotentId, requestHash } from '#shared/idempotency.ts';
import { backoff, contention, type TaggedWrite, transactWrite } from '#shared/transactions.ts';
import type { CommentInput } from './change-contract.ts';
import { type ChangeTag, planFirstResponse, planStatus } from './changes.ts';
import { systemPrincipal } from './create.ts';
import {
  type CommentRecord,
  commentIdempotencyPut,
  commentPut,
  getCommentIdempotencyRecord,
  getTicketFor,
  listWrites,
  type TicketRecord,
  ticketKey,
  ticketReplacePut,
} from './tickets.ts';

const nextId = monotonicFactory();
const MAX_COMMENT_ATTEMPTS = 6;

export interface CommentRequest {
  readonly ticketId: string;
  readonly principal: Principal;
  readonly input: CommentInput;
  readonly idempotencyKey?: string | undefined;
  readonly correlationId: string;
}

export interface CommentOutcome {
  readonly created: boolean;
  readonly comment: CommentRecord;
  /** The ticket as the comment left it. */
  readonly ticket: TicketRecord;
}

function authorOf(principal: Principal): CommentRecord['author'] {
  if (principal === systemPrincipal || (principal.isStaff && principal.sub === systemPrincipal.sub)) {
    return { kind: 'system', id: 'system' };
  }
  return { kind: principal.isStaff ? 'staff' : 'customer', id: principal.sub };
}

/** Comments on a ticket the principal may see (404 otherwise); see the module comment. */
export async function commentOnTicket(request: CommentRequest): Promise<CommentOutcome> {
  const { ticketId, principal, input, idempotencyKey, correlationId } = request;
  const internal = input.internal ?? false;
  if (internal && !principal.isStaff) throw new AppError('FORBIDDEN', 'Only staff write internal comments');
  const hash = requestHash({ ticketId, body: input.body, internal });
  const idemId = idempotencyKey ? idempotentId('ticket-comment', principal.sub, idempotencyKey) : undefined;
  const replay = async (): Promise<CommentOutcome | undefined> => {
    const stored = idemId ? await getCommentIdempotencyRecord(idemId) : undefined;
    if (!stored) return undefined;
    if (stored.requestHash !== hash) {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request',
      );
    }
    return { created: false, comment: stored.comment, ticket: await getTicketFor(principal, ticketId) };
  };
  const first = await replay();
  if (first) return first;
  const author = authorOf(principal);

  for (let attempt = 0; attempt < MAX_COMMENT_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt - 1);
    const ticket = await getTicketFor(principal, ticketId);
    if (ticket.status === 'CLOSED') {
      throw new AppError('INVALID_STATE', `Ticket ${ticket.number} is CLOSED: it takes no comments`, {
        currentStatus: ticket.status,
      });
    }
    const now = new Date();
    const at = now.toISOString();
    const ctx = { at: now, by: principal.sub, correlationId };
    const comment: CommentRecord = {
      id: nextId(now.getTime()),
      ticketId,
      body: input.body,
      internal,
      author,
      createdAt: at,
    };
    let next = ticket;
    const effects: TaggedWrite<ChangeTag>[] = [];
    if (author.kind === 'staff' && !internal) {
      const responded = planFirstResponse(next, ctx);
      next = responded.ticket;
      effects.push(...responded.effects);
    }
    if (author.kind === 'customer' && ticket.status === 'PENDING') {
      const reopened = await planStatus(next, 'OPEN', ctx);
      next = reopened.ticket;
      effects.push(...reopened.effects);
    }
    if (next !== ticket) next = { ...next, updatedAt: at, version: ticket.version + 1 };
    const writes: TaggedWrite<ChangeTag>[] = [
      ...(idemId
        ? [{ tag: 'idempotency' as const, write: commentIdempotencyPut(idemId, hash, comment) }]
        : []),
      next === ticket
        ? {
            tag: 'ticket',
            write: {
              ConditionCheck: {
                TableName: tableName,
                Key: ticketKey(ticketId),
                ConditionExpression: '#status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':status': ticket.status },
              },
            },
          }
        : { tag: 'ticket', write: ticketReplacePut(next, ticket) },
      ...listWrites(ticket, next).map((write) => ({ tag: 'list' as const, write })),
      { tag: 'comment', write: commentPut(comment) },
      ...effects,
    ];
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) return { created: true, comment, ticket: next };
    if (outcome.failed.includes('idempotency')) {
      const replayed = await replay();
      if (replayed) return replayed;
    }
    // The ticket moved (or its alert key did) since the read: read it again.
    if (outcome.failed.includes('ticket') || outcome.failed.includes('alert')) continue;
    throw new Error(`Comment on ticket ${ticketId} cancelled by ${outcome.failed.join(', ')}`);
  }
  throw contention(`Ticket ${ticketId}`);
}
