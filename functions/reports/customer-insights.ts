/**
 * Customer insights, the stored part: per-customer RFM state, the joint RFM histogram and the
 * cohort counters, maintained by the `customerInsights` consumer and read by key for
 * `GET /reports/customers`. Everything is per currency (orders carry one; amounts in different
 * currencies cannot be compared without exchange rates, and a currency stands for a market):
 * a customer ordering in two currencies is counted in both reports.
 *
 * | item | pk | sk |
 * |---|---|---|
 * | customer state (per currency) | `INSIGHT#<customerId>` | `RFM#<currency>` |
 * | order fact | `INSIGHT#<customerId>` | `ORDER#<orderId>` |
 * | activity marker (customer × month) | `INSIGHT#<customerId>` | `ACTIVE#<currency>#<yyyy-mm>` |
 * | RFM histogram cell | `INSIGHTS#RFM#<currency>` | `CELL#<yyyy-mm>#<fff>#<mmm>#<shard>` |
 * | cohort counter | `INSIGHTS#COHORTS#<currency>` | `COHORT#<cohort>#<yyyy-mm>#<shard>` |
 *
 * Every event commits its state change, its counter moves and the consumer's marker in ONE
 * transaction, and every write is conditioned on what the handler read (the state's `version`, a
 * cell's count, `attribute_not_exists` on markers and facts), so a race re-runs the handler on
 * fresh state (the consumer framework does) and the counters stay exact.
 *
 * Hot rows: each customer's counter rows carry a shard (a hash of the customer id) so customers
 * moving into the same cell or cohort month at once mostly update different items; a shard is
 * still a sort key in the currency's one partition, so a report stays one Query per half. The
 * consumer's `maxConcurrency` bounds the write rate on those partitions.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { EventOf } from '#events/catalog.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { MAX_TRANSACT_ITEMS, type TransactWrite } from '#shared/transactions.ts';
import {
  addMonths,
  bucketOf,
  type CohortCounter,
  type CohortRow,
  cohortTable,
  type HistogramCell,
  monthOf,
  type RfmReport,
  rfmReport,
} from './insights.ts';

/** Shards of the RFM cells and of the cohort counters (items per hot row). */
export const RFM_SHARDS = 2;
export const COHORT_SHARDS = 4;

const customerPk = (customerId: string) => `INSIGHT#${customerId}`;
export const customerStateKey = (customerId: string, currency: string) =>
  ({ pk: customerPk(customerId), sk: `RFM#${currency}` }) as const;
export const orderFactKey = (customerId: string, orderId: string) =>
  ({ pk: customerPk(customerId), sk: `ORDER#${orderId}` }) as const;
export const activityKey = (customerId: string, currency: string, month: string) =>
  ({ pk: customerPk(customerId), sk: `ACTIVE#${currency}#${month}` }) as const;
export const rfmPk = (currency: string) => `INSIGHTS#RFM#${currency}`;
export const cohortPk = (currency: string) => `INSIGHTS#COHORTS#${currency}`;

const pad = (n: number) => String(n).padStart(3, '0');

/** A cell of the joint histogram (see insights.ts for the buckets). */
export interface CellKey {
  readonly month: string;
  readonly frequency: number;
  readonly monetary: number;
}
export const rfmCellKey = (currency: string, cell: CellKey, shard: number) =>
  ({
    pk: rfmPk(currency),
    sk: `CELL#${cell.month}#${pad(cell.frequency)}#${pad(cell.monetary)}#${shard}`,
  }) as const;
export const cohortKey = (currency: string, cohort: string, month: string, shard: number) =>
  ({ pk: cohortPk(currency), sk: `COHORT#${cohort}#${month}#${shard}` }) as const;

