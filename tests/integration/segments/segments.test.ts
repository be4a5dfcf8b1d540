/**
 * Customer facts and live segments on DynamoDB Local: the facts consumer applies events as SQS
 * would deliver them (redeliveries included), the backfill chain is followed through the outbox,
 * and the daily review is invoked through its Lambda handler. Membership items, member counts and
 * the outbox show what happened.
 */
import { ulid } from 'ulid';
import { describe, expect, it, vi } from 'vitest';
import type { EventOf, EventType } from '#events/catalog.ts';
import { createCustomer } from '#functions/customers/customers.ts';
import { segmentBackfill } from '#functions/segments/backfill.ts';
import { segmentFacts } from '#functions/segments/consumer.ts';
import { getFacts } from '#functions/segments/facts.ts';
import { handler as reviewHandler } from '#functions/segments/review.ts';
import { addDays, type Rule } from '#functions/segments/rules.ts';
import { getSegment, listMembers, putSegment } from '#functions/segments/segments.ts';
import { eventLike, lambdaContext, sqsRecordFor } from '../../support/backbone.ts';
import { type OutboxRecord, outbox } from '../orders/fixtures.ts';

vi.hoisted(() => {
  // Small backfill pages, so a few dozen customers take several pages per shard.
  process.env.SEGMENT_BACKFILL_PAGE = '3';
});

const DAY_MS = 86_400_000;
const isoDaysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
const segmentId = (name: string) => `${name}-${ulid().slice(-8).toLowerCase()}`;

const deliverFacts = (event: EventOf<EventType>) => segmentFacts.processRecord(sqsRecordFor(event));

function placed(customerId: string, amount: number, options: { placedAt?: string; country?: string } = {}) {
  return eventLike('OrderPlaced', {
    orderId: ulid(),
    customerId,
    currency: 'EUR',
    subtotal: amount,
    discount: 0,
    total: amount,
    placedAt: options.placedAt ?? new Date().toISOString(),
    shippingAddress: {
      name: 'Ada',
      line1: '1 Main St',
      city: 'Berlin',
      postalCode: '10115',
      country: options.country ?? 'DE',
    },
  });
}

const cancelled = (order: EventOf<'OrderPlaced'>) =>
  eventLike('OrderCancelled', {
    ...order.data,
    cancelledAt: new Date().toISOString(),
    previousStatus: 'CONFIRMED',
    cancelledBy: order.data.customerId,
  });

const consent = (customerId: string, granted: boolean, changedAt = new Date().toISOString()) =>
  eventLike('ConsentChanged', { customerId, channel: 'email', granted, source: 'customer', changedAt });

async function define(id: string, rule: Rule) {
  return putSegment({ id, input: { name: id, rule }, by: 'staff-1', correlationId: `req-${id}` });
}

const bigSpenders = (days = 365): Rule => ({
  all: [
    { fact: 'spendInLastDays', days, currency: 'EUR', gte: 50_000 },
    { fact: 'consent', channel: 'email', granted: true },
  ],
});

async function members(id: string): Promise<string[]> {
  return (await listMembers(id, { limit: 100 })).items.map((m) => m.customerId).sort();
}

async function membershipEvents(id: string, customerId?: string): Promise<OutboxRecord[]> {
  return (await outbox())
    .filter(
      (r) =>
        (r.type === 'SegmentEntered' || r.type === 'SegmentLeft') &&
        r.event.data.segmentId === id &&
        (customerId === undefined || r.event.data.customerId === customerId),
    )
    .sort((a, b) => (a.event.id < b.event.id ? -1 : 1));
}

/** Follows a backfill's chain through the outbox: SegmentDefined, then each continuation. */
async function runBackfill(id: string, revision: number): Promise<number> {
  const seen = new Set<string>();
  let steps = 0;
  for (;;) {
    const next = (await outbox())
      .filter(
        (r) =>
          (r.type === 'SegmentDefined' || r.type === 'SegmentBackfillContinued') &&
          r.event.data.segmentId === id &&
          r.event.data.revision === revision &&
          !seen.has(r.event.id),
      )
      .sort((a, b) => (a.event.id < b.event.id ? -1 : 1));
    if (next.length === 0) return steps;
    for (const record of next) {
      seen.add(record.event.id);
      expect(await segmentBackfill.processRecord(sqsRecordFor(record.event))).toBe('applied');
      steps++;
    }
  }
}

