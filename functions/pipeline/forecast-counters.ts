/**
 * The forecast counters: one item per month of expected close and owner, updated with `ADD` by the
 * `pipelineForecast` consumer (in the transaction with its marker, so each event counts once) and
 * read by key for `GET /reports/pipeline`. Opportunities are never scanned.
 *
 * | item            | pk                        | sk              |
 * |-----------------|---------------------------|-----------------|
 * | month × owner   | PIPELINE#<yyyy-mm>        | OWNER#<owner>   |
 *
 * Attributes (forecast.ts): `count#<stage>`, `amount#<stage>#<currency>`, `weighted#<currency>`
 * (`ADD` needs top-level attributes; currencies cannot be summed). There is no all-owners row
 * (every change would write it): everyone's figures for a month are the sum of the month's owner
 * rows, one Query on the month's partition. One owner's figures are a `BatchGetItem` of their
 * row per month.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ddb, tableName } from '#shared/ddb.ts';
import { batchGetItems, MAX_BATCH_GET_KEYS, type TransactWrite } from '#shared/transactions.ts';
import { type PipelineReport, pipelineStages } from './contract.ts';
import { type CounterValues, type ForecastFigures, figuresOf, type RowDelta } from './forecast.ts';
import { STAGES } from './stages.ts';

export const FORECAST_PK_PREFIX = 'PIPELINE#';
export const forecastPk = (month: string): string => `${FORECAST_PK_PREFIX}${month}`;
export const forecastKey = (month: string, owner: string) =>
  ({ pk: forecastPk(month), sk: `OWNER#${owner}` }) as const;

/** The `ADD` of one event's delta to one row. */
function counterUpdate(delta: RowDelta, now: string): TransactWrite {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {
    ':entity': 'PipelineCounter',
    ':month': delta.month,
    ':owner': delta.owner,
    ':now': now,
  };
  const adds = Object.entries(delta.add).map(([attribute, value], i) => {
    names[`#a${i}`] = attribute;
    values[`:a${i}`] = value;
    return `#a${i} :a${i}`;
  });
  return {
    Update: {
      TableName: tableName,
      Key: forecastKey(delta.month, delta.owner),
      UpdateExpression: `SET entity = :entity, #month = :month, #owner = :owner, updatedAt = :now ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: { ...names, '#month': 'month', '#owner': 'owner' },
      ExpressionAttributeValues: values,
    },
  };
}

/** The updates of one event: at most two rows (its month × owner before and after). */
export const counterUpdates = (deltas: readonly RowDelta[], now: string): TransactWrite[] =>
  deltas.map((delta) => counterUpdate(delta, now));

const CounterItem = z.looseObject({ month: z.string(), owner: z.string() });
const NUMBER = z.number();

/** The numeric counters of a stored row. */
function valuesOf(item: Record<string, unknown>): { month: string; values: CounterValues } {
  const { month } = CounterItem.parse(item);
  const values: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.includes('#')) values[name] = NUMBER.parse(value);
  }
  return { month, values };
}

/** Every month from `from` to `to`, both included (YYYY-MM). */
export function monthsOf(from: string, to: string): string[] {
  const months: string[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  for (;;) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    if (current > to) return months;
    months.push(current);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}

/** All owner rows of one month: one Query on its partition, followed while it pages. */
async function monthRows(month: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': forecastPk(month) },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Requests in flight at once. */
const READ_CONCURRENCY = 4;

async function inBatches<T, R>(inputs: readonly T[], read: (input: T) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < inputs.length; i += READ_CONCURRENCY) {
    const results = await Promise.all(inputs.slice(i, i + READ_CONCURRENCY).map(read));
    out.push(...results.flat());
  }
  return out;
}

const publicFigures = ({ weightedExact: _exact, ...figures }: ForecastFigures) => figures;

/**
 * The report for a range of months: for one owner, a `BatchGetItem` of their row per month; for
 * everyone, a Query per month partition. Months without opportunities are present with zeros.
 */
export async function readPipelineReport(from: string, to: string, owner?: string): Promise<PipelineReport> {
  const months = monthsOf(from, to);
  let items: Record<string, unknown>[];
  if (owner !== undefined) {
    const keys = months.map((month) => forecastKey(month, owner));
    const chunks: (typeof keys)[] = [];
    for (let i = 0; i < keys.length; i += MAX_BATCH_GET_KEYS)
      chunks.push(keys.slice(i, i + MAX_BATCH_GET_KEYS));
    items = await inBatches(chunks, (chunk) => batchGetItems(ddb, tableName, chunk));
  } else {
    items = await inBatches(months, monthRows);
  }
  const stageNames = STAGES.map((s) => s.name);
  const byMonth = new Map<string, CounterValues[]>(months.map((m) => [m, []]));
  const all: CounterValues[] = [];
  for (const item of items) {
    const { month, values } = valuesOf(item);
    byMonth.get(month)?.push(values);
    all.push(values);
  }
  return {
    from,
    to,
    ...(owner === undefined ? {} : { owner }),
    pipeline: pipelineStages(),
    totals: publicFigures(figuresOf(all, stageNames)),
    months: months.map((month) => ({
      month,
      ...publicFigures(figuresOf(byMonth.get(month) ?? [], stageNames)),
    })),
  };
}
