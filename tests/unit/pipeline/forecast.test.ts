/**
 * The weighted forecast as pure arithmetic: a property test drives random opportunities through
 * random changes (stages back and forth, to won and lost, reopened, new amounts, close dates and
 * owners), has the producer's rules decide which changes happen, and delivers the resulting events
 * to the consumer's arithmetic in order, shuffled and redelivered. The counters must always end
 * equal to the figures computed directly from the opportunities' final terms.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventData } from '#events/catalog.ts';
import { applyDeltas, figuresOf, forecastDeltas, roundPercent } from '#functions/pipeline/forecast.ts';
import { isClosed, planChange, STAGES, type Stage } from '#functions/pipeline/stages.ts';
import { AppError } from '#shared/errors.ts';

// The entity module reads TABLE_NAME at load (no I/O happens here).
process.env.TABLE_NAME ??= 'pipeline-forecast-unit-test';
const { forecastTerms, nextVersion } = await import('#functions/pipeline/opportunities.ts');
type Opportunity = Parameters<typeof forecastTerms>[0];

const stageNames = STAGES.map((s) => s.name);
const STAGE = fc.constantFrom(...(stageNames as Stage[]));
const OWNER = fc.constantFrom('ada', 'bob', 'cy');
const DATE = fc.constantFrom('2031-01-15', '2031-01-31', '2031-02-01', '2031-03-10');
const CURRENCY = fc.constantFrom('EUR', 'USD');
const AMOUNT = fc.integer({ min: 0, max: 10_000_000 });

interface Delivered {
  id: string;
  /** Every opportunity as it stood right after this event's change (for in-order checks). */
  after: readonly Opportunity[];
  previous?: EventData<'OpportunityStageChanged'>['previous'];
  current: EventData<'OpportunityStageChanged'>['current'];
}

const OPENING = fc.record({ amount: AMOUNT, currency: CURRENCY, date: DATE, owner: OWNER });
const PATCH = fc.record(
  {
    opportunity: fc.nat(),
    stage: STAGE,
    amount: AMOUNT,
    expectedCloseDate: DATE,
    owner: OWNER,
  },
  { requiredKeys: ['opportunity'] },
);

/** Runs the producer: every accepted change becomes an event with its terms before and after. */
function simulate(
  openings: readonly { amount: number; currency: string; date: string; owner: string }[],
  patches: readonly {
    opportunity: number;
    stage?: Stage;
    amount?: number;
    expectedCloseDate?: string;
    owner?: string;
  }[],
): { final: Opportunity[]; events: Delivered[] } {
  const events: Delivered[] = [];
  let n = 0;
  const final = openings.map((o, i): Opportunity => {
    const opportunity: Opportunity = {
      id: `opp-${i}`,
      name: `Deal ${i}`,
      amount: o.amount,
      currency: o.currency,
      expectedCloseDate: o.date,
      owner: o.owner,
      stage: 'prospecting',
      probability: 10,
      version: 1,
      createdAt: '2031-01-01T00:00:00.000Z',
      updatedAt: '2031-01-01T00:00:00.000Z',
      createdBy: 'ada',
    };
    return opportunity;
  });
  final.forEach((opportunity, i) => {
    events.push({ id: `e${n++}`, current: forecastTerms(opportunity), after: final.slice(0, i + 1) });
  });
  for (const { opportunity: pick, ...patch } of patches) {
    const index = pick % final.length;
    const current = final[index];
    if (!current) continue;
    let plan: ReturnType<typeof planChange>;
    try {
      plan = planChange(current, patch);
    } catch (error) {
      // The pipeline refused it (won is final, lost must reopen): no version, no event.
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('INVALID_STATE');
      continue;
    }
    if (!plan) continue;
    const next = nextVersion(current, plan.next, '2031-01-02T00:00:00.000Z');
    final[index] = next;
    events.push({
      id: `e${n++}`,
      previous: forecastTerms(current),
      current: forecastTerms(next),
      after: [...final],
    });
  }
  return { final, events };
}

/** The report computed directly from the opportunities, per month (one owner, or everyone). */
function expected(final: readonly Opportunity[], month: string, owner?: string) {
  const mine = final.filter(
    (o) => o.expectedCloseDate.startsWith(month) && (owner === undefined || o.owner === owner),
  );
  const weightedExact: Record<string, number> = {};
  const won: Record<string, number> = {};
  const stages: Record<string, { count: number; amount: Record<string, number> }> = {};
  for (const name of stageNames) stages[name] = { count: 0, amount: {} };
  for (const o of mine) {
    const stage = stages[o.stage] ?? { count: 0, amount: {} };
    stage.count += 1;
    stage.amount[o.currency] = (stage.amount[o.currency] ?? 0) + o.amount;
    if (!isClosed(o.stage)) {
      weightedExact[o.currency] = (weightedExact[o.currency] ?? 0) + o.amount * o.probability;
    }
    if (o.stage === 'won') won[o.currency] = (won[o.currency] ?? 0) + o.amount;
  }
  const forecast: Record<string, number> = {};
  for (const [currency, value] of Object.entries(weightedExact)) forecast[currency] = roundPercent(value);
  for (const [currency, value] of Object.entries(won)) forecast[currency] = (forecast[currency] ?? 0) + value;
  return { stages, weightedExact, forecast };
}

