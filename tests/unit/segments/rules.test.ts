/**
 * The segments context's pure rules: the rule language (validation), facts from order
 * contributions, consent and loyalty, judging, and the review day that time alone can change a
 * judgement on. Property tests check the algebra: a rule and its negation partition customers,
 * contributions net out whatever order they arrive in, and a judgement cannot change before the
 * review day the index keeps the customer under.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  applyConsent,
  applyContribution,
  applyLoyalty,
  type Condition,
  type CustomerFacts,
  clausesOf,
  conditionHolds,
  effectOf,
  emptyContribution,
  emptyFacts,
  judge,
  MAX_WINDOW_DAYS,
  nextReviewDay,
  type OrderContribution,
  Rule,
  ruleHolds,
  spendInLastDays,
} from '#functions/segments/rules.ts';

const TODAY = '2026-06-15';
const at = (day: string, time = '12:00:00.000') => `${day}T${time}Z`;

/** One order's contribution placed on `day` for `amount` EUR minor units. */
const placedOrder = (orderId: string, day: string, amount: number, country = 'DE'): OrderContribution => ({
  ...emptyContribution(orderId, 'c-1'),
  placed: { at: at(day), currency: 'EUR', amount, country },
});

function withOrders(orders: readonly OrderContribution[], today = TODAY): CustomerFacts {
  return orders.reduce(
    (facts, o) => applyContribution(facts, emptyContribution(o.orderId, 'c-1'), o, today),
    emptyFacts('c-1', at(today)),
  );
}

describe('Rules: the rule language', () => {
  it('accepts "spent over 500 EUR in the last 365 days and consented to email", and alternatives', () => {
    expect(
      Rule.safeParse({
        all: [
          { fact: 'spendInLastDays', days: 365, currency: 'EUR', gte: 50001 },
          { fact: 'consent', channel: 'email' },
        ],
      }).success,
    ).toBe(true);
    expect(
      Rule.safeParse({
        any: [
          { all: [{ fact: 'country', in: ['DE', 'AT'] }] },
          {
            all: [
              { fact: 'loyaltyBalance', gte: 1000 },
              { fact: 'orderCount', gte: 3, not: true },
            ],
          },
        ],
      }).success,
    ).toBe(true);
  });

  it.each([
    ['a spend without bounds', { all: [{ fact: 'lifetimeSpend', currency: 'EUR' }] }],
    ['lte below gte', { all: [{ fact: 'orderCount', gte: 5, lte: 2 }] }],
    ['a window longer than kept', { all: [{ fact: 'lastOrderWithinDays', days: MAX_WINDOW_DAYS + 1 }] }],
    ['an unknown fact', { all: [{ fact: 'age', gte: 18 }] }],
    ['an unknown field', { all: [{ fact: 'orderCount', gte: 1, foo: 1 }] }],
    ['an unknown currency', { all: [{ fact: 'lifetimeSpend', currency: 'XXY', gte: 1 }] }],
    ['a lower-case country', { all: [{ fact: 'country', in: ['de'] }] }],
    ['no conditions', { all: [] }],
    ['both all and any', { all: [{ fact: 'orderCount', gte: 1 }], any: [] }],
  ])('refuses %s', (_what, rule) => {
    expect(Rule.safeParse(rule).success).toBe(false);
  });
});

