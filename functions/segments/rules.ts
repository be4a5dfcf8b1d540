/**
 * The segments context's pure rules: the rule language staff write, the facts kept per customer,
 * how events change those facts, how a rule is judged against them, and when time alone can change
 * a judgement. No I/O, so unit and property tests import it directly.
 *
 * **Spend** is the net value of orders (`subtotal − discount`, before tax, as the sales reports count
 * it), per currency, never converted. An order counts from its placement; its cancellation takes
 * all of it back and a return's credit note (`CreditNoteIssued`, reason `return`) the credited
 * lines' net amount. Both are taken from the order's own **placement day**, so "spent over 500 EUR
 * in the last 365 days" means the net value of the orders placed in those days, whenever they were
 * later cancelled or returned. A cancellation's credit note is ignored: `OrderCancelled` already
 * took the order back (counting both would take it twice).
 *
 * **Day buckets, not months**: spend is kept per UTC day and currency, so a window of `days` days is
 * exact to the day (a month bucket would count a whole month in or out). A bucket older than the
 * longest window a rule may use (`MAX_WINDOW_DAYS`) can never be read again and is dropped, which
 * bounds the item: at most 730 buckets per currency, a few tens of KB.
 *
 * A window of `days` days on day T holds the days D with T − days < D ≤ T (today counts). A bucket
 * of day D therefore leaves it on day D + days: that is when a customer must be judged again
 * without any event (`nextReviewDay`).
 */
import * as z from 'zod';
import { ConsentChannel } from '#events/customers.ts';
import { Currency, IsoTimestamp, Money } from '#shared/schemas.ts';

/** The longest window a rule may use, and so how long a day bucket is kept. */
export const MAX_WINDOW_DAYS = 730;
/** The most segments: one event may move a customer in or out of all of them in one transaction. */
export const MAX_SEGMENTS = 25;
export const MAX_CLAUSES = 5;
export const MAX_CONDITIONS_PER_CLAUSE = 10;

const Days = z
  .int()
  .min(1)
  .max(MAX_WINDOW_DAYS)
  .meta({ description: `Calendar days, today included (1 to ${MAX_WINDOW_DAYS})` });
const Count = z.int().min(0).max(1_000_000_000);
const Points = z.int().min(0).max(1_000_000_000_000);
const Not = z
  .boolean()
  .optional()
  .meta({ description: 'true: the condition holds when its test does not (e.g. not in these countries)' });
const CountryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case')
  .meta({ description: 'ISO 3166-1 alpha-2', example: 'DE' });

/** Facts compared with `gte`/`lte`: at least one bound is required. */
const BOUNDED_FACTS: ReadonlySet<string> = new Set([
  'lifetimeSpend',
  'spendInLastDays',
  'orderCount',
  'loyaltyBalance',
]);

export const Condition = z
  .discriminatedUnion('fact', [
    z.strictObject({
      fact: z.literal('lifetimeSpend').meta({ description: 'Net spend since the first order, one currency' }),
      currency: Currency,
      gte: Money.optional(),
      lte: Money.optional(),
      not: Not,
    }),
    z.strictObject({
      fact: z
        .literal('spendInLastDays')
        .meta({ description: 'Net spend on orders placed in the last `days` days' }),
      days: Days,
      currency: Currency,
      gte: Money.optional(),
      lte: Money.optional(),
      not: Not,
    }),
    z.strictObject({
      fact: z.literal('orderCount').meta({ description: 'Orders placed and not cancelled' }),
      gte: Count.optional(),
      lte: Count.optional(),
      not: Not,
    }),
    z.strictObject({
      fact: z.literal('lastOrderWithinDays').meta({ description: 'Placed an order in the last `days` days' }),
      days: Days,
      not: Not,
    }),
    z.strictObject({
      fact: z
        .literal('lastOrderBefore')
        .meta({ description: 'Has ordered, but not in the last `days` days (lapsed customers)' }),
      days: Days,
      not: Not,
    }),
    z.strictObject({
      fact: z.literal('consent').meta({ description: 'Marketing consent on a channel' }),
      channel: ConsentChannel,
      granted: z.boolean().optional().meta({ description: 'true when absent: consented' }),
      not: Not,
    }),
    z.strictObject({
      fact: z.literal('country').meta({ description: 'Shipping country of the latest order' }),
      in: z.array(CountryCode).min(1).max(50),
      not: Not,
    }),
    z.strictObject({
      fact: z.literal('loyaltyBalance').meta({ description: 'Loyalty points balance (0 when none yet)' }),
      gte: Points.optional(),
      lte: Points.optional(),
      not: Not,
    }),
  ])
  .superRefine((c, ctx) => {
    if (!BOUNDED_FACTS.has(c.fact)) return;
    const { gte, lte } = c as { gte?: number; lte?: number };
    if (gte === undefined && lte === undefined) {
      ctx.addIssue({ code: 'custom', message: 'Give `gte`, `lte` or both' });
    }
    if (gte !== undefined && lte !== undefined && gte > lte) {
      ctx.addIssue({ code: 'custom', path: ['lte'], message: '`lte` must not be below `gte`' });
    }
  })
  .meta({ id: 'SegmentCondition' });
