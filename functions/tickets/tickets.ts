/**
 * Service-desk items. This module owns their keys, index keys and stored shapes; every access
 * pattern is a named function, and every write carries a condition (list items excepted: they are
 * written only in the transaction of the ticket change they mirror, which the ticket's own
 * condition guards).
 *
 * | item               | pk                         | sk                    | gsi1pk                        | gsi1sk                    |
 * |--------------------|----------------------------|-----------------------|-------------------------------|---------------------------|
 * | ticket             | `TICKET#<id>`              | `TICKET`              | `CUSTOMER_TICKETS#<customer>` | `TICKET#<id>`             |
 * | comment            | `TICKET#<id>`              | `COMMENT#<commentId>` | —                             | —                         |
 * | incident link      | `TICKET#<problemId>`       | `INCIDENT#<id>`       | —                             | —                         |
 * | list item          | `TICKET_LIST#<filter>`     | `TICKET#<id>`         | `TICKET_LIST#<filter>`        | `DUE#<nextDueAt or ~>#<id>` |
 * | number counter     | `TICKETSEQ`                | `COUNTER`             | —                             | —                         |
 * | alert key          | `TICKET_ALERT#<alertKey>`  | `ALERT`               | —                             | —                         |
 * | idempotency record | `IDEMPOTENCY#<id>`         | `TICKET`              | —                             | —                         |
 * | comment idempotency | `IDEMPOTENCY#<id>`        | `TICKET_COMMENT`      | —                             | —                         |
 *
 * - Ticket ids are ULIDs, so `TICKET#<id>` sort keys list newest first in reverse.
 * - **List items**: one copy of the ticket's summary per filter it matches, rewritten in the same
 *   transaction as every change of the ticket: `all`, `status#<s>`, `assignee#<sub>`, `type#<t>`,
 *   `priority#<p>`, and `status-assignee#<s>#<sub>` (an agent's queue). Newest first by `sk`, due
 *   first by `gsi1sk` (tickets without a running due time last).
 * - The **counter** holds the last ticket number; creating a ticket advances it conditioned on the
 *   value read, in the ticket's transaction: gapless, no duplicate (see create.ts).
 * - The **alert key** item names the incident open for a fault; creating an incident for an alert
 *   key takes it (`attribute_not_exists`, or it names a resolved incident), so concurrent alerts
 *   open one incident; resolving the incident marks it resolved in the same transaction.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { SlaClock, TicketPriority, TicketRequester, TicketStatus, TicketType } from '#events/tickets.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { idempotencyRecordPut } from '#shared/idempotency.ts';
import { visibleTo } from '#shared/ownership.ts';
import { decodeCursor, encodeCursor } from '#shared/paging.ts';
import { queryPage, queryWholePartition } from '#shared/query-page.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { TicketSummary, type TicketSummaryView, type TicketView } from './schemas.ts';
import { nextDueAt } from './sla.ts';

export const TICKET_PK_PREFIX = 'TICKET#';
export const ticketPk = (id: string): string => `${TICKET_PK_PREFIX}${id}`;
export const ticketKey = (id: string) => ({ pk: ticketPk(id), sk: 'TICKET' }) as const;
export const COMMENT_SK_PREFIX = 'COMMENT#';
export const commentKey = (ticketId: string, commentId: string) =>
  ({ pk: ticketPk(ticketId), sk: `${COMMENT_SK_PREFIX}${commentId}` }) as const;
export const INCIDENT_SK_PREFIX = 'INCIDENT#';
export const incidentLinkKey = (problemId: string, incidentId: string) =>
  ({ pk: ticketPk(problemId), sk: `${INCIDENT_SK_PREFIX}${incidentId}` }) as const;
export const customerTicketsPk = (customerId: string): string => `CUSTOMER_TICKETS#${customerId}`;
export const customerTicketSk = (id: string): string => `${TICKET_PK_PREFIX}${id}`;
export const LIST_PK_PREFIX = 'TICKET_LIST#';
export const listPk = (filter: string): string => `${LIST_PK_PREFIX}${filter}`;
export const listKey = (filter: string, id: string) =>
  ({ pk: listPk(filter), sk: `${TICKET_PK_PREFIX}${id}` }) as const;
/** `~` sorts after every digit: tickets with no running due time come last. */
export const listDueSk = (dueAt: string | undefined, id: string): string => `DUE#${dueAt ?? '~'}#${id}`;
export const ticketCounterKey = { pk: 'TICKETSEQ', sk: 'COUNTER' } as const;
export const alertKeyKey = (alertKey: string) => ({ pk: `TICKET_ALERT#${alertKey}`, sk: 'ALERT' }) as const;
export const ticketIdempotencyKey = (id: string) => ({ pk: `IDEMPOTENCY#${id}`, sk: 'TICKET' }) as const;
export const commentIdempotencyKey = (id: string) =>
  ({ pk: `IDEMPOTENCY#${id}`, sk: 'TICKET_COMMENT' }) as const;