/** A stable shard of a customer (FNV-1a): all of one customer's counter moves hit the same shard. */
export function shardOf(customerId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    hash ^= customerId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** What the consumer keeps per customer and currency. */
const CustomerState = z.looseObject({
  /** Live (placed, not cancelled) orders in this currency. */
  orders: z.int().default(0),
  /** Their totals in minor units, net of return credit notes. */
  spend: z.int().default(0),
  /** `placedAt` of the latest live order; absent while `orders` is 0. */
  lastOrderAt: z.string().optional(),
  /** First-order month of any order placed (cancelled ones included). */
  cohort: z.string().optional(),
  version: z.int().default(0),
});
export type CustomerState = z.infer<typeof CustomerState>;

const OrderFact = z.looseObject({
  currency: z.string(),
  /** Absent on a tombstone: the cancellation was delivered before the placement. */
  placedAt: z.string().optional(),
  total: z.int().default(0),
  cancelled: z.boolean().default(false),
});
type OrderFact = z.infer<typeof OrderFact>;

const EMPTY_STATE: CustomerState = { orders: 0, spend: 0, version: 0 };

/** The histogram cell of a customer's state; none while it has no live order. */
export function cellOf(state: Pick<CustomerState, 'orders' | 'spend' | 'lastOrderAt'>): CellKey | undefined {
  if (state.orders <= 0 || state.lastOrderAt === undefined) return undefined;
  return {
    month: monthOf(state.lastOrderAt),
    frequency: bucketOf(state.orders),
    monetary: bucketOf(state.spend),
  };
}

async function getItem(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item;
}

/** Every item of a partition (optionally under a sort-key prefix), all pages. */
async function queryAll(
  pk: string,
  skPrefix: string,
  options: { consistent?: boolean; from?: string } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression:
          options.from === undefined ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk AND sk >= :from',
        ExpressionAttributeValues:
          options.from === undefined
            ? { ':pk': pk, ':prefix': skPrefix }
            : { ':pk': pk, ':from': options.from },
        ConsistentRead: options.consistent ?? false,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

const readState = async (customerId: string, currency: string): Promise<CustomerState> => {
  const item = await getItem(customerStateKey(customerId, currency));
  return item ? CustomerState.parse(item) : EMPTY_STATE;
};

const readFact = async (customerId: string, orderId: string): Promise<OrderFact | undefined> => {
  const item = await getItem(orderFactKey(customerId, orderId));
  return item ? OrderFact.parse(item) : undefined;
};

function statePut(
  customerId: string,
  currency: string,
  read: CustomerState,
  next: CustomerState,
  now: string,
) {
  const { version: _, ...rest } = next;
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...rest,
        ...customerStateKey(customerId, currency),
        entity: 'CustomerInsight',
        customerId,
        currency,
        version: read.version + 1,
        updatedAt: now,
      },
      // The state read: a concurrent event of the same customer makes this fail and re-run.
      ConditionExpression: read.version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
      ...(read.version === 0 ? {} : { ExpressionAttributeValues: { ':version': read.version } }),
    },
  } satisfies TransactWrite;
}

/** Counter attributes, aliased: several are (or may become) DynamoDB reserved words. */
const NAMES = {
  '#currency': 'currency',
  '#month': 'month',
  '#frequency': 'frequency',
  '#monetary': 'monetary',
  '#shard': 'shard',
  '#customers': 'customers',
} as const;

const CellCount = z.looseObject({ customers: z.int().default(0) });

/**
 * Moves a customer from its old histogram cell to its new one: decrement (or delete, when it is
 * the cell's last customer, so the partition holds non-empty cells only) and increment. Both are
 * conditioned on the count read, so a concurrent move into or out of the same cell re-runs.
 */
