/**
 * Customer insights, pure parts: histogram buckets, quintiles from histograms, the RFM segment
 * mapping, the cohort table, and (property-based) that incremental cell moves keep the counts per
 * cell summing to the customers with a live order.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  addMonths,
  bucketOf,
  bucketRange,
  cohortTable,
  type HistogramCell,
  monthsBetween,
  quintileScores,
  RFM_SEGMENTS,
  rfmReport,
  type Score,
  segmentOf,
} from '#functions/reports/insights.ts';
import { CustomerReportQuery } from '#functions/reports/insights-contract.ts';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'unit-table';
});
const { cellOf, shardOf } = await import('#functions/reports/customer-insights.ts');

describe('Module: reports/insights buckets', () => {
  it('keeps 1 to 16 exact, ≤ 0 in bucket 0, and log-scales above', () => {
    expect([0, -5, 1, 2, 16].map(bucketOf)).toEqual([0, 0, 1, 2, 16]);
    expect(bucketOf(17)).toBe(17);
    expect(bucketRange(17)).toEqual({ min: 17, max: 19 });
    expect(bucketRange(0)).toEqual({ min: null, max: 0 });
    expect(bucketOf(Number.MAX_SAFE_INTEGER)).toBeLessThan(1000);
  });

  it('puts every value inside its bucket’s range, each range at most 2^(1/4) wide above 16', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 2 ** 40 }), (value) => {
        const { min, max } = bucketRange(bucketOf(value));
        expect(value).toBeLessThanOrEqual(max);
        if (min === null) expect(value).toBeLessThanOrEqual(0);
        else {
          expect(value).toBeGreaterThanOrEqual(min);
          if (min > 16) expect(max / min).toBeLessThanOrEqual(2 ** 0.25);
        }
      }),
    );
  });

  it('is monotone: a larger value never lands in a lower bucket', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 45 }), (a, b) => {
        if (a <= b) expect(bucketOf(a)).toBeLessThanOrEqual(bucketOf(b));
      }),
    );
  });
});

describe('Module: reports/insights quintiles from histograms', () => {
  it('gives distinct values their exact quintile (10 customers: two per score)', () => {
    const buckets = Array.from({ length: 10 }, (_, i) => [i, 1] as const);
    expect([...quintileScores(buckets).values()]).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('gives tied customers the quintile of their mid-rank', () => {
    // 6 one-time buyers of 10: ranks 1–6, mid-rank 3 → ⌈5·3/10⌉ = 2; the rest distinct.
    const scores = quintileScores([
      [1, 6],
      [2, 1],
      [3, 1],
      [5, 1],
      [9, 1],
    ]);
    expect(Object.fromEntries(scores)).toEqual({ 1: 2, 2: 4, 3: 4, 5: 5, 9: 5 });
    // Everybody tied: the middle quintile.
    expect(quintileScores([['2026-03', 4]]).get('2026-03')).toBe(3);
  });

  it('skips empty buckets and never scores outside 1–5', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 40 }), (counts) => {
        const scores = quintileScores(counts.map((c, i) => [i, c] as const));
        for (const [i, c] of counts.entries()) {
          const score = scores.get(i);
          if (c === 0) expect(score).toBeUndefined();
          else expect(score).toBeGreaterThanOrEqual(1);
          if (score !== undefined) expect(score).toBeLessThanOrEqual(5);
        }
        // Non-decreasing from worst to best bucket.
        const ordered = [...scores.values()];
        expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
      }),
    );
  });
});

describe('Module: reports/insights RFM segments', () => {
  const all: Score[] = [1, 2, 3, 4, 5];

  it('names every (R, F, M) cell with one of the documented segments', () => {
    for (const r of all)
      for (const f of all) for (const m of all) expect(RFM_SEGMENTS).toContain(segmentOf(r, f, m));
    const named = new Set(all.flatMap((r) => all.flatMap((f) => all.map((m) => segmentOf(r, f, m)))));
    expect(named).toEqual(new Set(RFM_SEGMENTS));
  });

  it.each([
    [5, 5, 5, 'champions'],
    [5, 1, 1, 'new_customers'],
    [5, 3, 2, 'potential_loyalists'],
    [4, 1, 1, 'promising'],
    [4, 5, 4, 'loyal_customers'],
    [3, 5, 5, 'loyal_customers'],
    [3, 3, 3, 'need_attention'],
    [3, 1, 3, 'about_to_sleep'],
    [2, 4, 3, 'at_risk'],
    [1, 5, 5, 'cannot_lose_them'],
    [1, 1, 2, 'hibernating'],
  ] as const)('R%i F%i M%i is %s', (r, f, m, name) => {
    expect(segmentOf(r, f, m)).toBe(name);
  });
});

const customer = fc.record({
  month: fc.integer({ min: 0, max: 30 }).map((i) => addMonths('2024-01', i)),
  orders: fc.integer({ min: 1, max: 200 }),
  spend: fc.integer({ min: -500, max: 10_000_000 }),
});

function histogramOf(
  customers: readonly { month: string; orders: number; spend: number }[],
): HistogramCell[] {
  const cells = new Map<string, HistogramCell>();
  for (const c of customers) {
    const cell = { month: c.month, frequency: bucketOf(c.orders), monetary: bucketOf(c.spend) };
    const key = `${cell.month}#${cell.frequency}#${cell.monetary}`;
    cells.set(key, { ...cell, customers: (cells.get(key)?.customers ?? 0) + 1 });
  }
  return [...cells.values()];
}

describe('Module: reports/insights rfmReport', () => {
  it('counts every customer exactly once: cells, segments and each score dimension sum to N', () => {
    fc.assert(
      fc.property(fc.array(customer, { maxLength: 300 }), (customers) => {
        const report = rfmReport(histogramOf(customers));
        const sum = (xs: readonly { customers: number }[]) => xs.reduce((n, x) => n + x.customers, 0);
        expect(report.customers).toBe(customers.length);
        expect(sum(report.cells)).toBe(customers.length);
        expect(Object.values(report.segments).reduce((a, b) => a + b, 0)).toBe(customers.length);
        expect(sum(report.scores.recency)).toBe(customers.length);
        expect(sum(report.scores.frequency)).toBe(customers.length);
        expect(sum(report.scores.monetary)).toBe(customers.length);
      }),
    );
  });

  it('scores more recent, more frequent, bigger spenders at least as high', () => {
    fc.assert(
      fc.property(fc.array(customer, { minLength: 2, maxLength: 100 }), (customers) => {
        const report = rfmReport(histogramOf(customers));
        const scoreOf = (c: (typeof customers)[number]) => ({
          r: report.scores.recency.find((s) => c.month >= s.lastOrderFrom && c.month <= s.lastOrderTo)?.score,
          f: report.scores.frequency.find((s) => c.orders <= s.max && (s.min === null || c.orders >= s.min))
            ?.score,
          m: report.scores.monetary.find((s) => c.spend <= s.max && (s.min === null || c.spend >= s.min))
            ?.score,
        });
        const [a, b] = customers as [(typeof customers)[number], (typeof customers)[number]];
        const [sa, sb] = [scoreOf(a), scoreOf(b)];
        for (const s of [sa, sb]) for (const v of Object.values(s)) expect(v).toBeDefined();
        if (a.month >= b.month) expect(sa.r).toBeGreaterThanOrEqual(sb.r ?? 0);
        if (a.orders >= b.orders) expect(sa.f).toBeGreaterThanOrEqual(sb.f ?? 0);
        if (a.spend >= b.spend) expect(sa.m).toBeGreaterThanOrEqual(sb.m ?? 0);
      }),
    );
  });

  it('reports known customers in their expected cells and ranges', () => {
    const report = rfmReport([
      { month: '2026-03', frequency: 3, monetary: bucketOf(30_000), customers: 1 },
      { month: '2026-03', frequency: 1, monetary: bucketOf(1_000), customers: 1 },
      { month: '2025-12', frequency: 2, monetary: bucketOf(5_000), customers: 1 },
      { month: '2025-06', frequency: 1, monetary: bucketOf(500), customers: 1 },
      { month: '2024-01', frequency: 5, monetary: bucketOf(90_000), customers: 1 },
    ]);
    expect(report.customers).toBe(5);
    // Two customers tie on 2026-03 (ranks 4–5, mid-rank 4.5 → ⌈5·4/5⌉ = 4); two on one order (F1).
    expect(report.scores.recency.map((s) => [s.score, s.lastOrderFrom, s.customers])).toEqual([
      [1, '2024-01', 1],
      [2, '2025-06', 1],
      [3, '2025-12', 1],
      [4, '2026-03', 2],
    ]);
    expect(report.scores.frequency.map((s) => [s.score, s.min, s.max])).toEqual([
      [1, 1, 1],
      [3, 2, 2],
      [4, 3, 3],
      [5, 5, 5],
    ]);
    expect(report.cells).toEqual([
      { recency: 4, frequency: 4, monetary: 4, segment: 'loyal_customers', customers: 1 },
      { recency: 4, frequency: 1, monetary: 2, segment: 'potential_loyalists', customers: 1 },
      { recency: 3, frequency: 3, monetary: 3, segment: 'need_attention', customers: 1 },
      { recency: 2, frequency: 1, monetary: 1, segment: 'hibernating', customers: 1 },
      { recency: 1, frequency: 5, monetary: 5, segment: 'cannot_lose_them', customers: 1 },
    ]);
  });
});

type Op = {
  kind: 'place' | 'cancel' | 'return';
  customer: number;
  order: number;
  month: number;
  amount: number;
};

describe('Property: incremental cell moves (decrement old, increment new)', () => {
  it('keep the counts per cell equal to the customers with a live order, after any sequence', () => {
    const op: fc.Arbitrary<Op> = fc.record({
      kind: fc.constantFrom('place', 'place', 'cancel', 'return'),
      customer: fc.integer({ min: 0, max: 7 }),
      order: fc.integer({ min: 0, max: 20 }),
      month: fc.integer({ min: 0, max: 14 }),
      amount: fc.integer({ min: 0, max: 100_000 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        // The consumer's model: per-customer state and live orders; counters moved per event.
        const states = new Map<number, { orders: number; spend: number; lastOrderAt?: string }>();
        const live = new Map<string, { customer: number; at: string; total: number }>();
        const cancelled = new Set<string>();
        const counters = new Map<string, number>();
        const keyOf = (s: { orders: number; spend: number; lastOrderAt?: string }) => {
          const cell = cellOf(s);
          return cell && `${cell.month}#${cell.frequency}#${cell.monetary}`;
        };
        for (const o of ops) {
          const id = `${o.customer}-${o.order}`;
          const before = states.get(o.customer) ?? { orders: 0, spend: 0 };
          let after = before;
          const at = `${addMonths('2025-01', o.month)}-15T10:00:00.000Z`;
          if (o.kind === 'place' && !live.has(id) && !cancelled.has(id)) {
            live.set(id, { customer: o.customer, at, total: o.amount });
            after = {
              orders: before.orders + 1,
              spend: before.spend + o.amount,
              lastOrderAt: before.lastOrderAt && before.lastOrderAt > at ? before.lastOrderAt : at,
            };
          } else if (o.kind === 'cancel' && live.has(id)) {
            const order = live.get(id);
            live.delete(id);
            cancelled.add(id);
            const rest = [...live.values()].filter((l) => l.customer === o.customer).map((l) => l.at);
            const last = rest.sort().at(-1);
            after = {
              orders: before.orders - 1,
              spend: before.spend - (order?.total ?? 0),
              ...(last ? { lastOrderAt: last } : {}),
            };
          } else if (o.kind === 'return') {
            after = { ...before, spend: before.spend - o.amount };
          }
          const [from, to] = [keyOf(before), keyOf(after)];
          if (from !== to) {
            if (from) counters.set(from, (counters.get(from) ?? 0) - 1);
            if (to) counters.set(to, (counters.get(to) ?? 0) + 1);
          }
          states.set(o.customer, after);
        }
        const withOrders = [...states.values()].filter((s) => s.orders > 0).length;
        expect([...counters.values()].every((n) => n >= 0)).toBe(true);
        const cells: HistogramCell[] = [...counters].map(([key, customers]) => {
          const [month = '', f, m] = key.split('#');
          return { month, frequency: Number(f), monetary: Number(m), customers };
        });
        expect(rfmReport(cells).customers).toBe(withOrders);
        expect(rfmReport(cells).cells.reduce((n, c) => n + c.customers, 0)).toBe(withOrders);
        // And each customer's own cell holds at least that customer.
        for (const s of states.values()) {
          const key = keyOf(s);
          if (key) expect(counters.get(key)).toBeGreaterThanOrEqual(1);
        }
      }),
    );
  });
});

describe('Module: reports/insights cohorts', () => {
  it('lists every cohort month of the range with its retention row, shards summed', () => {
    const table = cohortTable(
      [
        { cohort: '2026-01', month: '2026-01', customers: 2 },
        { cohort: '2026-01', month: '2026-01', customers: 1 },
        { cohort: '2026-01', month: '2026-03', customers: 1 },
        { cohort: '2026-03', month: '2026-03', customers: 4 },
        { cohort: '2025-11', month: '2026-01', customers: 9 }, // before the range: ignored
      ],
      '2026-01',
      '2026-03',
    );
    expect(table).toEqual([
      { cohort: '2026-01', customers: 3, retained: [3, 0, 1] },
      { cohort: '2026-02', customers: 0, retained: [0, 0] },
      { cohort: '2026-03', customers: 4, retained: [4] },
    ]);
  });

  it('does month arithmetic across year ends', () => {
    expect(addMonths('2025-11', 3)).toBe('2026-02');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(monthsBetween('2025-11', '2026-02')).toBe(3);
  });
});

describe('Module: reports/customer-insights shards', () => {
  it('puts one customer in one stable shard within range', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (id) => {
        const shard = shardOf(id, 4);
        expect(shard).toBe(shardOf(id, 4));
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(4);
      }),
    );
  });
});

describe('Contract: GET /reports/customers query', () => {
  it('needs a known currency; months 1–36, 12 when absent', () => {
    expect(CustomerReportQuery.parse({ currency: 'EUR' })).toEqual({ currency: 'EUR', months: 12 });
    expect(CustomerReportQuery.parse({ currency: 'EUR', months: '36' })).toEqual({
      currency: 'EUR',
      months: 36,
    });
  });

  it.each([
    ['no currency', {}],
    ['an unknown currency', { currency: 'XXQ' }],
    ['months 0', { currency: 'EUR', months: '0' }],
    ['months 37', { currency: 'EUR', months: '37' }],
    ['months 1e1', { currency: 'EUR', months: '1e1' }],
  ])('refuses %s', (_what, query) => {
    expect(CustomerReportQuery.safeParse(query).success).toBe(false);
  });
});