/** `TCK-000123`: six digits, more past 999 999 tickets. */
export const formatTicketNumber = (sequence: number): string => `TCK-${String(sequence).padStart(6, '0')}`;

const StoredSla = z.object({
  version: z.int().min(1),
  since: z.string(),
  paused: z.boolean(),
  response: SlaClock,
  resolution: SlaClock,
});

const StoredChecklistItem = z.object({
  id: z.string(),
  text: z.string(),
  done: z.boolean(),
  doneBy: z.string().optional(),
  doneAt: z.string().optional(),
});
export type ChecklistItemRecord = z.infer<typeof StoredChecklistItem>;

/** A ticket as stored (without its key attributes). */
export const TicketRecord = z.object({
  id: z.string(),
  number: z.string(),
  type: TicketType,
  subject: z.string(),
  description: z.string(),
  priority: TicketPriority,
  status: TicketStatus,
  requester: TicketRequester,
  customerId: z.string().optional(),
  orderId: z.string().optional(),
  assignee: z.string().optional(),
  group: z.string().optional(),
  alertKey: z.string().optional(),
  previousIncidentId: z.string().optional(),
  problemId: z.string().optional(),
  checklist: z.array(StoredChecklistItem).optional(),
  approval: z.object({ by: z.string(), at: z.string() }).optional(),
  sla: StoredSla,
  history: z.array(z.object({ status: TicketStatus, at: z.string(), by: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().optional(),
  resolvedBy: z.string().optional(),
  version: z.int().min(1),
});
export type TicketRecord = z.infer<typeof TicketRecord>;

export const CommentRecord = z.object({
  id: z.string(),
  ticketId: z.string(),
  body: z.string(),
  internal: z.boolean(),
  author: TicketRequester,
  createdAt: z.string(),
});
export type CommentRecord = z.infer<typeof CommentRecord>;

const IncidentLink = z.object({ incidentId: z.string(), number: z.string(), linkedAt: z.string() });
export type IncidentLink = z.infer<typeof IncidentLink>;

export function ticketToItem(ticket: TicketRecord) {
  return {
    ...ticketKey(ticket.id),
    entity: 'Ticket',
    ...(ticket.customerId === undefined
      ? {}
      : { gsi1pk: customerTicketsPk(ticket.customerId), gsi1sk: customerTicketSk(ticket.id) }),
    ...ticket,
  };
}

export function ticketFromItem(item: unknown): TicketRecord {
  return TicketRecord.parse(item);
}

/** Who owns a ticket for visibility: its customer, else its requester. */
export const ticketOwner = (ticket: TicketRecord): string => ticket.customerId ?? ticket.requester.id;

// --- reads ---------------------------------------------------------------------------------------

/** One ticket by id, strongly consistent. */
export async function getTicket(id: string): Promise<TicketRecord | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: ticketKey(id), ConsistentRead: true }),
  );
  return result.Item ? ticketFromItem(result.Item) : undefined;
}

