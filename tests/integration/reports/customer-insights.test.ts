/**
 * The customer-insights consumer on DynamoDB Local: each event moves its customer between the RFM
 * histogram cells and records its cohort activity in one transaction with the marker, so
 * redelivered events change nothing, cancellations move customers back (and out), late and
 * out-of-order events land where they belong, and concurrent deliveries keep every count exact.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { cohortPk, readCustomerInsights, rfmPk } from '#functions/reports/customer-insights.ts';
import { customerInsights } from '#functions/reports/insights-consumer.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';

type Envelope = Parameters<typeof sqsRecordFor>[0];
const apply = (event: Envelope) => customerInsights.processRecord(sqsRecordFor(event));

/** When the reports are read: cohorts of 2030-01 … 2030-06 with `months=6`. */
const NOW = '2030-06-20T12:00:00.000Z';
const report = (currency: string) => readCustomerInsights(currency, 6, NOW);

function placed(customerId: string, currency: string, placedAt: string, total: number, orderId = ulid()) {
  return eventLike('OrderPlaced', {
    orderId,
    customerId,
    currency,
    placedAt,
    subtotal: total,
    discount: 0,
    total,
  });
}
function cancelled(order: ReturnType<typeof placed>) {
  const { orderId, customerId, currency, total } = order.data;
  return eventLike('OrderCancelled', {
    orderId,
    customerId,
    currency,
    subtotal: total,
    discount: 0,
    total,
    cancelledAt: NOW,
    previousStatus: 'CONFIRMED',
    cancelledBy: customerId,
  });
}

/** Every item of a partition, for comparing stored counters before and after. */
async function partition(pk: string) {
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return Items.map(({ sk, customers }) => ({ sk, customers }));
}

const cellTotal = (r: Awaited<ReturnType<typeof report>>) => r.rfm.cells.reduce((n, c) => n + c.customers, 0);

