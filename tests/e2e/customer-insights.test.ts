/**
 * Customer insights on the local runtime, over HTTP only: three customers with known orders (one
 * cancelled) in a currency no other test uses → the expected RFM cells, segments and cohort row,
 * once the customer-insights consumer has applied the order events. Staff only; bad queries are 400.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
/** Mauritian rupees: a market of its own, so other tests' orders do not enter this report. */
const CURRENCY = 'MUR';
let staff: string;

const address = {
  name: 'Ada',
  line1: '1 Royal Road',
  city: 'Port Louis',
  postalCode: '11328',
  country: 'MU',
};

interface Report {
  currency: string;
  rfm: {
    customers: number;
    cells: { recency: number; frequency: number; monetary: number; segment: string; customers: number }[];
    segments: Record<string, number>;
    scores: { frequency: { score: number; min: number | null; max: number; customers: number }[] };
  };
  cohorts: { cohort: string; customers: number; retained: number[] }[];
}

async function product(price: number): Promise<string> {
  const sku = uniqueId('RFM');
  const put = await api.request('PUT', `/products/${sku}`, {
    token: staff,
    body: { name: `Thing ${sku}`, price, currency: CURRENCY },
  });
  expect(put.status).toBe(201);
  const moved = await api.request('POST', `/products/${sku}/stock-movements`, {
    token: staff,
    body: { quantity: 50, reason: 'receipt' },
  });
  expect(moved.status).toBe(201);
  return sku;
}

async function order(token: string, sku: string, quantity: number): Promise<string> {
  const res = await api.request<{ id: string }>('POST', '/orders', {
    token,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: { lines: [{ sku, quantity }], shippingAddress: address },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

beforeAll(async () => {
  staff = await api.token('staff-insights-e2e', ['staff']);
});

describe('Local runtime: customer insights', () => {
  it('reports known customers in their RFM cells and this month’s cohort', async () => {
    // Prepare: a costs 3 × 1 000 (three orders), b 2 000 (one order), c 1 000 (two orders, one cancelled).
    const sku = await product(1000);
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((n) => api.token(uniqueId(`insights-${n}`).toLowerCase())),
    );
    if (!a || !b || !c) throw new Error('tokens');
    for (let i = 0; i < 3; i++) await order(a, sku, 1);
    await order(b, sku, 2);
    await order(c, sku, 1);
    const voided = await order(c, sku, 5);
    expect((await api.request('POST', `/orders/${voided}/cancel`, { token: c })).status).toBe(200);

    // Act: the report once the consumer has applied all seven events.
    const expectedCells = [
      // R: all three last ordered this month (tied, mid-rank → 3). F: 1, 1, 3 orders → 2, 2, 5.
      // M: 1 000, 2 000, 3 000 → 1, 3, 5. Segment from (R, ⌈(F+M)/2⌉).
      { recency: 3, frequency: 5, monetary: 5, segment: 'loyal_customers', customers: 1 },
      { recency: 3, frequency: 2, monetary: 3, segment: 'need_attention', customers: 1 },
      { recency: 3, frequency: 2, monetary: 1, segment: 'about_to_sleep', customers: 1 },
    ];
    const read = async () => {
      const res = await api.request<Report>('GET', `/reports/customers?currency=${CURRENCY}&months=2`, {
        token: staff,
      });
      expect(res.status).toBe(200);
      return res.body;
    };
    const report = await eventually(
      async () => {
        const body = await read();
        return JSON.stringify(body.rfm.cells) === JSON.stringify(expectedCells) ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the insights report to reflect the orders' },
    ).catch(async (error: unknown) => {
      // Say what the report shows instead, not only that it timed out.
      expect((await read()).rfm.cells).toEqual(expectedCells);
      throw error;
    });

    // Assess
    const month = new Date().toISOString().slice(0, 7);
    expect(report.currency).toBe(CURRENCY);
    expect(report.rfm.customers).toBe(3);
    expect(report.rfm.segments).toMatchObject({
      loyal_customers: 1,
      need_attention: 1,
      about_to_sleep: 1,
      champions: 0,
    });
    expect(report.rfm.scores.frequency).toEqual([
      { score: 2, customers: 2, min: 1, max: 1 },
      { score: 5, customers: 1, min: 3, max: 3 },
    ]);
    expect(report.cohorts).toHaveLength(2);
    expect(report.cohorts.at(-1)).toEqual({ cohort: month, customers: 3, retained: [3] });
  }, 120_000);

  it('is for staff only and validates its query', async () => {
    const customer = await api.token(uniqueId('insights-nosy').toLowerCase());
    expect(
      (await api.request('GET', `/reports/customers?currency=${CURRENCY}`, { token: customer })).status,
    ).toBe(403);
    for (const query of [
      '',
      '?currency=eur',
      '?currency=XXQ',
      `?currency=${CURRENCY}&months=0`,
      `?currency=${CURRENCY}&months=37`,
    ]) {
      const res = await api.request<{ code: string }>('GET', `/reports/customers${query}`, { token: staff });
      expect(res.status, query).toBe(400);
    }
  });
});