/** A ticket the principal may see (its customer or requester, or staff); 404 otherwise. */
export async function getTicketFor(principal: Principal, id: string): Promise<TicketRecord> {
  return visibleTo(principal, await getTicket(id), ticketOwner, `Ticket ${id}`);
}

export interface TicketWithThread {
  readonly ticket: TicketRecord;
  readonly comments: CommentRecord[];
  readonly incidents: IncidentLink[];
}

/** The ticket, its comments (oldest first) and, for a problem, its incidents: one partition. */
export async function getTicketWithThread(id: string): Promise<TicketWithThread | undefined> {
  let ticket: TicketRecord | undefined;
  const comments: CommentRecord[] = [];
  const incidents: IncidentLink[] = [];
  for (const item of await queryWholePartition(ticketPk(id))) {
    const sk = String(item.sk);
    if (sk === 'TICKET') ticket = ticketFromItem(item);
    else if (sk.startsWith(COMMENT_SK_PREFIX)) comments.push(CommentRecord.parse(item));
    else if (sk.startsWith(INCIDENT_SK_PREFIX)) incidents.push(IncidentLink.parse(item));
  }
  return ticket ? { ticket, comments, incidents } : undefined;
}

/** A customer's tickets, newest first, from `gsi1`. */
export async function listTicketsForCustomer(
  customerId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: TicketRecord[]; nextCursor: string | null }> {
  return queryPage({
    index: 'gsi1',
    partition: customerTicketsPk(customerId),
    sortKeyPrefix: TICKET_PK_PREFIX,
    order: 'newest-first',
    page,
    parse: ticketFromItem,
  });
}

/** What a staff list may filter on. */
export interface TicketFilters {
  readonly status?: TicketRecord['status'] | undefined;
  readonly assignee?: string | undefined;
  readonly type?: TicketRecord['type'] | undefined;
  readonly priority?: TicketRecord['priority'] | undefined;
}

/** The list partitions a ticket is in. */
export function listFilters(t: Pick<TicketRecord, 'status' | 'assignee' | 'type' | 'priority'>): string[] {
  return [
    'all',
    `status#${t.status}`,
    `type#${t.type}`,
    `priority#${t.priority}`,
    ...(t.assignee === undefined
      ? []
      : [`assignee#${t.assignee}`, `status-assignee#${t.status}#${t.assignee}`]),
  ];
}

/**
 * Which list partition serves the filters, and which filters are left for a FilterExpression:
 * status+assignee, assignee, status, type, priority — the first that the request names.
 */
export function listPlan(filters: TicketFilters): { partition: string; residual: TicketFilters } {
  const { status, assignee, type, priority } = filters;
  if (status !== undefined && assignee !== undefined) {
    return { partition: `status-assignee#${status}#${assignee}`, residual: { type, priority } };
  }
  if (assignee !== undefined) return { partition: `assignee#${assignee}`, residual: { type, priority } };
  if (status !== undefined) return { partition: `status#${status}`, residual: { type, priority } };
  if (type !== undefined) return { partition: `type#${type}`, residual: { priority } };
  if (priority !== undefined) return { partition: `priority#${priority}`, residual: {} };
  return { partition: 'all', residual: {} };
}