describe('Consumer: customerInsights (DynamoDB Local)', () => {
  it('counts each order once: a redelivered event, or the same order again, changes nothing', async () => {
    // Prepare
    const a = placed('cust-a', 'EUR', '2030-01-10T10:00:00.000Z', 5000);
    const b = placed('cust-b', 'EUR', '2030-03-05T10:00:00.000Z', 1200);
    const a2 = placed('cust-a', 'EUR', '2030-03-12T10:00:00.000Z', 3000);
    // Act
    for (const e of [a, b, a2]) expect(await apply(e)).toBe('applied');
    const first = await report('EUR');
    const stored = [await partition(rfmPk('EUR')), await partition(cohortPk('EUR'))];
    expect(await apply(a2)).toBe('duplicate');
    // The same order under a new event id (a producer retry) is recognised by its order fact.
    expect(await apply({ ...a2, id: ulid() })).toBe('applied');
    // Assess
    expect(await report('EUR')).toEqual(first);
    expect([await partition(rfmPk('EUR')), await partition(cohortPk('EUR'))]).toEqual(stored);
    expect(first.rfm.customers).toBe(2);
    expect(cellTotal(first)).toBe(2);
    expect(first.cohorts).toEqual([
      { cohort: '2030-01', customers: 1, retained: [1, 0, 1, 0, 0, 0] },
      { cohort: '2030-02', customers: 0, retained: [0, 0, 0, 0, 0] },
      { cohort: '2030-03', customers: 1, retained: [1, 0, 0, 0] },
      { cohort: '2030-04', customers: 0, retained: [0, 0, 0] },
      { cohort: '2030-05', customers: 0, retained: [0, 0] },
      { cohort: '2030-06', customers: 0, retained: [0] },
    ]);
    // a: 2 orders, 8000; b: 1 order, 1200; both last ordered in 2030-03 (tied: R3).
    expect(first.rfm.scores.frequency.map((s) => [s.score, s.min, s.max])).toEqual([
      [2, 1, 1],
      [4, 2, 2],
    ]);
    expect(first.rfm.cells).toEqual([
      { recency: 3, frequency: 4, monetary: 4, segment: 'loyal_customers', customers: 1 },
      { recency: 3, frequency: 2, monetary: 2, segment: 'about_to_sleep', customers: 1 },
    ]);
  });

  it('moves a customer back when an order is cancelled, and out at its last one; cohorts keep the activity', async () => {
    // Prepare: c orders in January; d in January and April.
    const c = placed('cust-c', 'USD', '2030-01-03T10:00:00.000Z', 2000);
    const d1 = placed('cust-d', 'USD', '2030-01-20T10:00:00.000Z', 4000);
    await apply(c);
    await apply(d1);
    const before = await partition(rfmPk('USD'));
    const d2 = placed('cust-d', 'USD', '2030-04-02T10:00:00.000Z', 9000);
    await apply(d2);
    expect(await partition(rfmPk('USD'))).not.toEqual(before);
    // Act: cancelling d's latest order puts d back in the cell it was in (recency recomputed).
    expect(await apply(cancelled(d2))).toBe('applied');
    expect(await apply(cancelled(d2))).toBe('applied'); // a second cancellation event: no change
    // Assess
    expect(await partition(rfmPk('USD'))).toEqual(before);
    // Act: cancelling every order empties the histogram (no zero rows left behind).
    await apply(cancelled(d1));
    await apply(cancelled(c));
    const after = await report('USD');
    expect(await partition(rfmPk('USD'))).toEqual([]);
    expect(after.rfm.customers).toBe(0);
    expect(after.rfm.cells).toEqual([]);
    expect(Object.values(after.rfm.segments).every((n) => n === 0)).toBe(true);
    // Cohorts count ordering, cancelled orders included.
    expect(after.cohorts[0]).toEqual({ cohort: '2030-01', customers: 2, retained: [2, 0, 0, 1, 0, 0] });
  });

  it('handles a cancellation delivered before its placement, and a late order from an earlier month', async () => {
    // Prepare
    const early = placed('cust-e', 'GBP', '2030-02-10T10:00:00.000Z', 1500);
    const later = placed('cust-e', 'GBP', '2030-05-10T10:00:00.000Z', 2500);
    const voided = placed('cust-e', 'GBP', '2030-05-11T10:00:00.000Z', 99_999);
    // Act: May arrives first (cohort 2030-05), then the void order's cancellation, then February.
    await apply(later);
    await apply(cancelled(voided));
    await apply(voided);
    await apply(early);
    const r = await report('GBP');
    // Assess: e moved to the February cohort with its May activity; the void order never counted.
    expect(r.cohorts.filter((row) => row.customers > 0)).toEqual([
      { cohort: '2030-02', customers: 1, retained: [1, 0, 0, 1, 0] },
    ]);
    expect(r.cohorts.find((row) => row.cohort === '2030-05')?.retained).toEqual([0, 0]);
    expect(r.rfm.customers).toBe(1);
    expect(r.rfm.scores.frequency).toEqual([{ score: 3, customers: 1, min: 2, max: 2 }]);
    expect(r.rfm.scores.monetary[0]).toMatchObject({ score: 3, customers: 1 });
    const spend = r.rfm.scores.monetary[0];
    expect(spend?.min).toBeLessThanOrEqual(4000); // 1 500 + 2 500: the void order never counted
    expect(spend?.max).toBeGreaterThanOrEqual(4000);
    expect(spend?.max).toBeLessThan(99_999);
    expect(r.rfm.scores.recency).toEqual([
      { score: 3, customers: 1, lastOrderFrom: '2030-05', lastOrderTo: '2030-05' },
    ]);
  });

  it('takes returns off the spend (credit note), ignoring cancellation credit notes', async () => {
    // Prepare: f spends 40 000, g 30 000; a return of 15 000 makes f the smaller spender.
    await apply(placed('cust-f', 'SEK', '2030-03-01T10:00:00.000Z', 40_000));
    await apply(placed('cust-g', 'SEK', '2030-03-01T11:00:00.000Z', 30_000));
    const monetaryOf = async () => (await report('SEK')).rfm.scores.monetary;
    const credit = (reason: 'return' | 'cancellation', net: number) =>
      eventLike('CreditNoteIssued', {
        customerId: 'cust-f',
        currency: 'SEK',
        reason,
        subtotal: -net,
        discount: 0,
        tax: 0,
        total: -net,
        lines: [{ sku: 'A', quantity: 1, net: -net, tax: 0 }],
      });
    const before = await monetaryOf();
    // Act
    expect(await apply(credit('cancellation', 15_000))).toBe('applied');
    expect(await monetaryOf()).toEqual(before);
    expect(await apply(credit('return', 15_000))).toBe('applied');
    // Assess: f (25 000) now scores below g (30 000): bucket of 25 000 holds the lower score.
    const monetary = (await report('SEK')).rfm.scores.monetary;
    const scoreOf = (v: number) => monetary.find((s) => (s.min ?? 0) <= v && v <= s.max)?.score;
    expect(scoreOf(25_000)).toBeLessThan(scoreOf(30_000) ?? 0);
  });

  it('keeps counts exact under concurrent deliveries of many customers’ events (SQS redelivers failures)', async () => {
    // Prepare: 40 customers, 1–3 orders each, some cancelled, all in the same few cells and months.
    const events: Envelope[] = [];
    const live = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const customer = `cust-burst-${i}`;
      const orders = [1, 2, 3]
        .slice(0, 1 + (i % 3))
        .map((n) => placed(customer, 'CHF', `2030-0${3 + n}-0${1 + (i % 5)}T10:00:00.000Z`, 1000 * n));
      events.push(...orders);
      const cancelSecond = i % 4 === 0 && orders.length > 1;
      if (cancelSecond && orders[1]) events.push(cancelled(orders[1]));
      live.set(customer, orders.length - (cancelSecond ? 1 : 0));
    }
    // Act: deliveries in parallel, a failed one redelivered as SQS would.
    const deliver = async (event: Envelope) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await apply(event);
        } catch (error) {
          if (attempt >= 20) throw error;
        }
      }
    };
    await Promise.all(events.map(deliver));
    // Assess
    const r = await report('CHF');
    expect(r.rfm.customers).toBe(40);
    expect(cellTotal(r)).toBe(40);
    const byFrequency = Object.fromEntries(r.rfm.scores.frequency.map((s) => [s.min, s.customers]));
    const expected = [1, 2, 3].map((n) => [...live.values()].filter((v) => v === n).length);
    expect([byFrequency[1], byFrequency[2], byFrequency[3] ?? 0]).toEqual(expected);
    // Every customer's first order is in April: one cohort of 40; retained per month counts orders placed.
    const april = r.cohorts.find((row) => row.cohort === '2030-04');
    expect(april?.customers).toBe(40);
    expect(april?.retained).toEqual([40, 26, 13]); // 14 customers with 1 order, 13 with 2, 13 with 3
  });
});