describe('Consumer: segmentFacts (DynamoDB Local)', () => {
  it('moves a customer in and out as spend crosses the threshold and consent changes, each event once', async () => {
    // Prepare
    const id = segmentId('big');
    await define(id, bigSpenders());
    const customerId = `c-${ulid()}`;
    const first = placed(customerId, 30_000);
    const second = placed(customerId, 25_000);

    // Act + Assess: under the threshold, then over it but without consent
    expect(await deliverFacts(first)).toBe('applied');
    expect(await deliverFacts(second)).toBe('applied');
    expect(await members(id)).toEqual([]);
    const facts = await getFacts(customerId);
    expect(facts).toMatchObject({
      orderCount: 2,
      spend: { EUR: { lifetime: 55_000 } },
      country: { code: 'DE' },
    });

    // Consent granted: in, once, however often the event is delivered
    const granted = consent(customerId, true);
    expect(await deliverFacts(granted)).toBe('applied');
    expect(await deliverFacts(granted)).toBe('duplicate');
    expect(await members(id)).toEqual([customerId]);
    expect((await getSegment(id))?.memberCount).toBe(1);
    const entered = await membershipEvents(id, customerId);
    expect(entered.map((r) => r.type)).toEqual(['SegmentEntered']);
    expect(entered[0]?.event).toMatchObject({
      source: 'storeline.segments',
      correlationId: granted.correlationId,
      data: { segmentId: id, customerId, revision: 1, cause: 'facts' },
    });

    // A cancellation takes the second order back: under the threshold, out
    expect(await deliverFacts(cancelled(second))).toBe('applied');
    expect(await members(id)).toEqual([]);
    expect((await getSegment(id))?.memberCount).toBe(0);
    expect((await membershipEvents(id, customerId)).map((r) => r.type)).toEqual([
      'SegmentEntered',
      'SegmentLeft',
    ]);

    // Over again with a new order, then consent withdrawn: out again
    await deliverFacts(placed(customerId, 20_000));
    expect(await members(id)).toEqual([customerId]);
    await deliverFacts(consent(customerId, false));
    expect(await members(id)).toEqual([]);
    expect((await getSegment(id))?.memberCount).toBe(0);
    expect((await membershipEvents(id, customerId)).map((r) => r.type)).toEqual([
      'SegmentEntered',
      'SegmentLeft',
      'SegmentEntered',
      'SegmentLeft',
    ]);
  });

  it('keeps facts exact and enters once when a burst of one customer’s orders is applied concurrently', async () => {
    // Prepare: 12 orders of 100 EUR; the threshold (500 EUR) is crossed by the 5th, whichever it is
    const id = segmentId('burst');
    await define(id, { all: [{ fact: 'lifetimeSpend', currency: 'EUR', gte: 50_000 }] });
    const customerId = `b-${ulid()}`;
    const orders = Array.from({ length: 12 }, () => placed(customerId, 10_000));

    // Act: every event at once, failed deliveries delivered again as SQS would
    let pending = [...orders];
    for (let receive = 1; pending.length > 0 && receive <= 10; receive++) {
      const results = await Promise.allSettled(pending.map((e) => deliverFacts(e)));
      pending = pending.filter((_, i) => results[i]?.status === 'rejected');
    }

    // Assess
    expect(pending).toHaveLength(0);
    expect(await getFacts(customerId)).toMatchObject({
      orderCount: 12,
      spend: { EUR: { lifetime: 120_000 } },
    });
    expect(await members(id)).toEqual([customerId]);
    expect((await getSegment(id))?.memberCount).toBe(1);
    expect((await membershipEvents(id, customerId)).map((r) => r.type)).toEqual(['SegmentEntered']);
  });

  it('takes a return’s credit note off the spend, and ignores a cancellation’s', async () => {
    const id = segmentId('lifetime');
    await define(id, { all: [{ fact: 'lifetimeSpend', currency: 'EUR', gte: 10_000 }] });
    const customerId = `c-${ulid()}`;
    const order = placed(customerId, 12_000);
    await deliverFacts(order);
    expect(await members(id)).toEqual([customerId]);

    const credit = (reason: 'return' | 'cancellation', net: number) =>
      eventLike('CreditNoteIssued', {
        orderId: order.data.orderId,
        customerId,
        currency: 'EUR',
        reason,
        subtotal: -net,
        discount: 0,
        tax: -Math.round(net * 0.19),
        total: -net - Math.round(net * 0.19),
      });
    await deliverFacts(credit('cancellation', 12_000));
    expect(await members(id)).toEqual([customerId]);
    await deliverFacts(credit('return', 3_000));
    expect(await members(id)).toEqual([]);
    expect((await getFacts(customerId))?.spend.EUR?.lifetime).toBe(9_000);
  });

  it('never counts an order whose cancellation arrived first', async () => {
    const id = segmentId('ordered');
    await define(id, { all: [{ fact: 'orderCount', gte: 1 }] });
    const customerId = `c-${ulid()}`;
    const order = placed(customerId, 5_000);
    await deliverFacts(cancelled(order));
    await deliverFacts(order);
    expect(await getFacts(customerId)).toMatchObject({ orderCount: 0 });
    expect(await members(id)).toEqual([]);
    expect(await membershipEvents(id, customerId)).toEqual([]);
  });

  it('keeps the loyalty balance from LoyaltyPointsChanged (the catalogue sample)', async () => {
    const id = segmentId('loyal');
    await define(id, { all: [{ fact: 'loyaltyBalance', gte: 100 }] });
    const customerId = `c-${ulid()}`;
    await deliverFacts(eventLike('LoyaltyPointsChanged', { customerId }));
    expect((await getFacts(customerId))?.loyalty?.balance).toBe(148);
    expect(await members(id)).toEqual([customerId]);
  });

  it('takes consent from the customer record on CustomerCreated', async () => {
    const id = segmentId('email-ok');
    await define(id, { all: [{ fact: 'consent', channel: 'email' }] });
    const { id: customerId } = await createCustomer(
      { email: `${ulid()}@example.com`, name: 'Grace', marketingConsent: { email: true }, origin: 'staff' },
      { at: new Date().toISOString(), correlationId: 'req-c', by: 'staff-1', source: 'staff' },
    );
    await deliverFacts(eventLike('CustomerCreated', { customerId, origin: 'staff' }));
    expect(await getFacts(customerId)).toMatchObject({ consent: { email: { granted: true } } });
    expect(await members(id)).toEqual([customerId]);
  });
});