/** The summary a list shows, as the list items store it. */
export function summaryOf(t: TicketRecord): TicketSummaryView {
  const optional = <K extends 'customerId' | 'assignee' | 'group'>(key: K) =>
    t[key] === undefined ? {} : { [key]: t[key] };
  const due = nextDueAt(t.sla);
  return {
    id: t.id,
    number: t.number,
    type: t.type,
    subject: t.subject,
    priority: t.priority,
    status: t.status,
    ...optional('customerId'),
    ...optional('assignee'),
    ...optional('group'),
    ...(t.sla.response.dueAt && !t.sla.paused ? { responseDueAt: t.sla.response.dueAt } : {}),
    ...(t.sla.resolution.dueAt && !t.sla.paused ? { resolutionDueAt: t.sla.resolution.dueAt } : {}),
    ...(due === undefined ? {} : { nextDueAt: due }),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** A page of a staff list, from its list partition, newest or due first. */
export async function listTickets(
  query: TicketFilters & { order: 'newest' | 'due'; limit: number; cursor?: string | undefined },
): Promise<{ items: TicketSummaryView[]; nextCursor: string | null }> {
  const { partition, residual } = listPlan(query);
  const pk = listPk(partition);
  const byDue = query.order === 'due';
  const pkName = byDue ? 'gsi1pk' : 'pk';
  const skName = byDue ? 'gsi1sk' : 'sk';
  const startKey = decodeCursor(query.cursor, byDue ? ['pk', 'sk', 'gsi1pk', 'gsi1sk'] : ['pk', 'sk'], {
    [pkName]: pk,
  });
  const filters = Object.entries(residual).filter(([, v]) => v !== undefined);
  const result = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      ...(byDue ? { IndexName: 'gsi1' } : {}),
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ...(filters.length > 0
        ? { FilterExpression: filters.map(([name]) => `#f_${name} = :f_${name}`).join(' AND ') }
        : {}),
      ExpressionAttributeNames: {
        '#pk': pkName,
        '#sk': skName,
        ...Object.fromEntries(filters.map(([name]) => [`#f_${name}`, name])),
      },
      ExpressionAttributeValues: {
        ':pk': pk,
        ':prefix': byDue ? 'DUE#' : TICKET_PK_PREFIX,
        ...Object.fromEntries(filters.map(([name, value]) => [`:f_${name}`, value])),
      },
      ScanIndexForward: byDue,
      Limit: query.limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  return {
    items: (result.Items ?? []).map((item) => TicketSummary.parse(item)),
    nextCursor: encodeCursor(result.LastEvaluatedKey),
  };
}

const CounterRecord = z.object({ last: z.int().min(0) });

/** The last ticket number issued (strongly consistent), 0 before the first. */
export async function getTicketCounter(): Promise<number | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: ticketCounterKey, ConsistentRead: true }),
  );
  return result.Item ? CounterRecord.parse(result.Item).last : undefined;
}

const AlertKeyRecord = z.object({
  alertKey: z.string(),
  ticketId: z.string(),
  number: z.string(),
  state: z.enum(['open', 'resolved']),
});
export type AlertKeyRecord = z.infer<typeof AlertKeyRecord>;

/** The incident an alert key names (open or resolved), or undefined before its first incident. */
export async function getAlertKey(alertKey: string): Promise<AlertKeyRecord | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: alertKeyKey(alertKey), ConsistentRead: true }),
  );
  return result.Item ? AlertKeyRecord.parse(result.Item) : undefined;
}

/** The open incident for an alert key, or undefined when none is open. */
export async function findOpenIncidentByAlertKey(alertKey: string): Promise<TicketRecord | undefined> {
  const key = await getAlertKey(alertKey);
  if (key?.state !== 'open') return undefined;
  return getTicket(key.ticketId);
}

// --- writes --------------------------------------------------------------------------------------

/** Writes a new ticket; fails if the id is taken. */
export function ticketCreatePut(ticket: TicketRecord): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: ticketToItem(ticket),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Replaces a ticket read at `read.version` in `read.status` with `next` (`version + 1`): the
 * condition on both is the guard of every change, so racing changes cannot both commit.
 */
export function ticketReplacePut(next: TicketRecord, read: TicketRecord): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: ticketToItem(next),
      ConditionExpression: '#version = :version AND #status = :status',
      ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
      ExpressionAttributeValues: { ':version': read.version, ':status': read.status },
    },
  };
}

/** A check that a ticket exists, unchanged since it was read at `version`. */
export function ticketUnchangedCheck(ticket: TicketRecord): TransactWrite {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: ticketKey(ticket.id),
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':version': ticket.version },
    },
  };
}

/**
 * The list items of a change from `before` (undefined: a new ticket) to `after`: a Put of the new
 * summary under every filter of `after`, a Delete under every filter `before` had and `after`
 * has not. Empty when neither the summary nor the filters changed.
 */
