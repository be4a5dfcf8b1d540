/**
 * Service-desk counters, kept from the ticket events by the `serviceDeskReports` consumer (its
 * writes commit with its marker, so a redelivered event never counts twice) and read by key for
 * `GET /reports/service-desk`. Tickets are never scanned.
 *
 * | item              | pk                        | sk                 |
 * |-------------------|---------------------------|--------------------|
 * | day × type        | `SDESK#<yyyy-mm-dd>`      | `TYPE#<type>`      |
 * | backlog shard     | `SDESK#BACKLOG`           | `SHARD#<0…7>`      |
 * | first resolution  | `SDESK#TICKET#<ticketId>` | `FIRST_RESOLUTION` |
 *
 * - A day × type row holds one attribute per counter and priority, `<counter>#<priority>`
 *   (`opened#high`), updated with `ADD` (a top-level attribute per cell).
 * - The backlog is the number of tickets in each status now: `TicketCreated` adds one to `NEW`,
 *   `TicketStatusChanged` moves one from `from` to `to`. It is spread over eight shard items by a
 *   hash of the ticket id (every event of one ticket lands on the same shard, so each shard's
 *   counts are exact on their own) and summed at read time: no single item takes every ticket's
 *   writes. Events of one ticket delivered out of order may leave a shard briefly negative in a
 *   status; the counts are exact once every event is applied.
 * - A ticket counts as resolved once, at its first resolution: the first-resolution item records
 *   which `TicketResolved` was counted. An earlier resolution delivered later (a redrive) replaces
 *   it: its counts move from the recorded day and priority to the earlier one in one transaction,
 *   conditioned on the record read. So the counters are the same whatever the delivery order.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { EventOf } from '#events/catalog.ts';
import { TicketPriority, TicketStatus, TicketType } from '#events/tickets.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { batchGetItems, MAX_BATCH_GET_KEYS, type TransactWrite } from '#shared/transactions.ts';
import type { ServiceDeskFigures, ServiceDeskReport } from './service-desk-contract.ts';

type Type = TicketType;
type Priority = TicketPriority;
type Status = TicketStatus;

export const TYPES: readonly Type[] = TicketType.options;
export const PRIORITIES: readonly Priority[] = TicketPriority.options;
export const STATUSES: readonly Status[] = TicketStatus.options;
/** Statuses whose tickets still need work. */
const OPEN_STATUSES: readonly Status[] = ['NEW', 'OPEN', 'PENDING'];

/** Items the backlog is spread over. */
export const BACKLOG_SHARDS = 8;

export const serviceDeskDayKey = (date: string, type: Type) =>
  ({ pk: `SDESK#${date}`, sk: `TYPE#${type}` }) as const;
export const backlogShardKey = (shard: number) => ({ pk: 'SDESK#BACKLOG', sk: `SHARD#${shard}` }) as const;
export const firstResolutionKey = (ticketId: string) =>
  ({ pk: `SDESK#TICKET#${ticketId}`, sk: 'FIRST_RESOLUTION' }) as const;

/** The shard of a ticket's backlog counts: FNV-1a of its id, so all its events agree. */
export function backlogShard(ticketId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < ticketId.length; i++) {
    hash ^= ticketId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % BACKLOG_SHARDS;
}