/** The consumer: applies each event id once (the marker), in the order delivered. */
function consume(deliveries: readonly Delivered[]) {
  const counters = new Map<string, Record<string, number>>();
  const applied = new Set<string>();
  for (const event of deliveries) {
    if (applied.has(event.id)) continue;
    applied.add(event.id);
    applyDeltas(counters, forecastDeltas(event.previous, event.current));
  }
  return counters;
}

function reportOf(counters: Map<string, Record<string, number>>, month: string, owner?: string) {
  const rows = [...counters.entries()]
    .filter(([id]) => id.startsWith(`${month}|`) && (owner === undefined || id === `${month}|${owner}`))
    .map(([, values]) => values);
  return figuresOf(rows, stageNames);
}

/** Drops zero amounts, which a counter keeps once a currency was ever added. */
const nonZero = (money: Record<string, number>) =>
  Object.fromEntries(Object.entries(money).filter(([, v]) => v !== 0));

function expectExact(counters: Map<string, Record<string, number>>, final: readonly Opportunity[]) {
  for (const month of ['2031-01', '2031-02', '2031-03']) {
    for (const owner of [undefined, 'ada', 'bob', 'cy']) {
      const want = expected(final, month, owner);
      const got = reportOf(counters, month, owner);
      expect(nonZero(got.weightedExact)).toEqual(nonZero(want.weightedExact));
      expect(nonZero(got.forecast)).toEqual(nonZero(want.forecast));
      for (const name of stageNames) {
        expect(got.stages[name]?.count).toBe(want.stages[name]?.count);
        expect(nonZero(got.stages[name]?.amount ?? {})).toEqual(nonZero(want.stages[name]?.amount ?? {}));
      }
    }
  }
}

describe('Forecast: weighted pipeline from change events (property)', () => {
  it('equals Σ amount × probability over open opportunities (+ won at 100 %) after every in-order event', () => {
    fc.assert(
      fc.property(
        fc.array(OPENING, { minLength: 1, maxLength: 5 }),
        fc.array(PATCH, { maxLength: 40 }),
        (openings, patches) => {
          const { final, events } = simulate(openings, patches);
          const counters = new Map<string, Record<string, number>>();
          for (const event of events) {
            applyDeltas(counters, forecastDeltas(event.previous, event.current));
            expectExact(counters, event.after);
          }
          expectExact(counters, final);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('ends exact whatever the delivery order and however often events are redelivered', () => {
    fc.assert(
      fc.property(
        fc.array(OPENING, { minLength: 1, maxLength: 4 }),
        fc.array(PATCH, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        (openings, patches, redeliveries, noise) => {
          const { final, events } = simulate(openings, patches);
          // Every change reached its event; closed stages and reopening were exercised by the rules.
          expect(events.length).toBeGreaterThanOrEqual(openings.length);
          const deliveries = [...events, ...redeliveries.map((i) => events[i % events.length] as Delivered)];
          // A random permutation of every delivery, duplicates included.
          const order = deliveries.map((event) => ({ event, key: noise.next().value as number }));
          order.sort((a, b) => a.key - b.key);
          expectExact(consume(order.map((o) => o.event)), final);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts an event delivered twice once, and moves amounts between months and owners', () => {
    const previous = {
      stage: 'proposal',
      probability: 50,
      amount: 1000,
      currency: 'EUR',
      expectedCloseDate: '2031-01-31',
      closeMonth: '2031-01',
      owner: 'ada',
    };
    const current = { ...previous, expectedCloseDate: '2031-02-01', closeMonth: '2031-02', owner: 'bob' };
    const deltas = forecastDeltas(previous, current);
    expect(deltas).toEqual([
      {
        month: '2031-01',
        owner: 'ada',
        add: { 'count#proposal': -1, 'amount#proposal#EUR': -1000, 'weighted#EUR': -50_000 },
      },
      {
        month: '2031-02',
        owner: 'bob',
        add: { 'count#proposal': 1, 'amount#proposal#EUR': 1000, 'weighted#EUR': 50_000 },
      },
    ]);
    // Same row: only what changes is written; nothing at all when nothing changes.
    expect(forecastDeltas(previous, { ...previous, stage: 'won', probability: 100 })).toEqual([
      {
        month: '2031-01',
        owner: 'ada',
        add: {
          'count#proposal': -1,
          'amount#proposal#EUR': -1000,
          'weighted#EUR': -50_000,
          'count#won': 1,
          'amount#won#EUR': 1000,
        },
      },
    ]);
    expect(forecastDeltas(previous, previous)).toEqual([]);
  });

  it('rounds the weighted amount once, half away from zero, and adds won at 100 %', () => {
    expect(roundPercent(1049)).toBe(10);
    expect(roundPercent(1050)).toBe(11);
    expect(roundPercent(-1050)).toBe(-11);
    const figures = figuresOf(
      [
        {
          'count#proposal': 1,
          'amount#proposal#EUR': 999,
          'weighted#EUR': 49_950,
          'count#won': 1,
          'amount#won#EUR': 500,
        },
        { 'count#lost': 2, 'amount#lost#USD': 700, 'count#retired': 1, 'amount#retired#EUR': 3 },
      ],
      stageNames,
    );
    expect(figures.weightedPipeline).toEqual({ EUR: 500 });
    expect(figures.forecast).toEqual({ EUR: 1000 });
    expect(figures.open).toEqual({ count: 2, amount: { EUR: 1002 } });
    // A stage no longer configured still shows, after the configured ones.
    expect(Object.keys(figures.stages)).toEqual([...stageNames, 'retired']);
  });
});