export function listWrites(before: TicketRecord | undefined, after: TicketRecord): TransactWrite[] {
  const summary = summaryOf(after);
  const filters = listFilters(after);
  const old = before ? listFilters(before) : [];
  if (
    before &&
    JSON.stringify(summaryOf(before)) === JSON.stringify(summary) &&
    old.join() === filters.join()
  ) {
    return [];
  }
  const puts: TransactWrite[] = filters.map((filter) => ({
    Put: {
      TableName: tableName,
      Item: {
        ...listKey(filter, after.id),
        entity: 'TicketListItem',
        gsi1pk: listPk(filter),
        gsi1sk: listDueSk(summary.nextDueAt, after.id),
        ...summary,
      },
    },
  }));
  const deletes: TransactWrite[] = old
    .filter((filter) => !filters.includes(filter))
    .map((filter) => ({ Delete: { TableName: tableName, Key: listKey(filter, after.id) } }));
  return [...puts, ...deletes];
}

/** Advances the ticket counter from `read` to `read + 1`; fails if another ticket took a number since. */
export function ticketCounterAdvance(read: number | undefined, at: string): TransactWrite {
  if (read === undefined) {
    return {
      Put: {
        TableName: tableName,
        Item: { ...ticketCounterKey, entity: 'TicketCounter', last: 1, lastIssuedAt: at },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
  return {
    Update: {
      TableName: tableName,
      Key: ticketCounterKey,
      UpdateExpression: 'SET #last = :next, lastIssuedAt = :at',
      ConditionExpression: '#last = :read',
      ExpressionAttributeNames: { '#last': 'last' },
      ExpressionAttributeValues: { ':next': read + 1, ':at': at, ':read': read },
    },
  };
}

/**
 * Takes an alert key for a new incident: only when no incident holds it (`read` undefined) or the
 * one it names was resolved (and is still the one read).
 */
export function alertKeyTake(
  alertKey: string,
  ticket: Pick<TicketRecord, 'id' | 'number'>,
  read: AlertKeyRecord | undefined,
  at: string,
): TransactWrite {
  const Item = {
    ...alertKeyKey(alertKey),
    entity: 'TicketAlertKey',
    alertKey,
    ticketId: ticket.id,
    number: ticket.number,
    state: 'open',
    updatedAt: at,
  };
  if (read === undefined) {
    return { Put: { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } };
  }
  return {
    Put: {
      TableName: tableName,
      Item,
      ConditionExpression: '#state = :resolved AND ticketId = :read',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':resolved': 'resolved', ':read': read.ticketId },
    },
  };
}

/** Marks the alert key's incident `state` (resolved, or open again on reopening); it must be `ticketId`'s. */
export function alertKeyState(
  alertKey: string,
  ticketId: string,
  state: AlertKeyRecord['state'],
  at: string,
): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: alertKeyKey(alertKey),
      UpdateExpression: 'SET #state = :state, updatedAt = :at',
      ConditionExpression: 'ticketId = :ticket',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':state': state, ':at': at, ':ticket': ticketId },
    },
  };
}

/** Writes a new comment; its id is fresh, so the condition only guards against a bug. */
export function commentPut(comment: CommentRecord): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: { ...commentKey(comment.ticketId, comment.id), entity: 'TicketComment', ...comment },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Links an incident to a problem, in the problem's partition; the problem must be a problem. */
export function incidentLinkPut(problemId: string, incident: TicketRecord, at: string): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...incidentLinkKey(problemId, incident.id),
        entity: 'TicketIncidentLink',
        incidentId: incident.id,
        number: incident.number,
        linkedAt: at,
      },
    },
  };
}

export function incidentLinkDelete(problemId: string, incidentId: string): TransactWrite {
  return { Delete: { TableName: tableName, Key: incidentLinkKey(problemId, incidentId) } };
}

/** A check that `problemId` is a problem ticket. */
export function isProblemCheck(problemId: string): TransactWrite {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: ticketKey(problemId),
      ConditionExpression: '#type = :problem',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':problem': 'problem' },
    },
  };
}

const IdempotencyItem = z.object({ requestHash: z.string(), ticket: TicketRecord });

