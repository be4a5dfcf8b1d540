/**
 * Comments by the system (alerting notes a repeated alert on its open incident, or a breach on
 * its ticket): the subset of `commentOnTicket` (comments.ts) for an author whose comment never
 * changes the ticket — the system is neither staff (no first response) nor a customer (no
 * reopening) — so it carries none of the workflow and SLA planning, which keeps it small enough
 * for the alerting function's bundle budget.
 *
 * One `TransactWriteItems`: [the idempotency record], a check that the ticket is still in the
 * status read (not CLOSED), and the comment. A ticket that moved meanwhile is read again.
 */
import { monotonicFactory } from 'ulid';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { idempotentId, requestHash } from '#shared/idempotency.ts';
import { backoff, contention, type TaggedWrite, transactWrite } from '#shared/transactions.ts';
import {
  type CommentRecord,
  commentIdempotencyPut,
  commentPut,
  getCommentIdempotencyRecord,
  getTicket,
  type TicketRecord,
  ticketKey,
} from './tickets.ts';

const nextId = monotonicFactory();
const MAX_ATTEMPTS = 6;
const SYSTEM = 'system';

export interface SystemCommentRequest {
  readonly ticketId: string;
  readonly body: string;
  readonly internal: boolean;
  /** Keys the comment (e.g. by the event it records): a retry with it writes nothing new. */
  readonly idempotencyKey: string;
}

export interface SystemCommentOutcome {
  /** False when the idempotency key's comment was already written. */
  readonly created: boolean;
  readonly comment: CommentRecord;
  /** The ticket's status when the comment was written (as read now for a replay). */
  readonly status: TicketRecord['status'];
}

/**
 * Writes a system comment on a ticket; `NOT_FOUND` when there is none, `INVALID_STATE` when it
 * is CLOSED. The same request hash as `commentOnTicket`, under the system's own key namespace.
 */
export async function addSystemComment(request: SystemCommentRequest): Promise<SystemCommentOutcome> {
  const { ticketId, body, internal, idempotencyKey } = request;
  const hash = requestHash({ ticketId, body, internal });
  const idemId = idempotentId('ticket-comment', SYSTEM, idempotencyKey);
  const current = async () => {
    const ticket = await getTicket(ticketId);
    if (!ticket) throw notFound(`Ticket ${ticketId}`);
    return ticket;
  };
  const replay = async (): Promise<SystemCommentOutcome | undefined> => {
    const stored = await getCommentIdempotencyRecord(idemId);
    if (!stored) return undefined;
    if (stored.requestHash !== hash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This key was already used with a different comment');
    }
    return { created: false, comment: stored.comment, status: (await current()).status };
  };
  const first = await replay();
  if (first) return first;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt - 1);
    const ticket = await current();
    if (ticket.status === 'CLOSED') {
      throw new AppError('INVALID_STATE', `Ticket ${ticket.number} is CLOSED: it takes no comments`, {
        currentStatus: ticket.status,
      });
    }
    const now = new Date();
    const comment: CommentRecord = {
      id: nextId(now.getTime()),
      ticketId,
      body,
      internal,
      author: { kind: 'system', id: SYSTEM },
      createdAt: now.toISOString(),
    };
    const writes: TaggedWrite<'idempotency' | 'ticket' | 'comment'>[] = [
      { tag: 'idempotency', write: commentIdempotencyPut(idemId, hash, comment) },
      {
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
      },
      { tag: 'comment', write: commentPut(comment) },
    ];
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) return { created: true, comment, status: ticket.status };
    if (outcome.failed.includes('idempotency')) {
      const replayed = await replay();
      if (replayed) return replayed;
    }
    if (outcome.failed.includes('ticket')) continue;
    throw new Error(`System comment on ticket ${ticketId} cancelled by ${outcome.failed.join(', ')}`);
  }
  throw contention(`Ticket ${ticketId}`);
}