export const COUNTERS = [
  'opened',
  'resolved',
  'reopened',
  'responseMet',
  'resolutionMet',
  'msToResolve',
  'businessMsToResolve',
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counters = Record<Counter, number>;

/** One cell's change: a counter of one day, type and priority. */
export interface CellDelta {
  readonly date: string;
  readonly type: Type;
  readonly priority: Priority;
  readonly counter: Counter;
  readonly amount: number;
}

/** One backlog shard's change: tickets per status. */
export interface BacklogDelta {
  readonly shard: number;
  readonly statuses: Partial<Record<Status, number>>;
}

/** The UTC day of an ISO timestamp. */
export const utcDay = (timestamp: string): string => new Date(timestamp).toISOString().slice(0, 10);

export function createdDeltas({ data }: EventOf<'TicketCreated'>): {
  cells: CellDelta[];
  backlog: BacklogDelta;
} {
  return {
    cells: [
      {
        date: utcDay(data.createdAt),
        type: data.type,
        priority: data.priority,
        counter: 'opened',
        amount: 1,
      },
    ],
    backlog: { shard: backlogShard(data.ticketId), statuses: { NEW: 1 } },
  };
}

export function statusChangedDeltas({ data }: EventOf<'TicketStatusChanged'>): {
  cells: CellDelta[];
  backlog?: BacklogDelta;
} {
  const cells: CellDelta[] =
    data.from === 'RESOLVED' && data.to === 'OPEN'
      ? [
          {
            date: utcDay(data.changedAt),
            type: data.type,
            priority: data.priority,
            counter: 'reopened',
            amount: 1,
          },
        ]
      : [];
  if (data.from === data.to) return { cells };
  return {
    cells,
    backlog: { shard: backlogShard(data.ticketId), statuses: { [data.from]: -1, [data.to]: 1 } },
  };
}

/** The resolution a ticket is counted by, as the first-resolution item stores it. */
export const FirstResolution = z.object({
  ticketId: z.string(),
  /** The `TicketResolved` event counted. */
  eventId: z.string(),
  resolvedAt: z.string(),
  date: z.string(),
  type: TicketType,
  priority: TicketPriority,
  responseMet: z.boolean(),
  resolutionMet: z.boolean(),
  msToResolve: z.int().min(0),
  businessMsToResolve: z.int().min(0),
});
export type FirstResolution = z.infer<typeof FirstResolution>;

export function resolutionOf(event: EventOf<'TicketResolved'>): FirstResolution {
  const { data } = event;
  return {
    ticketId: data.ticketId,
    eventId: event.id,
    resolvedAt: data.resolvedAt,
    date: utcDay(data.resolvedAt),
    type: data.type,
    priority: data.priority,
    responseMet: data.responseMet,
    resolutionMet: data.resolutionMet,
    msToResolve: Math.max(0, Date.parse(data.resolvedAt) - Date.parse(data.createdAt)),
    businessMsToResolve: data.businessMsToResolve,
  };
}

/** What one resolution adds to (sign 1) or takes from (sign −1) its day's cells. */
function contribution(r: FirstResolution, sign: 1 | -1): CellDelta[] {
  const cell = (counter: Counter, amount: number): CellDelta => ({
    date: r.date,
    type: r.type,
    priority: r.priority,
    counter,
    amount: sign * amount,
  });
  return [
    cell('resolved', 1),
    cell('responseMet', r.responseMet ? 1 : 0),
    cell('resolutionMet', r.resolutionMet ? 1 : 0),
    cell('msToResolve', r.msToResolve),
    cell('businessMsToResolve', r.businessMsToResolve),
  ];
}

/** Whether resolution `a` came before `b` (the event id breaks a tie, so the order is total). */
function precedes(a: FirstResolution, b: FirstResolution): boolean {
  const [ta, tb] = [Date.parse(a.resolvedAt), Date.parse(b.resolvedAt)];
  return ta < tb || (ta === tb && a.eventId < b.eventId);
}

/**
 * How a `TicketResolved` changes the counters, given the resolution counted so far for its ticket:
 * nothing when that one came first; otherwise the candidate becomes the first resolution, and the
 * previous one's counts (if any) are taken back.
 */
export function planResolution(
  current: FirstResolution | undefined,
  candidate: FirstResolution,
): { record: FirstResolution; cells: CellDelta[] } | undefined {
  if (current && !precedes(candidate, current)) return undefined;
  return {
    record: candidate,
    cells: [...(current ? contribution(current, -1) : []), ...contribution(candidate, 1)],
  };
}

/* ------------------------------------------------------------------------------------------------
 * Writes.
 * --------------------------------------------------------------------------------------------- */

const cellAttribute = (counter: Counter, priority: Priority) => `${counter}#${priority}`;

/**
 * One `ADD` update per day × type row touched (a transaction may not touch an item twice), the
 * deltas of each cell summed; cells and rows that net to zero are left out.
 */
export function cellUpdates(cells: readonly CellDelta[], now: string): TransactWrite[] {
  const rows = new Map<string, { date: string; type: Type; adds: Map<string, number> }>();
  for (const c of cells) {
    const id = `${c.date}|${c.type}`;
    const row = rows.get(id) ?? { date: c.date, type: c.type, adds: new Map<string, number>() };
    rows.set(id, row);
    const attribute = cellAttribute(c.counter, c.priority);
    row.adds.set(attribute, (row.adds.get(attribute) ?? 0) + c.amount);
  }
  const writes: TransactWrite[] = [];
  for (const row of rows.values()) {
    const adds = [...row.adds].filter(([, amount]) => amount !== 0);
    if (adds.length === 0) continue;
    const names: Record<string, string> = { '#date': 'date', '#type': 'type' };
    const values: Record<string, unknown> = {
      ':entity': 'ServiceDeskCounter',
      ':date': row.date,
      ':type': row.type,
      ':now': now,
    };
    adds.forEach(([attribute, amount], i) => {
      names[`#c${i}`] = attribute;
      values[`:c${i}`] = amount;
    });
    writes.push({
      Update: {
        TableName: tableName,
        Key: serviceDeskDayKey(row.date, row.type),
        UpdateExpression: `SET entity = :entity, #date = :date, #type = :type, updatedAt = :now ADD ${adds
          .map((_, i) => `#c${i} :c${i}`)
          .join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
  }
  return writes;
}

export function backlogUpdate(delta: BacklogDelta, now: string): TransactWrite[] {
  const moves = Object.entries(delta.statuses).filter(([, amount]) => amount !== 0);
  if (moves.length === 0) return [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':entity': 'ServiceDeskBacklog', ':now': now };
  moves.forEach(([status, amount], i) => {
    names[`#s${i}`] = status;
    values[`:s${i}`] = amount;
  });
  return [
    {
      Update: {
        TableName: tableName,
        Key: backlogShardKey(delta.shard),
        UpdateExpression: `SET entity = :entity, updatedAt = :now ADD ${moves.map((_, i) => `#s${i} :s${i}`).join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ];
}

/** The resolution counted so far for a ticket (strongly consistent: the plan is checked on it). */
export async function readFirstResolution(ticketId: string): Promise<FirstResolution | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: firstResolutionKey(ticketId), ConsistentRead: true }),
  );
  return Item ? FirstResolution.parse(Item) : undefined;
}

/**
 * The writes of a `TicketResolved`: none when the ticket's first resolution is already counted;
 * otherwise the first-resolution item (conditioned on what was read: the consumer framework
 * re-reads and re-plans when another delivery won the race) and the counter changes.
 */
export async function resolutionWrites(
  event: EventOf<'TicketResolved'>,
  now: string,
): Promise<TransactWrite[]> {
  const candidate = resolutionOf(event);
  const current = await readFirstResolution(candidate.ticketId);
  const plan = planResolution(current, candidate);
  if (!plan) return [];
  const record: TransactWrite = {
    Put: {
      TableName: tableName,
      Item: {
        ...firstResolutionKey(candidate.ticketId),
        entity: 'ServiceDeskFirstResolution',
        ...plan.record,
      },
      ...(current
        ? {
            ConditionExpression: 'eventId = :counted',
            ExpressionAttributeValues: { ':counted': current.eventId },
          }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
  return [record, ...cellUpdates(plan.cells, now)];
}

/* ------------------------------------------------------------------------------------------------
 * Reads.
 * --------------------------------------------------------------------------------------------- */

export const emptyCounters = (): Counters => ({
  opened: 0,
  resolved: 0,
  reopened: 0,
  responseMet: 0,
  resolutionMet: 0,
  msToResolve: 0,
  businessMsToResolve: 0,
});

function addInto(target: Counters, source: Counters): void {
  for (const c of COUNTERS) target[c] += source[c];
}

const percent = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((1000 * part) / whole) / 10;
const mean = (sum: number, count: number): number | null => (count === 0 ? null : Math.round(sum / count));

/** The published figures of a set of counters: counts, attainment percentages and means. */
export function figuresOf(c: Counters): ServiceDeskFigures {
  return {
    opened: c.opened,
    resolved: c.resolved,
    reopened: c.reopened,
    responseMet: c.responseMet,
    resolutionMet: c.resolutionMet,
    responseAttainmentPercent: percent(c.responseMet, c.resolved),
    resolutionAttainmentPercent: percent(c.resolutionMet, c.resolved),
    meanTimeToResolveMs: mean(c.msToResolve, c.resolved),
    meanBusinessTimeToResolveMs: mean(c.businessMsToResolve, c.resolved),
  };
}

const DayRow = z.looseObject({ date: z.string(), type: TicketType });
const CELL_ATTRIBUTE = new RegExp(`^(${COUNTERS.join('|')})#(${PRIORITIES.join('|')})$`);
const CellValue = z.int();
const BacklogRow = z.looseObject(
  Object.fromEntries(STATUSES.map((s) => [s, z.int().default(0)])) as Record<Status, z.ZodDefault<z.ZodInt>>,
);

/** A day × type row's cells, per priority. */
function cellsOf(item: Record<string, unknown>): {
  date: string;
  type: Type;
  byPriority: Record<Priority, Counters>;
} {
  const row = DayRow.parse(item);
  const byPriority = Object.fromEntries(PRIORITIES.map((p) => [p, emptyCounters()])) as Record<
    Priority,
    Counters
  >;
  for (const [attribute, value] of Object.entries(item)) {
    const match = CELL_ATTRIBUTE.exec(attribute);
    if (!match) continue;
    byPriority[match[2] as Priority][match[1] as Counter] = CellValue.parse(value);
  }
  return { date: row.date, type: row.type, byPriority };
}

/** Every day from `from` to `to`, both included. */
function datesOf(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    dates.push(new Date(t).toISOString().slice(0, 10));
  }
  return dates;
}

/** Requests in flight at once when a long range needs several BatchGetItem calls. */
const READ_CONCURRENCY = 4;

async function readKeys(keys: readonly Record<string, string>[]): Promise<Record<string, unknown>[]> {
  const chunks: Record<string, string>[][] = [];
  for (let i = 0; i < keys.length; i += MAX_BATCH_GET_KEYS)
    chunks.push(keys.slice(i, i + MAX_BATCH_GET_KEYS));
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < chunks.length; i += READ_CONCURRENCY) {
    const results = await Promise.all(
      chunks.slice(i, i + READ_CONCURRENCY).map((chunk) => batchGetItems(ddb, tableName, chunk)),
    );
    items.push(...results.flat());
  }
  return items;
}

/** Sums the day × type rows of a range and the backlog shards into the report. */
export function summarise(
  from: string,
  to: string,
  dayItems: readonly Record<string, unknown>[],
  backlogItems: readonly Record<string, unknown>[],
): ServiceDeskReport {
  const dates = datesOf(from, to);
  const totals = emptyCounters();
  const perType = Object.fromEntries(
    TYPES.map((t) => [
      t,
      { all: emptyCounters(), ...Object.fromEntries(PRIORITIES.map((p) => [p, emptyCounters()])) },
    ]),
  ) as Record<Type, Record<Priority | 'all', Counters>>;
  const perPriority = Object.fromEntries(PRIORITIES.map((p) => [p, emptyCounters()])) as Record<
    Priority,
    Counters
  >;
  const perDay = new Map(dates.map((date) => [date, emptyCounters()]));
  for (const item of dayItems) {
    const { date, type, byPriority } = cellsOf(item);
    const day = perDay.get(date);
    if (!day) continue;
    for (const p of PRIORITIES) {
      const cell = byPriority[p];
      addInto(day, cell);
      addInto(totals, cell);
      addInto(perType[type][p], cell);
      addInto(perType[type].all, cell);
      addInto(perPriority[p], cell);
    }
  }
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const item of backlogItems) {
    const shard = BacklogRow.parse(item);
    for (const s of STATUSES) byStatus[s] += shard[s];
  }
  return {
    from,
    to,
    totals: figuresOf(totals),
    byType: Object.fromEntries(
      TYPES.map((t) => [
        t,
        {
          ...figuresOf(perType[t].all),
          byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, figuresOf(perType[t][p])])),
        },
      ]),
    ) as ServiceDeskReport['byType'],
    byPriority: Object.fromEntries(
      PRIORITIES.map((p) => [p, figuresOf(perPriority[p])]),
    ) as ServiceDeskReport['byPriority'],
    days: dates.map((date) => {
      const c = perDay.get(date)!;
      return { date, opened: c.opened, resolved: c.resolved, reopened: c.reopened };
    }),
    backlog: { byStatus, open: OPEN_STATUSES.reduce((n, s) => n + byStatus[s], 0) },
  };
}

/**
 * The report for a range: each day's type rows (five per day, `BatchGetItem`, 20 days a call) and
 * the eight backlog shards, by key; never a scan or a query over tickets.
 */
export async function readServiceDeskReport(from: string, to: string): Promise<ServiceDeskReport> {
  const dayKeys = datesOf(from, to).flatMap((date) => TYPES.map((type) => serviceDeskDayKey(date, type)));
  const shardKeys = Array.from({ length: BACKLOG_SHARDS }, (_, i) => backlogShardKey(i));
  const items = await readKeys([...shardKeys, ...dayKeys]);
  const isShard = (item: Record<string, unknown>) => item.pk === 'SDESK#BACKLOG';
  return summarise(
    from,
    to,
    items.filter((i) => !isShard(i)),
    items.filter(isShard),
  );
}
