/**
 * Customer insights, the pure part: histogram buckets, RFM scores computed from a joint histogram,
 * the named RFM segments and the cohort table. No I/O: `customer-insights.ts` keeps the counters
 * these functions read.
 *
 * **Buckets.** Every customer with live orders in a currency sits in one cell of a joint histogram
 * keyed by (last-order month, frequency bucket, monetary bucket):
 * - recency: the UTC calendar month of the last order (`YYYY-MM`). It is bucketed by the date, not
 *   by "days since", because a date does not change with time alone: nothing has to move a
 *   customer when a day passes, and ordering customers by last-order month is ordering them by
 *   recency at any moment;
 * - frequency: live orders, exact from 1 to {@link EXACT_UP_TO}, then 4 buckets per doubling
 *   (each at most 2^¼ ≈ 19 % wide);
 * - monetary: spend in minor units net of cancellations and returns, 0 or less in bucket 0,
 *   exact from 1 to {@link EXACT_UP_TO}, then 4 buckets per doubling (≤ 19 % wide).
 *
 * **Scores.** Per dimension, the marginal histogram (summed from the cells) orders the buckets from
 * worst to best (older month, fewer orders, less spend first). A bucket holding `c` customers after
 * `below` customers in worse buckets has ranks `below + 1 … below + c`; all its customers get the
 * quintile of the bucket's mid-rank, `ceil(5 · (below + c / 2) / N)` (clamped to 1…5), the usual
 * treatment of ties. Distinct values in buckets of their own therefore score their exact quintile;
 * customers sharing a bucket are treated as tied.
 *
 * **Approximation bound.** A customer's score can differ from the one its exact value would give
 * only when a quintile boundary falls inside its bucket's rank range, and then only by the tie rule:
 * customers it is tied with differ from it by less than one bucket's width (one calendar month; one
 * order up to 16 orders, then < 19 %; one minor unit up to 16, then < 19 % of the spend). The counts
 * themselves are exact: every customer is in exactly one cell, so cell counts sum to the customers.
 */

/** Values up to this are buckets of their own (frequency and monetary). */
export const EXACT_UP_TO = 16;
/** Buckets per doubling above {@link EXACT_UP_TO}: each spans a factor of at most 2^(1/4). */
export const BUCKETS_PER_OCTAVE = 4;
/** The largest bucket index (values up to Number.MAX_SAFE_INTEGER): three digits in a sort key. */
export const MAX_BUCKET = EXACT_UP_TO + BUCKETS_PER_OCTAVE * 50;

/** The histogram bucket of a count or an amount: 0 for ≤ 0, exact to 16, then log-scaled. */
export function bucketOf(value: number): number {
  if (value <= 0) return 0;
  if (value <= EXACT_UP_TO) return value;
  return EXACT_UP_TO + 1 + Math.floor(BUCKETS_PER_OCTAVE * Math.log2(value / EXACT_UP_TO));
}