export async function cellMoves(
  customerId: string,
  currency: string,
  before: CustomerState,
  after: CustomerState,
  now: string,
): Promise<TransactWrite[]> {
  const from = cellOf(before);
  const to = cellOf(after);
  const shard = shardOf(customerId, RFM_SHARDS);
  if (from && to && rfmCellKey(currency, from, shard).sk === rfmCellKey(currency, to, shard).sk) return [];
  const writes: TransactWrite[] = [];
  if (from) {
    const key = rfmCellKey(currency, from, shard);
    const item = await getItem(key);
    const count = item ? CellCount.parse(item).customers : 0;
    writes.push(
      count <= 1
        ? {
            Delete: {
              TableName: tableName,
              Key: key,
              ConditionExpression: '#customers = :one',
              ExpressionAttributeNames: { '#customers': 'customers' },
              ExpressionAttributeValues: { ':one': 1 },
            },
          }
        : {
            Update: {
              TableName: tableName,
              Key: key,
              UpdateExpression: 'SET updatedAt = :now ADD #customers :minus',
              ConditionExpression: '#customers > :one',
              ExpressionAttributeNames: { '#customers': 'customers' },
              ExpressionAttributeValues: { ':one': 1, ':minus': -1, ':now': now },
            },
          },
    );
  }
  if (to) {
    writes.push({
      Update: {
        TableName: tableName,
        Key: rfmCellKey(currency, to, shard),
        UpdateExpression:
          'SET entity = :entity, #currency = :currency, #month = :month, #frequency = :f, #monetary = :m, ' +
          '#shard = :shard, updatedAt = :now ADD #customers :one',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: {
          ':entity': 'RfmCell',
          ':currency': currency,
          ':month': to.month,
          ':f': to.frequency,
          ':m': to.monetary,
          ':shard': shard,
          ':now': now,
          ':one': 1,
        },
      },
    });
  }
  return writes;
}

function cohortAdd(
  currency: string,
  customerId: string,
  cohort: string,
  month: string,
  delta: number,
  now: string,
) {
  const shard = shardOf(customerId, COHORT_SHARDS);
  return {
    Update: {
      TableName: tableName,
      Key: cohortKey(currency, cohort, month, shard),
      UpdateExpression:
        'SET entity = :entity, #currency = :currency, #cohort = :cohort, #month = :month, #shard = :shard, ' +
        'updatedAt = :now ADD #customers :delta',
      ExpressionAttributeNames: {
        '#currency': 'currency',
        '#cohort': 'cohort',
        '#month': 'month',
        '#shard': 'shard',
        '#customers': 'customers',
      },
      ExpressionAttributeValues: {
        ':entity': 'CohortCounter',
        ':currency': currency,
        ':cohort': cohort,
        ':month': month,
        ':shard': shard,
        ':now': now,
        ':delta': delta,
      },
    },
  } satisfies TransactWrite;
}

/**
 * The cohort writes of an order placed in `month`: nothing when the customer already ordered that
 * month (its activity marker exists); else the marker (conditional Put) and +1 on cohort × month.
 * An order delivered late from a month before the customer's cohort moves the customer to the
 * earlier cohort: each of its active months moves from the old cohort's row to the new one's.
 */
