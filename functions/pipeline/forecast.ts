/**
 * The weighted forecast, as pure arithmetic (no I/O): what one opportunity contributes to its
 * counters, and what a change moves between them. `forecast-counters.ts` stores the result.
 *
 * Counters are kept per month of expected close and per owner (one row each): per stage a count
 * and an amount per currency, and the open pipeline's weighted amount per currency. The weighted
 * amount is stored exactly, as amount × probability (minor units × percent); it is divided by 100
 * and rounded only when a report is read.
 *
 * **Why the forecast stays exact, whatever the delivery order.** Every change event carries the
 * opportunity's terms before and after it (stage, probability, amount, currency, close month,
 * owner). Applying it subtracts the "before" contribution and adds the "after" one: a delta, so no
 * read is needed, and deltas commute. The producer writes each version once, conditionally on the
 * version it read, so the event of version n has as its "before" exactly the "after" of version
 * n − 1: the sum of all deltas telescopes to the latest terms' contribution, in any order. The
 * consumer's marker makes each event count once under redelivery. Out of order, a bucket may
 * show a negative count for the moment between the two deliveries; once both are applied it is
 * exact again. The version travels in every event (`version`) so the chain can be checked.
 */
import { isClosed } from './stages.ts';

/** An opportunity's terms as the forecast sees them (what the events carry). */
export interface ForecastTerms {
  readonly stage: string;
  /** Percent, as configured when the change happened. */
  readonly probability: number;
  readonly amount: number;
  readonly currency: string;
  /** YYYY-MM of the expected close date. */
  readonly closeMonth: string;
  readonly owner: string;
}

/** Attribute names of a counter row. */
export const countAttribute = (stage: string): string => `count#${stage}`;
export const amountAttribute = (stage: string, currency: string): string => `amount#${stage}#${currency}`;
/** Σ amount × probability of the row's open opportunities, in minor units × percent. */
export const weightedAttribute = (currency: string): string => `weighted#${currency}`;

export const COUNT_ATTRIBUTE = /^count#([a-z][a-z0-9_-]*)$/;
export const AMOUNT_ATTRIBUTE = /^amount#([a-z][a-z0-9_-]*)#([A-Z]{3})$/;
export const WEIGHTED_ATTRIBUTE = /^weighted#([A-Z]{3})$/;

/** What one event adds to one counter row: attribute → signed delta (never 0). */
export interface RowDelta {
  readonly month: string;
  readonly owner: string;
  readonly add: Readonly<Record<string, number>>;
}

export const rowId = (month: string, owner: string): string => `${month}|${owner}`;

function contribution(terms: ForecastTerms, sign: 1 | -1): RowDelta {
  const add: Record<string, number> = {
    [countAttribute(terms.stage)]: sign,
    [amountAttribute(terms.stage, terms.currency)]: sign * terms.amount,
  };
  if (!isClosed(terms.stage)) {
    add[weightedAttribute(terms.currency)] = sign * terms.amount * terms.probability;
  }
  return { month: terms.closeMonth, owner: terms.owner, add };
}

/**
 * The counter changes of one event: remove `previous` (absent for a new opportunity), add
 * `current`. Deltas on the same row are merged and zeros dropped; rows left empty are omitted.
 */
export function forecastDeltas(previous: ForecastTerms | undefined, current: ForecastTerms): RowDelta[] {
  const parts = previous
    ? [contribution(previous, -1), contribution(current, 1)]
    : [contribution(current, 1)];
  const rows = new Map<string, { month: string; owner: string; add: Record<string, number> }>();
  for (const part of parts) {
    const id = rowId(part.month, part.owner);
    const row = rows.get(id) ?? { month: part.month, owner: part.owner, add: {} };
    for (const [name, value] of Object.entries(part.add)) row.add[name] = (row.add[name] ?? 0) + value;
    rows.set(id, row);
  }
  const deltas: RowDelta[] = [];
  for (const row of rows.values()) {
    const add = Object.fromEntries(Object.entries(row.add).filter(([, v]) => v !== 0));
    if (Object.keys(add).length > 0) deltas.push({ month: row.month, owner: row.owner, add });
  }
  return deltas;
}

/** A counter row's values (attribute → number), as stored. */
export type CounterValues = Readonly<Record<string, number>>;

/** Per-stage figures of a month (or a range). */
export interface StageFigures {
  count: number;
  amount: Record<string, number>;
}

/** A month's (or a range's) figures, summed from counter rows. */
export interface ForecastFigures {
  stages: Record<string, StageFigures>;
  /** Open opportunities: count and amount per currency. */
  open: StageFigures;
  /** Σ amount × probability / 100 of open opportunities, per currency, rounded to minor units. */
  weightedPipeline: Record<string, number>;
  /** Weighted pipeline plus the won amount (won counts at 100 %), per currency. */
  forecast: Record<string, number>;
  /** Σ amount × probability of open opportunities, unrounded (minor units × percent). */
  weightedExact: Record<string, number>;
}

const addTo = (target: Record<string, number>, key: string, value: number) => {
  target[key] = (target[key] ?? 0) + value;
};

/** Rounds minor units × percent to minor units, half away from zero, in integers. */
export const roundPercent = (value: number): number =>
  value >= 0 ? Math.floor((value + 50) / 100) : -Math.floor((-value + 50) / 100);

/**
 * Sums counter rows into figures. `stageNames` are listed even at zero, in that order; stages found
 * in the rows but no longer configured follow them.
 */
export function figuresOf(rows: readonly CounterValues[], stageNames: readonly string[]): ForecastFigures {
  const stages: Record<string, StageFigures> = {};
  for (const name of stageNames) stages[name] = { count: 0, amount: {} };
  const stage = (name: string): StageFigures => {
    const figures = stages[name] ?? { count: 0, amount: {} };
    stages[name] = figures;
    return figures;
  };
  const weightedExact: Record<string, number> = {};
  for (const row of rows) {
    for (const [attribute, value] of Object.entries(row)) {
      const count = COUNT_ATTRIBUTE.exec(attribute);
      if (count?.[1]) {
        stage(count[1]).count += value;
        continue;
      }
      const amount = AMOUNT_ATTRIBUTE.exec(attribute);
      if (amount?.[1] && amount[2]) {
        addTo(stage(amount[1]).amount, amount[2], value);
        continue;
      }
      const weighted = WEIGHTED_ATTRIBUTE.exec(attribute);
      if (weighted?.[1]) addTo(weightedExact, weighted[1], value);
    }
  }
  const open: StageFigures = { count: 0, amount: {} };
  for (const [name, figures] of Object.entries(stages)) {
    if (isClosed(name)) continue;
    open.count += figures.count;
    for (const [currency, value] of Object.entries(figures.amount)) addTo(open.amount, currency, value);
  }
  const weightedPipeline: Record<string, number> = {};
  for (const [currency, value] of Object.entries(weightedExact))
    weightedPipeline[currency] = roundPercent(value);
  const forecast: Record<string, number> = { ...weightedPipeline };
  for (const [currency, value] of Object.entries(stages.won?.amount ?? {})) addTo(forecast, currency, value);
  return { stages, open, weightedPipeline, forecast, weightedExact };
}

/** Applies deltas to an in-memory copy of the counters (tests, and the reasoning above). */
export function applyDeltas(
  counters: Map<string, Record<string, number>>,
  deltas: readonly RowDelta[],
): void {
  for (const delta of deltas) {
    const id = rowId(delta.month, delta.owner);
    const row = counters.get(id) ?? {};
    for (const [name, value] of Object.entries(delta.add)) row[name] = (row[name] ?? 0) + value;
    counters.set(id, row);
  }
}