/** The smallest positive integer in `bucket` or above (binary search over `bucketOf` itself). */
function lowestIn(bucket: number): number {
  let lo = 1;
  let hi = Number.MAX_SAFE_INTEGER;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (bucketOf(mid) >= bucket) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The integers a bucket covers, both ends included; bucket 0 is "0 or less" (`min` null). Derived
 * from {@link bucketOf} itself, so the bounds can never disagree with where a value is put.
 */
export function bucketRange(bucket: number): { min: number | null; max: number } {
  if (bucket <= 0) return { min: null, max: 0 };
  if (bucket <= EXACT_UP_TO) return { min: bucket, max: bucket };
  return { min: lowestIn(bucket), max: lowestIn(bucket + 1) - 1 };
}

export type Score = 1 | 2 | 3 | 4 | 5;

/**
 * The score of every bucket of a marginal histogram: the quintile of the bucket's mid-rank.
 * `buckets` are ordered from worst to best; empty buckets are skipped.
 */
export function quintileScores<K>(buckets: readonly (readonly [K, number])[]): Map<K, Score> {
  const total = buckets.reduce((n, [, c]) => n + Math.max(0, c), 0);
  const scores = new Map<K, Score>();
  let below = 0;
  for (const [key, count] of buckets) {
    if (count <= 0) continue;
    const raw = Math.ceil((5 * (below + count / 2)) / total);
    scores.set(key, Math.min(5, Math.max(1, raw)) as Score);
    below += count;
  }
  return scores;
}

/** The named RFM segments, in the order reports list them. */
export const RFM_SEGMENTS = [
  'champions',
  'loyal_customers',
  'potential_loyalists',
  'new_customers',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cannot_lose_them',
  'hibernating',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/** The combined frequency–monetary score: the mean of F and M, halves rounded up. */
export const fmScore = (f: Score, m: Score): Score => Math.ceil((f + m) / 2) as Score;

/**
 * The named segment of an RFM score, on the usual recency × frequency grid with F replaced by the
 * combined FM score (so spend counts):
 *
 * | R \ FM | 1 | 2 | 3 | 4 | 5 |
 * |---|---|---|---|---|---|
 * | 5 | new_customers | potential_loyalists | potential_loyalists | champions | champions |
 * | 4 | promising | potential_loyalists | potential_loyalists | loyal_customers | loyal_customers |
 * | 3 | about_to_sleep | about_to_sleep | need_attention | loyal_customers | loyal_customers |
 * | 1–2 | hibernating | hibernating | at_risk | at_risk | cannot_lose_them |
 */
export function segmentOf(r: Score, f: Score, m: Score): RfmSegment {
  const fm = fmScore(f, m);
  if (r === 5) return fm === 1 ? 'new_customers' : fm <= 3 ? 'potential_loyalists' : 'champions';
  if (r === 4) return fm === 1 ? 'promising' : fm <= 3 ? 'potential_loyalists' : 'loyal_customers';
  if (r === 3) return fm <= 2 ? 'about_to_sleep' : fm === 3 ? 'need_attention' : 'loyal_customers';
  return fm <= 2 ? 'hibernating' : fm <= 4 ? 'at_risk' : 'cannot_lose_them';
}

/** One cell of the joint histogram: customers by last-order month and frequency/monetary buckets. */
export interface HistogramCell {
  readonly month: string;
  readonly frequency: number;
  readonly monetary: number;
  readonly customers: number;
}

export interface ScoreRange {
  readonly score: Score;
  readonly customers: number;
}
export interface RecencyRange extends ScoreRange {
  /** Last-order months covered by this score, both included (`YYYY-MM`). */
  readonly lastOrderFrom: string;
  readonly lastOrderTo: string;
}
export interface ValueRange extends ScoreRange {
  /** Values covered by this score's buckets, both included; `min` null means "0 or less". */
  readonly min: number | null;
  readonly max: number;
}
export interface RfmCellCount {
  readonly recency: Score;
  readonly frequency: Score;
  readonly monetary: Score;
  readonly segment: RfmSegment;
  readonly customers: number;
}
export interface RfmReport {
  readonly customers: number;
  readonly scores: {
    readonly recency: RecencyRange[];
    readonly frequency: ValueRange[];
    readonly monetary: ValueRange[];
  };
  /** Non-empty RFM cells, best first (R, then F, then M descending). */
  readonly cells: RfmCellCount[];
  /** Customers per named segment, every segment listed. */
  readonly segments: Record<RfmSegment, number>;
}

function marginal<K>(cells: readonly HistogramCell[], keyOf: (c: HistogramCell) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const cell of cells) counts.set(keyOf(cell), (counts.get(keyOf(cell)) ?? 0) + cell.customers);
  return counts;
}

/** Buckets grouped by score, with the first and last bucket of each (buckets sorted worst first). */
function ranges<K>(
  sorted: readonly (readonly [K, number])[],
  scores: ReadonlyMap<K, Score>,
): { score: Score; first: K; last: K; customers: number }[] {
  const out: { score: Score; first: K; last: K; customers: number }[] = [];
  for (const [key, count] of sorted) {
    const score = scores.get(key);
    if (score === undefined) continue;
    const current = out.at(-1);
    if (current?.score === score) {
      current.last = key;
      current.customers += count;
    } else out.push({ score, first: key, last: key, customers: count });
  }
  return out;
}

/**
 * The RFM report of a joint histogram: quintile scores per dimension from its marginals, every
 * cell mapped to its (R, F, M) scores and segment. Cells with no customers are ignored.
 */
export function rfmReport(histogram: readonly HistogramCell[]): RfmReport {
  const cells = histogram.filter((c) => c.customers > 0);
  const byMonth = [...marginal(cells, (c) => c.month)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const byFrequency = [...marginal(cells, (c) => c.frequency)].sort(([a], [b]) => a - b);
  const byMonetary = [...marginal(cells, (c) => c.monetary)].sort(([a], [b]) => a - b);
  const r = quintileScores(byMonth);
  const f = quintileScores(byFrequency);
  const m = quintileScores(byMonetary);

  const counts = new Map<string, RfmCellCount>();
  const segments = Object.fromEntries(RFM_SEGMENTS.map((s) => [s, 0])) as Record<RfmSegment, number>;
  let customers = 0;
  for (const cell of cells) {
    const scores = [r.get(cell.month), f.get(cell.frequency), m.get(cell.monetary)] as const;
    const [rs, fs, ms] = scores;
    if (rs === undefined || fs === undefined || ms === undefined) continue; // every key is scored
    const key = `${rs}${fs}${ms}`;
    const segment = segmentOf(rs, fs, ms);
    const previous = counts.get(key);
    counts.set(key, {
      recency: rs,
      frequency: fs,
      monetary: ms,
      segment,
      customers: (previous?.customers ?? 0) + cell.customers,
    });
    segments[segment] += cell.customers;
    customers += cell.customers;
  }
  const valueRanges = (sorted: readonly (readonly [number, number])[], scores: ReadonlyMap<number, Score>) =>
    ranges(sorted, scores).map(({ score, first, last, customers: n }) => ({
      score,
      customers: n,
      min: bucketRange(first).min,
      max: bucketRange(last).max,
    }));
  return {
    customers,
    scores: {
      recency: ranges(byMonth, r).map(({ score, first, last, customers: n }) => ({
        score,
        customers: n,
        lastOrderFrom: first,
        lastOrderTo: last,
      })),
      frequency: valueRanges(byFrequency, f),
      monetary: valueRanges(byMonetary, m),
    },
    cells: [...counts.values()].sort(
      (a, b) => b.recency - a.recency || b.frequency - a.frequency || b.monetary - a.monetary,
    ),
    segments,
  };
}

/** The UTC month (`YYYY-MM`) of an ISO timestamp or date. */
export const monthOf = (timestamp: string): string => new Date(timestamp).toISOString().slice(0, 7);

/** `month` plus `n` months (`n` may be negative). */
export function addMonths(month: string, n: number): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (mon - 1) + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Whole months from `from` to `to` (0 when equal). */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm);
}

