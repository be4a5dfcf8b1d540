/**
 * Sales counters: one item per UTC day and channel, updated with `ADD` by the sales-reports
 * consumer (in the transaction with its marker, so each event counts once) and read by key for
 * `GET /reports/sales`. Orders are never scanned. A day's totals are summed at read time from its
 * channel rows: there is no all-channels row, which every order would write (a hot item whose
 * transactions conflict under a burst). The consumer's bounded `maxConcurrency` in the topology
 * keeps the per-channel rows' write rate within what their retries absorb.
 *
 * | item          | pk                | sk                 |
 * |---------------|-------------------|--------------------|
 * | day × channel | SALES#<yyyy-mm-dd> | CHANNEL#<channel> |
 *
 * Money counters are kept per currency in attributes named `<counter>#<currency>`
 * (`revenue#EUR`): `ADD` needs a top-level attribute, and currencies cannot be summed.
 */
import * as z from 'zod';
import type { EventOf } from '#events/catalog.ts';
import { OrderChannel } from '#events/orders.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { batchGetItems, MAX_BATCH_GET_KEYS, type TransactWrite } from '#shared/transactions.ts';
import { daysBetween, type SalesCounters, type SalesDay, type SalesReport } from './contract.ts';

type Channel = z.infer<typeof OrderChannel>;
export type SalesRow = Channel;
export const salesKey = (date: string, row: SalesRow) =>
  ({ pk: `SALES#${date}`, sk: `CHANNEL#${row}` }) as const;

const COUNTS = [
  'orders',
  'units',
  'cancellations',
  'cancelledUnits',
  'creditNotes',
  'returnCreditNotes',
] as const;
const MONEY = ['revenue', 'discounts', 'cancelledRevenue', 'creditedRevenue', 'returnedRevenue'] as const;
type CountName = (typeof COUNTS)[number];
type MoneyName = (typeof MONEY)[number];

/** What one event adds to its day's counters. */
export interface SalesDelta {
  readonly date: string;
  readonly channel: Channel;
  readonly currency: string;
  readonly counts: Partial<Record<CountName, number>>;
  readonly money: Partial<Record<MoneyName, number>>;
}

/** The UTC day of an ISO timestamp. */
export const utcDay = (timestamp: string): string => new Date(timestamp).toISOString().slice(0, 10);

const units = (lines: readonly { quantity: number }[]): number => lines.reduce((n, l) => n + l.quantity, 0);

export function placedDelta({ data }: EventOf<'OrderPlaced'>): SalesDelta {
  return {
    date: utcDay(data.placedAt),
    channel: data.channel,
    currency: data.currency,
    counts: { orders: 1, units: units(data.lines) },
    money: { revenue: data.total, discounts: data.discount },
  };
}

export function cancelledDelta({ data }: EventOf<'OrderCancelled'>): SalesDelta {
  return {
    date: utcDay(data.cancelledAt),
    channel: data.channel,
    currency: data.currency,
    counts: { cancellations: 1, cancelledUnits: units(data.lines) },
    money: { cancelledRevenue: data.total },
  };
}

/**
 * A credit note, on its issue day: counted in `creditNotes` / `creditedRevenue` whatever its
 * reason, and also in `returnCreditNotes` / `returnedRevenue` when it credits a return. Amounts are
 * positive and net of tax (`−(subtotal − discount)`), like `revenue`. A cancellation's credit note
 * is the same order as the `cancellations` / `cancelledRevenue` counted from `OrderCancelled`, so
 * net sales are `revenue − cancelledRevenue − returnedRevenue`, never minus `creditedRevenue` too.
 */
export function creditNoteDelta({ data }: EventOf<'CreditNoteIssued'>): SalesDelta {
  const credited = -(data.subtotal - data.discount);
  const isReturn = data.reason === 'return';
  return {
    date: utcDay(data.issuedAt),
    channel: data.channel,
    currency: data.currency,
    counts: { creditNotes: 1, ...(isReturn ? { returnCreditNotes: 1 } : {}) },
    money: { creditedRevenue: credited, ...(isReturn ? { returnedRevenue: credited } : {}) },
  };
}