export type Condition = z.output<typeof Condition>;

const Clause = z
  .array(Condition)
  .min(1)
  .max(MAX_CONDITIONS_PER_CLAUSE)
  .meta({ description: 'Conditions that must all hold' });

export const Rule = z
  .union([
    z.strictObject({ all: Clause }),
    z.strictObject({
      any: z
        .array(z.strictObject({ all: Clause }))
        .min(1)
        .max(MAX_CLAUSES)
        .meta({ description: 'Alternatives: a customer is a member when any one holds entirely' }),
    }),
  ])
  .meta({
    id: 'SegmentRule',
    description:
      '`{ all: [...] }`: every condition holds; `{ any: [{ all: [...] }, ...] }`: one of the alternatives holds.',
  });
export type Rule = z.output<typeof Rule>;

/** The rule as alternatives of conjunctions (a rule with `all` is one alternative). */
export const clausesOf = (rule: Rule): readonly (readonly Condition[])[] =>
  'all' in rule ? [rule.all] : rule.any.map((c) => c.all);

const isoDay = (at: string): string => at.slice(0, 10);

/** A UTC calendar day (`YYYY-MM-DD`) plus `days` (negative: before). */
export function addDays(day: string, days: number): string {
  const ms = Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC day of an ISO timestamp. */
export const dayOf = isoDay;

// ---------------------------------------------------------------------------------------------
// Facts

const Stamped = { at: IsoTimestamp };

export const SpendFacts = z.object({
  /** Net spend since the first order (minor units). */
  lifetime: z.int(),
  /** Net spend by placement day (`YYYY-MM-DD`), the last `MAX_WINDOW_DAYS` days only. */
  days: z.record(z.string(), z.int()),
});

export const SegmentState = z.object({
  /** The rule revision the customer was last judged by. */
  revision: z.int().min(1),
  member: z.boolean(),
});
export type SegmentState = z.infer<typeof SegmentState>;

export const CustomerFacts = z.object({
  customerId: z.string(),
  /** +1 on every write: the condition of the next one. */
  version: z.int().min(0),
  orderCount: z.int(),
  firstOrderAt: IsoTimestamp.optional(),
  lastOrderAt: IsoTimestamp.optional(),
  spend: z.record(z.string(), SpendFacts),
  consent: z.object({
    email: z.object({ granted: z.boolean(), ...Stamped }).optional(),
    sms: z.object({ granted: z.boolean(), ...Stamped }).optional(),
  }),
  country: z.object({ code: z.string(), ...Stamped }).optional(),
  loyalty: z.object({ balance: z.int(), entryId: z.string(), ...Stamped }).optional(),
  /** The customer's judgement per segment id. */
  segments: z.record(z.string(), SegmentState),
  /** The day time alone may change a judgement (the review index holds the customer under it). */
  reviewOn: z.string().optional(),
  updatedAt: IsoTimestamp,
});
export type CustomerFacts = z.infer<typeof CustomerFacts>;

export const emptyFacts = (customerId: string, at: string): CustomerFacts => ({
  customerId,
  version: 0,
  orderCount: 0,
  spend: {},
  consent: {},
  segments: {},
  updatedAt: at,
});

/**
 * What one order adds to its customer's facts. Kept per order so that its cancellation and
 * returns take back exactly what it added, from its own day, in whatever order the events arrive
 * (a cancellation seen before its placement leaves a tombstone the placement then respects).
 */
export const OrderContribution = z.object({
  orderId: z.string(),
  customerId: z.string(),
  version: z.int().min(0),
  placed: z
    .object({
      at: IsoTimestamp,
      currency: z.string(),
      amount: z.int().min(0),
      country: z.string().optional(),
    })
    .optional(),
  cancelled: z.boolean(),
  /** Net amount credited by return credit notes (positive). */
  returned: z.int().min(0),
});
export type OrderContribution = z.infer<typeof OrderContribution>;

export const emptyContribution = (orderId: string, customerId: string): OrderContribution => ({
  orderId,
  customerId,
  version: 0,
  cancelled: false,
  returned: 0,
});

/** What a contribution adds: whether it counts as an order, and its net spend. */
export function effectOf(c: OrderContribution): { counted: boolean; amount: number } {
  if (!c.placed || c.cancelled) return { counted: false, amount: 0 };
  return { counted: true, amount: Math.max(0, c.placed.amount - c.returned) };
}

/** Drops day buckets no window can read any more (older than `MAX_WINDOW_DAYS` before `today`). */
export function pruneBuckets(facts: CustomerFacts, today: string): CustomerFacts {
  const oldestKept = addDays(today, -MAX_WINDOW_DAYS + 1);
  const spend: CustomerFacts['spend'] = {};
  for (const [currency, s] of Object.entries(facts.spend)) {
    const days = Object.fromEntries(Object.entries(s.days).filter(([d]) => d >= oldestKept));
    spend[currency] = { lifetime: s.lifetime, days };
  }
  return { ...facts, spend };
}

/**
 * The facts after an order's contribution changed from `before` to `after` (placement,
 * cancellation, a return): the difference goes to the lifetime spend, the placement day's bucket
 * (if still kept) and the order count; a placement also moves the first and last order dates and
 * the country. Buckets are then pruned as of `today`.
 */
export function applyContribution(
  facts: CustomerFacts,
  before: OrderContribution,
  after: OrderContribution,
  today: string,
): CustomerFacts {
  const was = effectOf(before);
  const now = effectOf(after);
  let next: CustomerFacts = {
    ...facts,
    orderCount: facts.orderCount + (now.counted ? 1 : 0) - (was.counted ? 1 : 0),
  };
  const placed = after.placed;
  if (placed) {
    const delta = now.amount - was.amount;
    if (delta !== 0) {
      const current = next.spend[placed.currency] ?? { lifetime: 0, days: {} };
      const day = dayOf(placed.at);
      const days = { ...current.days };
      if (day >= addDays(today, -MAX_WINDOW_DAYS + 1)) {
        const value = (days[day] ?? 0) + delta;
        if (value === 0) delete days[day];
        else days[day] = value;
      }
      next = {
        ...next,
        spend: { ...next.spend, [placed.currency]: { lifetime: current.lifetime + delta, days } },
      };
    }
    if (!before.placed) {
      if (!next.firstOrderAt || placed.at < next.firstOrderAt) next = { ...next, firstOrderAt: placed.at };
      if (!next.lastOrderAt || placed.at > next.lastOrderAt) next = { ...next, lastOrderAt: placed.at };
      if (placed.country && (!next.country || placed.at >= next.country.at)) {
        next = { ...next, country: { code: placed.country, at: placed.at } };
      }
    }
  }
  return pruneBuckets(next, today);
}

/** The newer of two stamped values (ties keep the current one: a redelivery changes nothing). */
const newer = <T extends { at: string }>(current: T | undefined, candidate: T): T =>
  current && current.at >= candidate.at ? current : candidate;

export function applyConsent(
  facts: CustomerFacts,
  channel: 'email' | 'sms',
  granted: boolean,
  at: string,
): CustomerFacts {
  return {
    ...facts,
    consent: { ...facts.consent, [channel]: newer(facts.consent[channel], { granted, at }) },
  };
}

export function applyLoyalty(
  facts: CustomerFacts,
  balance: number,
  entryId: string,
  at: string,
): CustomerFacts {
  const current = facts.loyalty;
  // Entries written in the same millisecond: the later entry id (a ULID) wins.
  const replace = !current || at > current.at || (at === current.at && entryId > current.entryId);
  return replace ? { ...facts, loyalty: { balance, entryId, at } } : facts;
}

// ---------------------------------------------------------------------------------------------
// Judging

/** Net spend in `currency` on orders placed in the `days` days ending `today` (today included). */
export function spendInLastDays(facts: CustomerFacts, currency: string, days: number, today: string): number {
  const after = addDays(today, -days);
  let sum = 0;
  for (const [day, amount] of Object.entries(facts.spend[currency]?.days ?? {})) {
    if (day > after && day <= today) sum += amount;
  }
  return sum;
}

const within = (value: number, c: { gte?: number | undefined; lte?: number | undefined }) =>
  (c.gte === undefined || value >= c.gte) && (c.lte === undefined || value <= c.lte);

/** Whether a condition's test holds, before its `not`. */
function test(c: Condition, facts: CustomerFacts, today: string): boolean {
  switch (c.fact) {
    case 'lifetimeSpend':
      return within(facts.spend[c.currency]?.lifetime ?? 0, c);
    case 'spendInLastDays':
      return within(spendInLastDays(facts, c.currency, c.days, today), c);
    case 'orderCount':
      return within(facts.orderCount, c);
    case 'lastOrderWithinDays':
      return facts.lastOrderAt !== undefined && dayOf(facts.lastOrderAt) > addDays(today, -c.days);
    case 'lastOrderBefore':
      return facts.lastOrderAt !== undefined && dayOf(facts.lastOrderAt) <= addDays(today, -c.days);
    case 'consent':
      return (facts.consent[c.channel]?.granted ?? false) === (c.granted ?? true);
    case 'country':
      return facts.country !== undefined && c.in.includes(facts.country.code);
    case 'loyaltyBalance':
      return within(facts.loyalty?.balance ?? 0, c);
  }
}

export const conditionHolds = (c: Condition, facts: CustomerFacts, today: string): boolean =>
  test(c, facts, today) !== (c.not ?? false);

/** Whether a customer's facts satisfy a rule on `today` (a UTC day). */
export const ruleHolds = (rule: Rule, facts: CustomerFacts, today: string): boolean =>
  clausesOf(rule).some((clause) => clause.every((c) => conditionHolds(c, facts, today)));

/** A segment as the judge needs it. */
export interface SegmentRule {
  readonly id: string;
  readonly revision: number;
  readonly rule: Rule;
}

/**
 * The first day after `today` on which time alone may change how this customer is judged by
 * these segments: a spend bucket leaving a window, or the last order leaving a
 * `lastOrderWithinDays`/`lastOrderBefore` window. Undefined when no time-bound condition can change.
 */
export function nextReviewDay(
  facts: CustomerFacts,
  segments: readonly SegmentRule[],
  today: string,
): string | undefined {
  const spendWindows = new Set<number>();
  const orderWindows = new Set<number>();
  for (const segment of segments) {
    for (const clause of clausesOf(segment.rule)) {
      for (const c of clause) {
        if (c.fact === 'spendInLastDays') spendWindows.add(c.days);
        if (c.fact === 'lastOrderWithinDays' || c.fact === 'lastOrderBefore') orderWindows.add(c.days);
      }
    }
  }
  let next: string | undefined;
  const consider = (day: string) => {
    if (day > today && (next === undefined || day < next)) next = day;
  };
  const bucketDays = new Set(Object.values(facts.spend).flatMap((s) => Object.keys(s.days)));
  for (const days of spendWindows) for (const day of bucketDays) consider(addDays(day, days));
  if (facts.lastOrderAt) for (const days of orderWindows) consider(addDays(dayOf(facts.lastOrderAt), days));
  return next;
}

export interface MembershipChange {
  readonly segmentId: string;
  readonly revision: number;
  readonly entered: boolean;
}

export interface Judgement {
  /** The facts with the new judgements and review day. */
  readonly facts: CustomerFacts;
  /** Segments the customer entered or left. */
  readonly changes: readonly MembershipChange[];
}

/**
 * Judges a customer's facts by every segment on `today`. A segment the facts were already judged
 * by at a newer revision than the one given (a stale copy of the definitions) keeps its judgement;
 * judgements of segments not given are kept as they are.
 */
export function judge(facts: CustomerFacts, segments: readonly SegmentRule[], today: string): Judgement {
  const states = { ...facts.segments };
  const changes: MembershipChange[] = [];
  for (const segment of segments) {
    const previous = states[segment.id];
    if (previous && previous.revision > segment.revision) continue;
    const member = ruleHolds(segment.rule, facts, today);
    if ((previous?.member ?? false) !== member) {
      changes.push({ segmentId: segment.id, revision: segment.revision, entered: member });
    }
    states[segment.id] = { revision: segment.revision, member };
  }
  const reviewOn = nextReviewDay(facts, segments, today);
  const { reviewOn: _previous, ...rest } = facts;
  return {
    facts: { ...rest, segments: states, ...(reviewOn === undefined ? {} : { reviewOn }) },
    changes,
  };
}