/** One cohort × activity-month counter. */
export interface CohortCounter {
  readonly cohort: string;
  readonly month: string;
  readonly customers: number;
}

export interface CohortRow {
  /** The first-order month of the cohort's customers. */
  readonly cohort: string;
  /** Customers whose first order was in that month (equals `retained[0]`). */
  readonly customers: number;
  /** `retained[i]`: the cohort's customers who ordered in month `cohort + i`, up to `to`. */
  readonly retained: number[];
}

/**
 * The cohort table for the cohorts `from` … `to` (months, both included), every month listed,
 * empty cohorts included; counters outside the range are ignored, shards are summed.
 */
export function cohortTable(counters: readonly CohortCounter[], from: string, to: string): CohortRow[] {
  const span = monthsBetween(from, to);
  const rows = Array.from({ length: span + 1 }, (_, i) => {
    const cohort = addMonths(from, i);
    return { cohort, customers: 0, retained: Array.from({ length: span - i + 1 }, () => 0) };
  });
  for (const { cohort, month, customers } of counters) {
    const row = rows[monthsBetween(from, cohort)];
    const offset = monthsBetween(cohort, month);
    if (!row || row.cohort !== cohort || offset < 0 || offset >= row.retained.length) continue;
    row.retained[offset] = (row.retained[offset] ?? 0) + customers;
  }
  for (const row of rows) row.customers = row.retained[0] ?? 0;
  return rows;
}