function counterUpdate(delta: SalesDelta, now: string): TransactWrite {
  const row = delta.channel;
  const names: Record<string, string> = { '#date': 'date', '#channel': 'channel' };
  const values: Record<string, unknown> = {
    ':entity': 'SalesCounter',
    ':date': delta.date,
    ':row': row,
    ':now': now,
  };
  const adds: string[] = [];
  for (const name of COUNTS) {
    const value = delta.counts[name];
    if (value === undefined) continue;
    adds.push(`${name} :${name}`);
    values[`:${name}`] = value;
  }
  for (const name of MONEY) {
    const value = delta.money[name];
    if (value === undefined) continue;
    names[`#${name}`] = `${name}#${delta.currency}`;
    adds.push(`#${name} :${name}`);
    values[`:${name}`] = value;
  }
  return {
    Update: {
      TableName: tableName,
      Key: salesKey(delta.date, row),
      UpdateExpression: `SET entity = :entity, #date = :date, #channel = :row, updatedAt = :now ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The update for one event: its day's row for its channel, nothing shared by every order. */
export function counterUpdates(delta: SalesDelta, now: string): TransactWrite[] {
  return [counterUpdate(delta, now)];
}

const SalesItem = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  date: z.string(),
  channel: OrderChannel,
  orders: z.int().default(0),
  units: z.int().default(0),
  cancellations: z.int().default(0),
  cancelledUnits: z.int().default(0),
  creditNotes: z.int().default(0),
  returnCreditNotes: z.int().default(0),
});
const MONEY_ATTRIBUTE = new RegExp(`^(${MONEY.join('|')})#([A-Z]{3})$`);
const MoneyValue = z.int();

const emptyCounters = (): SalesCounters => ({
  orders: 0,
  units: 0,
  revenue: {},
  discounts: {},
  cancellations: 0,
  cancelledUnits: 0,
  cancelledRevenue: {},
  creditNotes: 0,
  creditedRevenue: {},
  returnCreditNotes: 0,
  returnedRevenue: {},
});

function addInto(target: SalesCounters, source: SalesCounters): void {
  for (const name of COUNTS) target[name] += source[name];
  for (const name of MONEY) {
    for (const [currency, amount] of Object.entries(source[name])) {
      target[name][currency] = (target[name][currency] ?? 0) + amount;
    }
  }
}

function countersOf(item: Record<string, unknown>): { date: string; row: SalesRow; counters: SalesCounters } {
  const parsed = SalesItem.parse(item);
  const counters = emptyCounters();
  for (const name of COUNTS) counters[name] = parsed[name];
  for (const [attribute, value] of Object.entries(item)) {
    const match = MONEY_ATTRIBUTE.exec(attribute);
    if (!match?.[1] || !match[2]) continue;
    const name = MONEY.find((m) => m === match[1]);
    if (name) counters[name][match[2]] = MoneyValue.parse(value);
  }
  return { date: parsed.date, row: parsed.channel, counters };
}

/** Every day from `from` to `to`, both included. */
export function datesOf(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: daysBetween(from, to) }, (_, i) =>
    new Date(start + i * 24 * 3600 * 1000).toISOString().slice(0, 10),
  );
}

/** Requests in flight at once when a long range needs several BatchGetItem calls. */
const READ_CONCURRENCY = 4;

/**
 * The report for a range: reads each day's channel rows by key (`BatchGetItem`, 100 keys a call:
 * 25 days per call), never a scan, and sums them. Days without sales are present with zeros.
 */
export async function readSalesReport(from: string, to: string): Promise<SalesReport> {
  const dates = datesOf(from, to);
  const rows: readonly SalesRow[] = OrderChannel.options;
  const keys = dates.flatMap((date) => rows.map((row) => salesKey(date, row)));
  const chunks: (typeof keys)[] = [];
  for (let i = 0; i < keys.length; i += MAX_BATCH_GET_KEYS)
    chunks.push(keys.slice(i, i + MAX_BATCH_GET_KEYS));
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < chunks.length; i += READ_CONCURRENCY) {
    const results = await Promise.all(
      chunks.slice(i, i + READ_CONCURRENCY).map((chunk) => batchGetItems(ddb, tableName, chunk)),
    );
    items.push(...results.flat());
  }

  const byDate = new Map<string, SalesDay>(
    dates.map((date) => [date, { date, ...emptyCounters(), channels: {} }]),
  );
  const totals: SalesReport['totals'] = { ...emptyCounters(), channels: {} };
  for (const item of items) {
    const { date, row, counters } = countersOf(item);
    const day = byDate.get(date);
    if (!day) continue;
    // The day's and the range's totals are the sums of the channel rows.
    day.channels[row] = counters;
    addInto(day, counters);
    addInto(totals, counters);
    const total = totals.channels[row] ?? emptyCounters();
    addInto(total, counters);
    totals.channels[row] = total;
  }
  return { from, to, totals, days: [...byDate.values()] };
}