describe('Consumer: segmentBackfill (DynamoDB Local)', () => {
  it('judges every existing customer by a new rule, page by page, once each', async () => {
    // Prepare: 60 customers with facts, a third of them spending 600 EUR with consent
    const customers = Array.from({ length: 60 }, (_, i) => ({ id: `bf-${ulid()}-${i}`, big: i % 3 === 0 }));
    await Promise.all(
      customers.map(async (c) => {
        await deliverFacts(placed(c.id, c.big ? 60_000 : 1_000));
        await deliverFacts(consent(c.id, true));
      }),
    );

    // Act: define the segment, follow its chain; then deliver every step again
    const id = segmentId('backfill');
    const { segment } = await define(id, bigSpenders());
    const steps = await runBackfill(id, segment.revision);
    const chain = (await outbox()).filter(
      (r) =>
        (r.type === 'SegmentDefined' || r.type === 'SegmentBackfillContinued') &&
        r.event.data.segmentId === id,
    );
    for (const r of chain) await segmentBackfill.processRecord(sqsRecordFor(r.event));

    // Assess
    const expected = customers.filter((c) => c.big).map((c) => c.id);
    const all = (await members(id)).filter((m) => m.startsWith('bf-'));
    expect(all).toEqual([...expected].sort());
    // More steps than shards: some shards took several pages (a cursor carried between events).
    expect(steps).toBeGreaterThan(16);
    expect(chain.some((r) => r.event.data.cursor !== undefined)).toBe(true);
    const stored = await getSegment(id);
    expect(stored?.backfill).toMatchObject({ revision: 1, status: 'complete' });
    expect(stored?.memberCount).toBe((await members(id)).length);
    const events = await membershipEvents(id);
    expect(events.filter((e) => String(e.event.data.customerId).startsWith('bf-'))).toHaveLength(
      expected.length,
    );
    expect(events.every((e) => e.type === 'SegmentEntered' && e.event.data.cause === 'rule')).toBe(true);

    // A changed rule is a new revision: judged again, members who no longer qualify leave
    const { segment: changed } = await define(id, {
      all: [{ fact: 'spendInLastDays', days: 365, currency: 'EUR', gte: 70_000 }],
    });
    expect(changed.revision).toBe(2);
    await runBackfill(id, 2);
    const now = await members(id);
    // Other tests' customers share the table: only this test's customers are known not to qualify.
    expect(now.filter((m) => m.startsWith('bf-'))).toEqual([]);
    expect((await getSegment(id))?.memberCount).toBe(now.length);
  }, 180_000);

  it('does not bump the revision when only the name changes', async () => {
    const id = segmentId('rename');
    await define(id, bigSpenders());
    const { segment, created } = await putSegment({
      id,
      input: { name: 'Renamed', rule: bigSpenders() },
      by: 'staff-2',
      correlationId: 'req-rename',
    });
    expect(created).toBe(false);
    expect(segment).toMatchObject({ revision: 1, name: 'Renamed' });
    const defined = (await outbox()).filter(
      (r) => r.type === 'SegmentDefined' && r.event.data.segmentId === id,
    );
    expect(defined).toHaveLength(1);
  });
});