describe('Rules: facts from orders', () => {
  it('counts a window exact to the day: today and the days before it, `days` in all', () => {
    const placedOn = '2025-06-16';
    const facts = withOrders([placedOrder('o-1', placedOn, 60_000)], placedOn);
    expect(spendInLastDays(facts, 'EUR', 365, addDays(placedOn, 364))).toBe(60_000);
    expect(spendInLastDays(facts, 'EUR', 365, addDays(placedOn, 365))).toBe(0);
    expect(spendInLastDays(facts, 'EUR', 1, placedOn)).toBe(60_000);
    expect(spendInLastDays(facts, 'USD', 365, placedOn)).toBe(0);
  });

  it('takes a cancellation and a return back from the order’s own placement day', () => {
    const placed = placedOrder('o-1', '2026-06-01', 40_000);
    let facts = withOrders([placed, placedOrder('o-2', '2026-06-10', 15_000)]);
    expect(facts).toMatchObject({ orderCount: 2, spend: { EUR: { lifetime: 55_000 } } });

    const returned = { ...placed, returned: 10_000 };
    facts = applyContribution(facts, placed, returned, TODAY);
    expect(facts.spend.EUR?.days).toEqual({ '2026-06-01': 30_000, '2026-06-10': 15_000 });

    const cancelled = { ...returned, cancelled: true };
    facts = applyContribution(facts, returned, cancelled, TODAY);
    expect(facts).toMatchObject({
      orderCount: 1,
      spend: { EUR: { lifetime: 15_000, days: { '2026-06-10': 15_000 } } },
    });
    // Dates and country say when the customer was last active, cancellations included.
    expect(facts).toMatchObject({
      firstOrderAt: at('2026-06-01'),
      lastOrderAt: at('2026-06-10'),
      country: { code: 'DE' },
    });
  });

  it('respects a cancellation seen before its placement: the order never counts', () => {
    const tombstone = { ...emptyContribution('o-1', 'c-1'), cancelled: true };
    const placed = { ...tombstone, placed: placedOrder('o-1', '2026-06-01', 9_000).placed };
    const facts = applyContribution(emptyFacts('c-1', at(TODAY)), tombstone, placed, TODAY);
    expect(facts).toMatchObject({ orderCount: 0, lastOrderAt: at('2026-06-01') });
    expect(facts.spend.EUR?.lifetime ?? 0).toBe(0);
  });

  it('drops day buckets older than the longest window, and keeps the lifetime', () => {
    const old = placedOrder('o-1', addDays(TODAY, -MAX_WINDOW_DAYS), 5_000);
    const kept = placedOrder('o-2', addDays(TODAY, -MAX_WINDOW_DAYS + 1), 7_000);
    const facts = withOrders([old, kept]);
    expect(facts.spend.EUR).toEqual({
      lifetime: 12_000,
      days: { [addDays(TODAY, -MAX_WINDOW_DAYS + 1)]: 7_000 },
    });
  });

  it('nets any sequence of placements, cancellations and returns, in any order, to their effects', () => {
    const step = fc.record({
      order: fc.integer({ min: 0, max: 4 }),
      kind: fc.constantFrom('place', 'cancel', 'return'),
      amount: fc.integer({ min: 1, max: 50_000 }),
      day: fc.integer({ min: 0, max: 60 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const contributions = new Map<number, OrderContribution>();
        let facts = emptyFacts('c-1', at(TODAY));
        for (const s of steps) {
          const before = contributions.get(s.order) ?? emptyContribution(`o-${s.order}`, 'c-1');
          const after: OrderContribution =
            s.kind === 'place'
              ? before.placed
                ? before
                : { ...before, placed: { at: at(addDays(TODAY, -s.day)), currency: 'EUR', amount: s.amount } }
              : s.kind === 'cancel'
                ? { ...before, cancelled: true }
                : { ...before, returned: before.returned + Math.min(s.amount, 5_000) };
          facts = applyContribution(facts, before, after, TODAY);
          contributions.set(s.order, after);
        }
        const effects = [...contributions.values()].map(effectOf);
        const lifetime = effects.reduce((sum, e) => sum + e.amount, 0);
        expect(facts.orderCount).toBe(effects.filter((e) => e.counted).length);
        expect(facts.spend.EUR?.lifetime ?? 0).toBe(lifetime);
        expect(spendInLastDays(facts, 'EUR', 365, TODAY)).toBe(lifetime);
        expect(Object.values(facts.spend.EUR?.days ?? {}).every((v) => v > 0)).toBe(true);
      }),
    );
  });
});

describe('Rules: consent and loyalty, newest wins', () => {
  it('keeps the newest consent per channel whatever order the changes arrive in', () => {
    let facts = applyConsent(emptyFacts('c-1', at(TODAY)), 'email', false, at(TODAY, '10:00:00.000'));
    facts = applyConsent(facts, 'email', true, at(TODAY, '09:00:00.000'));
    facts = applyConsent(facts, 'sms', true, at(TODAY, '08:00:00.000'));
    expect(facts.consent).toEqual({
      email: { granted: false, at: at(TODAY, '10:00:00.000') },
      sms: { granted: true, at: at(TODAY, '08:00:00.000') },
    });
  });

  it('keeps the balance of the newest ledger entry', () => {
    let facts = applyLoyalty(emptyFacts('c-1', at(TODAY)), 300, '01B', at(TODAY, '10:00:00.000'));
    facts = applyLoyalty(facts, 100, '01A', at(TODAY, '09:00:00.000'));
    expect(facts.loyalty?.balance).toBe(300);
    facts = applyLoyalty(facts, 250, '01C', at(TODAY, '10:00:00.000'));
    expect(facts.loyalty?.balance).toBe(250);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests of judging

const dayArb = fc.integer({ min: -800, max: 0 }).map((n) => addDays(TODAY, n));
const factsArb: fc.Arbitrary<CustomerFacts> = fc
  .record({
    buckets: fc.dictionary(dayArb, fc.integer({ min: 1, max: 100_000 }), { maxKeys: 8 }),
    orderCount: fc.integer({ min: 0, max: 6 }),
    lastOrder: fc.option(dayArb, { nil: undefined }),
    email: fc.option(fc.boolean(), { nil: undefined }),
    sms: fc.option(fc.boolean(), { nil: undefined }),
    country: fc.option(fc.constantFrom('DE', 'AT', 'FR', 'GB'), { nil: undefined }),
    balance: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
  })
  .map((r): CustomerFacts => {
    const days = Object.fromEntries(
      Object.entries(r.buckets).filter(([d]) => d > addDays(TODAY, -MAX_WINDOW_DAYS)),
    );
    const lifetime = Object.values(r.buckets).reduce((a, b) => a + b, 0);
    const lastOrderAt = r.lastOrder ?? Object.keys(days).sort().at(-1);
    return {
      ...emptyFacts('c-1', at(TODAY)),
      orderCount: r.orderCount,
      ...(lastOrderAt === undefined ? {} : { lastOrderAt: at(lastOrderAt.slice(0, 10)) }),
      spend: lifetime > 0 ? { EUR: { lifetime, days } } : ({} as CustomerFacts['spend']),
      consent: {
        ...(r.email === undefined ? {} : { email: { granted: r.email, at: at(TODAY) } }),
        ...(r.sms === undefined ? {} : { sms: { granted: r.sms, at: at(TODAY) } }),
      },
      ...(r.country === undefined ? {} : { country: { code: r.country, at: at(TODAY) } }),
      ...(r.balance === undefined ? {} : { loyalty: { balance: r.balance, entryId: '01A', at: at(TODAY) } }),
    };
  });

const amountArb = fc.integer({ min: 0, max: 200_000 });
const windowArb = fc.constantFrom(1, 7, 30, 90, 365, 730);
const conditionArb: fc.Arbitrary<Condition> = fc
  .oneof(
    amountArb.map((gte) => ({ fact: 'lifetimeSpend' as const, currency: 'EUR', gte })),
    fc
      .tuple(windowArb, amountArb)
      .map(([days, gte]) => ({ fact: 'spendInLastDays' as const, days, currency: 'EUR', gte })),
    fc
      .tuple(windowArb, amountArb)
      .map(([days, lte]) => ({ fact: 'spendInLastDays' as const, days, currency: 'EUR', lte })),
    fc.integer({ min: 0, max: 6 }).map((gte) => ({ fact: 'orderCount' as const, gte })),
    windowArb.map((days) => ({ fact: 'lastOrderWithinDays' as const, days })),
    windowArb.map((days) => ({ fact: 'lastOrderBefore' as const, days })),
    fc.tuple(fc.constantFrom('email' as const, 'sms' as const), fc.boolean()).map(([channel, granted]) => ({
      fact: 'consent' as const,
      channel,
      granted,
    })),
    fc
      .subarray(['DE', 'AT', 'FR'], { minLength: 1 })
      .map((countries) => ({ fact: 'country' as const, in: countries })),
    fc.integer({ min: 0, max: 5_000 }).map((gte) => ({ fact: 'loyaltyBalance' as const, gte })),
  )
  .chain((c) => fc.boolean().map((not) => (not ? { ...c, not } : c)));
const ruleArb: fc.Arbitrary<Rule> = fc.oneof(
  fc.array(conditionArb, { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
  fc
    .array(fc.array(conditionArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 })
    .map((clauses) => ({ any: clauses.map((all) => ({ all })) })),
);

/** ¬(∨ᵢ ∧ⱼ cᵢⱼ) = ∧ᵢ ∨ⱼ ¬cᵢⱼ, distributed back into alternatives of conjunctions. */
function negate(rule: Rule): Rule {
  const flip = (c: Condition): Condition => ({ ...c, not: !(c.not ?? false) });
  let alternatives: Condition[][] = [[]];
  for (const clause of clausesOf(rule)) {
    alternatives = alternatives.flatMap((partial) => clause.map((c) => [...partial, flip(c)]));
  }
  return { any: alternatives.map((all) => ({ all })) };
}

describe('Rules: judging (property-based)', () => {
  it('a rule and its negation partition customers: exactly one holds, on any day', () => {
    fc.assert(
      fc.property(factsArb, ruleArb, fc.integer({ min: 0, max: 400 }), (facts, rule, later) => {
        const day = addDays(TODAY, later);
        expect(ruleHolds(rule, facts, day) !== ruleHolds(negate(rule), facts, day)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('`gte x` and `lte x − 1` partition customers by spend in a window', () => {
    fc.assert(
      fc.property(factsArb, windowArb, fc.integer({ min: 1, max: 200_000 }), (facts, days, x) => {
        const over = conditionHolds({ fact: 'spendInLastDays', days, currency: 'EUR', gte: x }, facts, TODAY);
        const under = conditionHolds(
          { fact: 'spendInLastDays', days, currency: 'EUR', lte: x - 1 },
          facts,
          TODAY,
        );
        expect(over !== under).toBe(true);
      }),
    );
  });

  it('`lastOrderWithinDays d` and `lastOrderBefore d` partition the customers who ordered', () => {
    fc.assert(
      fc.property(factsArb, windowArb, fc.integer({ min: 0, max: 800 }), (facts, days, later) => {
        const day = addDays(TODAY, later);
        const within = conditionHolds({ fact: 'lastOrderWithinDays', days }, facts, day);
        const before = conditionHolds({ fact: 'lastOrderBefore', days }, facts, day);
        if (facts.lastOrderAt === undefined) expect([within, before]).toEqual([false, false]);
        else expect(within !== before).toBe(true);
      }),
    );
  });

  it('no judgement changes before the review day: the daily run misses nobody', () => {
    fc.assert(
      fc.property(factsArb, fc.array(ruleArb, { minLength: 1, maxLength: 4 }), (facts, rules) => {
        const segments = rules.map((rule, i) => ({ id: `s-${i}`, revision: 1, rule }));
        const review = nextReviewDay(facts, segments, TODAY);
        const horizon = review ?? addDays(TODAY, MAX_WINDOW_DAYS + 1);
        const at0 = segments.map((s) => ruleHolds(s.rule, facts, TODAY));
        for (let day = addDays(TODAY, 1); day < horizon; day = addDays(day, 1)) {
          expect(segments.map((s) => ruleHolds(s.rule, facts, day))).toEqual(at0);
        }
        if (review !== undefined) expect(review > TODAY).toBe(true);
      }),
      { numRuns: 80 },
    );
  }, 30_000);
});

describe('Rules: judge', () => {
  const bigSpenders = {
    id: 'big',
    revision: 2,
    rule: { all: [{ fact: 'spendInLastDays' as const, days: 30, currency: 'EUR', gte: 50_000 }] },
  };

  it('reports entering and leaving against the judgement the facts recorded', () => {
    const facts = withOrders([placedOrder('o-1', '2026-06-01', 60_000)]);
    const first = judge(facts, [bigSpenders], TODAY);
    expect(first.changes).toEqual([{ segmentId: 'big', revision: 2, entered: true }]);
    expect(first.facts.segments).toEqual({ big: { revision: 2, member: true } });
    // The bucket leaves the 30-day window on June 1 + 30 days.
    expect(first.facts.reviewOn).toBe('2026-07-01');

    expect(judge(first.facts, [bigSpenders], TODAY).changes).toEqual([]);
    const later = judge(first.facts, [bigSpenders], '2026-07-01');
    expect(later.changes).toEqual([{ segmentId: 'big', revision: 2, entered: false }]);
    expect(later.facts.reviewOn).toBeUndefined();
  });

  it('keeps a judgement made by a newer revision than the definitions it is given', () => {
    const facts = { ...withOrders([]), segments: { big: { revision: 3, member: true } } };
    const judged = judge(facts, [bigSpenders], TODAY);
    expect(judged.changes).toEqual([]);
    expect(judged.facts.segments.big).toEqual({ revision: 3, member: true });
  });
});