async function cohortWrites(
  customerId: string,
  currency: string,
  state: CustomerState,
  month: string,
  now: string,
): Promise<{ writes: TransactWrite[]; cohort: string | undefined }> {
  const marker = activityKey(customerId, currency, month);
  if (await getItem(marker)) return { writes: [], cohort: state.cohort };
  const writes: TransactWrite[] = [
    {
      Put: {
        TableName: tableName,
        Item: { ...marker, entity: 'CustomerActivity', customerId, currency, month, createdAt: now },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
  if (state.cohort === undefined || month >= state.cohort) {
    const cohort = state.cohort ?? month;
    writes.push(cohortAdd(currency, customerId, cohort, month, 1, now));
    return { writes, cohort };
  }
  const active = await queryAll(customerPk(customerId), `ACTIVE#${currency}#`, { consistent: true });
  for (const item of active) {
    const activeMonth = z.object({ month: z.string() }).parse(item).month;
    writes.push(cohortAdd(currency, customerId, state.cohort, activeMonth, -1, now));
    writes.push(cohortAdd(currency, customerId, month, activeMonth, 1, now));
  }
  writes.push(cohortAdd(currency, customerId, month, month, 1, now));
  return { writes, cohort: month };
}

/** Fails loudly (the event reaches the DLQ) rather than exceed one transaction. */
function checked(writes: TransactWrite[], what: string): TransactWrite[] {
  if (writes.length + 1 > MAX_TRANSACT_ITEMS) {
    throw new Error(`${what} needs ${writes.length} writes; one transaction holds ${MAX_TRANSACT_ITEMS - 1}`);
  }
  return writes;
}

/**
 * `OrderPlaced`: one more live order (frequency), its total (monetary), a later last order
 * (recency); the customer's cell moves; the (customer, month) activity marker and cohort counter.
 * An order whose cancellation came first (tombstone) only records its cohort activity.
 */
export async function orderPlacedWrites(
  event: EventOf<'OrderPlaced'>,
  now: string,
): Promise<TransactWrite[]> {
  const { customerId, orderId, currency, placedAt, total } = event.data;
  const fact = await readFact(customerId, orderId);
  if (fact?.placedAt !== undefined) return [];
  const state = await readState(customerId, currency);
  const cancelledFirst = fact?.cancelled === true;
  const counted: CustomerState = cancelledFirst
    ? state
    : {
        ...state,
        orders: state.orders + 1,
        spend: state.spend + total,
        lastOrderAt:
          state.lastOrderAt === undefined || placedAt > state.lastOrderAt ? placedAt : state.lastOrderAt,
      };
  const cohort = await cohortWrites(customerId, currency, state, monthOf(placedAt), now);
  const next: CustomerState = { ...counted, ...(cohort.cohort ? { cohort: cohort.cohort } : {}) };
  const factWrite: TransactWrite = {
    Put: {
      TableName: tableName,
      Item: {
        ...orderFactKey(customerId, orderId),
        entity: 'CustomerOrderFact',
        customerId,
        orderId,
        currency,
        placedAt,
        total,
        cancelled: cancelledFirst,
        updatedAt: now,
      },
      ConditionExpression: cancelledFirst
        ? 'attribute_exists(pk) AND attribute_not_exists(placedAt)'
        : 'attribute_not_exists(pk)',
    },
  };
  return checked(
    [
      factWrite,
      ...(await cellMoves(customerId, currency, state, next, now)),
      ...cohort.writes,
      statePut(customerId, currency, state, next, now),
    ],
    `OrderPlaced ${orderId}`,
  );
}

/** The latest `placedAt` of the customer's live orders in `currency`, `orderId` left out. */
async function lastLiveOrderAt(customerId: string, currency: string, orderId: string) {
  let latest: string | undefined;
  for (const item of await queryAll(customerPk(customerId), 'ORDER#', { consistent: true })) {
    const fact = OrderFact.parse(item);
    if (item.sk === orderFactKey(customerId, orderId).sk || fact.currency !== currency || fact.cancelled)
      continue;
    if (fact.placedAt !== undefined && (latest === undefined || fact.placedAt > latest))
      latest = fact.placedAt;
  }
  return latest;
}

/**
 * `OrderCancelled`: the order no longer counts — one live order fewer, its total off the spend, the
 * last order recomputed when it was the latest; the customer moves back (or out, at no live order).
 * Cohorts keep the activity: a customer who placed an order that month did order, and cohort rows
 * never move backwards. A cancellation delivered before its placement leaves a tombstone.
 */
export async function orderCancelledWrites(
  event: EventOf<'OrderCancelled'>,
  now: string,
): Promise<TransactWrite[]> {
  const { customerId, orderId, currency } = event.data;
  const fact = await readFact(customerId, orderId);
  if (fact?.cancelled) return [];
  if (!fact || fact.placedAt === undefined) {
    return [
      {
        Put: {
          TableName: tableName,
          Item: {
            ...orderFactKey(customerId, orderId),
            entity: 'CustomerOrderFact',
            customerId,
            orderId,
            currency,
            cancelled: true,
            updatedAt: now,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }
  const state = await readState(customerId, fact.currency);
  const orders = state.orders - 1;
  const lastOrderAt =
    orders <= 0
      ? undefined
      : fact.placedAt === state.lastOrderAt
        ? await lastLiveOrderAt(customerId, fact.currency, orderId)
        : state.lastOrderAt;
  const { lastOrderAt: _, ...rest } = state;
  const next: CustomerState = {
    ...rest,
    orders,
    spend: state.spend - fact.total,
    ...(lastOrderAt ? { lastOrderAt } : {}),
  };
  return [
    {
      Update: {
        TableName: tableName,
        Key: orderFactKey(customerId, orderId),
        UpdateExpression: 'SET cancelled = :yes, updatedAt = :now',
        ConditionExpression: 'cancelled = :no',
        ExpressionAttributeValues: { ':yes': true, ':no': false, ':now': now },
      },
    },
    ...(await cellMoves(customerId, fact.currency, state, next, now)),
    statePut(customerId, fact.currency, state, next, now),
  ];
}

/**
 * `CreditNoteIssued` for a return: monetary is net of returns, so the credited net amount
 * (`subtotal − discount`, negative) comes off the spend; frequency and recency do not change (the
 * order happened). Cancellation credit notes are ignored: `OrderCancelled` already took the order out.
 */
export async function creditNoteWrites(
  event: EventOf<'CreditNoteIssued'>,
  now: string,
): Promise<TransactWrite[]> {
  const { customerId, currency, reason, subtotal, discount } = event.data;
  if (reason !== 'return') return [];
  const state = await readState(customerId, currency);
  const next: CustomerState = { ...state, spend: state.spend + (subtotal - discount) };
  return [
    ...(await cellMoves(customerId, currency, state, next, now)),
    statePut(customerId, currency, state, next, now),
  ];
}

const CellItem = z.looseObject({
  month: z.string(),
  frequency: z.int(),
  monetary: z.int(),
  customers: z.int(),
});
const CohortItem = z.looseObject({ cohort: z.string(), month: z.string(), customers: z.int() });

/** The joint histogram of a currency, shards summed: one Query of its partition (all pages). */
export async function readHistogram(currency: string): Promise<HistogramCell[]> {
  const cells = new Map<string, HistogramCell>();
  for (const item of await queryAll(rfmPk(currency), 'CELL#')) {
    const cell = CellItem.parse(item);
    const key = `${cell.month}#${cell.frequency}#${cell.monetary}`;
    const previous = cells.get(key)?.customers ?? 0;
    cells.set(key, {
      month: cell.month,
      frequency: cell.frequency,
      monetary: cell.monetary,
      customers: previous + cell.customers,
    });
  }
  return [...cells.values()];
}

/** The cohort counters from cohort `from` on: one Query of the currency's cohort partition. */
export async function readCohortCounters(currency: string, from: string): Promise<CohortCounter[]> {
  const items = await queryAll(cohortPk(currency), '', { from: `COHORT#${from}` });
  return items.map((item) => {
    const { cohort, month, customers } = CohortItem.parse(item);
    return { cohort, month, customers };
  });
}

export interface CustomerInsights {
  readonly currency: string;
  readonly asOf: string;
  readonly rfm: RfmReport;
  readonly cohorts: CohortRow[];
}

/** The report: the RFM half from the histogram, the cohort half for the last `months` months. */
export async function readCustomerInsights(
  currency: string,
  months: number,
  now: string,
): Promise<CustomerInsights> {
  const to = monthOf(now);
  const from = addMonths(to, -(months - 1));
  const [histogram, counters] = await Promise.all([
    readHistogram(currency),
    readCohortCounters(currency, from),
  ]);
  return { currency, asOf: now, rfm: rfmReport(histogram), cohorts: cohortTable(counters, from, to) };
}