/** The idempotency record of a keyed creation: the fingerprint and the ticket as created. */
export function ticketIdempotencyPut(id: string, hash: string, ticket: TicketRecord): TransactWrite {
  return idempotencyRecordPut(tableName, ticketIdempotencyKey(id), {
    requestHash: hash,
    at: ticket.createdAt,
    first: { ticket },
  });
}

const CommentIdempotencyItem = z.object({ requestHash: z.string(), comment: CommentRecord });

/** The idempotency record of a keyed comment: the fingerprint and the comment as written. */
export function commentIdempotencyPut(id: string, hash: string, comment: CommentRecord): TransactWrite {
  return idempotencyRecordPut(tableName, commentIdempotencyKey(id), {
    requestHash: hash,
    at: comment.createdAt,
    first: { comment },
  });
}

export async function getCommentIdempotencyRecord(
  id: string,
): Promise<{ requestHash: string; comment: CommentRecord } | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: commentIdempotencyKey(id), ConsistentRead: true }),
  );
  return result.Item ? CommentIdempotencyItem.parse(result.Item) : undefined;
}

export async function getTicketIdempotencyRecord(
  id: string,
): Promise<{ requestHash: string; ticket: TicketRecord } | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: ticketIdempotencyKey(id), ConsistentRead: true }),
  );
  return result.Item ? IdempotencyItem.parse(result.Item) : undefined;
}

// --- views ---------------------------------------------------------------------------------------

/** A comment as the principal sees it: staff ids for staff only. */
export function commentView(c: CommentRecord, forStaff: boolean): TicketView['comments'][number] {
  return {
    id: c.id,
    body: c.body,
    internal: c.internal,
    author: forStaff || c.author.kind === 'customer' ? { ...c.author } : { kind: c.author.kind },
    createdAt: c.createdAt,
  };
}

/** What the principal sees: internal comments and staff ids for staff only. */
export function ticketView(thread: TicketWithThread, forStaff: boolean): TicketView {
  const { ticket: t, comments, incidents } = thread;
  const optional = <
    K extends
      | 'customerId'
      | 'orderId'
      | 'assignee'
      | 'group'
      | 'alertKey'
      | 'previousIncidentId'
      | 'problemId'
      | 'resolvedAt',
  >(
    key: K,
  ) => (t[key] === undefined ? {} : { [key]: t[key] });
  const summary = summaryOf(t);
  return {
    id: t.id,
    number: t.number,
    type: t.type,
    subject: t.subject,
    description: t.description,
    priority: t.priority,
    status: t.status,
    requester: forStaff || t.requester.kind === 'customer' ? { ...t.requester } : { kind: t.requester.kind },
    ...optional('customerId'),
    ...optional('orderId'),
    ...(forStaff ? optional('assignee') : {}),
    ...optional('group'),
    ...optional('alertKey'),
    ...optional('previousIncidentId'),
    ...optional('problemId'),
    ...(t.type === 'problem'
      ? {
          incidents: incidents.map(({ incidentId, number, linkedAt }) => ({
            id: incidentId,
            number,
            linkedAt,
          })),
        }
      : {}),
    ...(t.checklist ? { checklist: t.checklist.map((item) => ({ ...item })) } : {}),
    ...(t.approval ? { approval: { ...t.approval } } : {}),
    ...(summary.responseDueAt === undefined ? {} : { responseDueAt: summary.responseDueAt }),
    ...(summary.resolutionDueAt === undefined ? {} : { resolutionDueAt: summary.resolutionDueAt }),
    ...(t.sla.response.metAt === undefined ? {} : { firstResponseAt: t.sla.response.metAt }),
    sla: { version: t.sla.version, response: { ...t.sla.response }, resolution: { ...t.sla.resolution } },
    comments: comments.filter((c) => forStaff || !c.internal).map((c) => commentView(c, forStaff)),
    history: t.history.map(({ status, at }) => ({ status, at })),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    ...optional('resolvedAt'),
    version: t.version,
  };
}