describe('Scheduled: segmentWindows (DynamoDB Local)', () => {
  it('lets a customer out when their spend leaves the window, found through the review index', async () => {
    // Prepare: 600 EUR placed 300 days ago; window 365 days → a member until day 365
    const id = segmentId('window');
    await define(id, bigSpenders(365));
    const customerId = `w-${ulid()}`;
    const order = placed(customerId, 60_000, { placedAt: isoDaysAgo(300) });
    await deliverFacts(order);
    await deliverFacts(consent(customerId, true));
    expect(await members(id)).toEqual([customerId]);
    const reviewOn = addDays(order.data.placedAt.slice(0, 10), 365);
    expect((await getFacts(customerId))?.reviewOn).toBe(reviewOn);

    // Act: the run the day before leaves them in; the run on the review day lets them out
    const invoke = (asOf: string) =>
      reviewHandler({ schedule: 'segment-windows-daily', asOf }, lambdaContext('segmentWindows'));
    await invoke(`${addDays(reviewOn, -1)}T03:00:00.000Z`);
    expect(await members(id)).toEqual([customerId]);
    const run = await invoke(`${reviewOn}T03:00:00.000Z`);

    // Assess
    expect(run.complete).toBe(true);
    expect(run.reviewed).toBeGreaterThanOrEqual(1);
    expect(await members(id)).toEqual([]);
    const left = (await membershipEvents(id, customerId)).filter((r) => r.type === 'SegmentLeft');
    expect(left).toHaveLength(1);
    expect(left[0]?.event.data).toMatchObject({ cause: 'time' });
    expect((await getFacts(customerId))?.reviewOn).toBeUndefined();

    // Run again: nothing is due for them any more
    await invoke(`${reviewOn}T04:00:00.000Z`);
    expect((await membershipEvents(id, customerId)).filter((r) => r.type === 'SegmentLeft')).toHaveLength(1);
  });
});
