/**
 * The event backbone on the local runtime, over HTTP only: an order placed through the API is
 * published from the outbox, routed by the bus to the fulfilment and sales-reports queues, and
 * applied by both consumers within seconds.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { functionEntries } from '#infra/topology.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let staff: string;
let customer: string;

interface SalesCounters {
  orders: number;
  units: number;
  revenue: Record<string, number>;
  channels: Record<string, { orders: number; units: number; revenue: Record<string, number> }>;
}
interface SalesReport {
  days: (SalesCounters & { date: string })[];
  totals: SalesCounters;
}
interface BusDelivery {
  event: { 'detail-type': string; detail: { id: string; correlationId: string; data: { orderId?: string } } };
  consumers: string[];
}

const today = () => new Date().toISOString().slice(0, 10);
const salesToday = async () => {
  const res = await api.request<SalesReport>('GET', `/reports/sales?from=${today()}&to=${today()}`, {
    token: staff,
  });
  expect(res.status).toBe(200);
  return res.body.totals;
};

async function stockedProduct(price: number): Promise<string> {
  const sku = uniqueId('BB');
  expect(
    (
      await api.request('PUT', `/products/${sku}`, {
        token: staff,
        body: { name: `Thing ${sku}`, price, currency: 'EUR' },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await api.request('POST', `/products/${sku}/stock-movements`, {
        token: staff,
        body: { quantity: 50, reason: 'receipt' },
      })
    ).status,
  ).toBe(201);
  return sku;
}

beforeAll(async () => {
  staff = await api.token('staff-backbone-e2e', ['staff']);
  customer = await api.token(uniqueId('cust').toLowerCase());
});

describe('Local runtime: event backbone', () => {
  it('fulfils an order placed over HTTP and counts it in the sales report within seconds', async () => {
    // Prepare
    const sku = await stockedProduct(1250);
    const before = await salesToday();
    // Act
    const placed = await api.request<{ id: string; status: string }>('POST', '/orders', {
      token: customer,
      headers: { 'idempotency-key': uniqueId('key') },
      body: {
        lines: [{ sku, quantity: 3 }],
        channel: 'mobile',
        shippingAddress: {
          name: 'Ada',
          line1: '1 Main St',
          city: 'Paris',
          postalCode: '75001',
          country: 'FR',
        },
      },
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.id;
    // Assess: the fulfilment consumer moved it on
    const fulfilling = await eventually(
      async () => {
        const res = await api.request<{ status: string; history: { status: string }[] }>(
          'GET',
          `/orders/${orderId}`,
          {
            token: customer,
          },
        );
        return res.body.status === 'FULFILLING' ? res.body : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: `order ${orderId} to be FULFILLING` },
    );
    expect(fulfilling.history.map((h) => h.status)).toEqual(['CONFIRMED', 'FULFILLING']);
    // … and the sales-reports consumer counted it
    // Counters only grow, and other tests place orders too: wait for ours to be in the deltas.
    const mobile = (totals: SalesCounters) => totals.channels.mobile ?? { orders: 0, units: 0, revenue: {} };
    const counted = await eventually(
      async () => {
        const now = mobile(await salesToday());
        const was = mobile(before);
        const counts =
          now.orders - was.orders >= 1 &&
          now.units - was.units >= 3 &&
          (now.revenue.EUR ?? 0) - (was.revenue.EUR ?? 0) >= 3750;
        return counts ? now : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'the order in GET /reports/sales' },
    );
    expect(counted.orders).toBeGreaterThan(0);
  });

  it('carries the placing request’s correlation id to the events the order causes downstream', async () => {
    const sku = await stockedProduct(500);
    const placed = await api.request<{ id: string }>('POST', '/orders', {
      token: customer,
      headers: { 'idempotency-key': uniqueId('key') },
      body: {
        lines: [{ sku, quantity: 1 }],
        shippingAddress: {
          name: 'Ada',
          line1: '1 Main St',
          city: 'Paris',
          postalCode: '75001',
          country: 'FR',
        },
      },
    });
    expect(placed.status).toBe(201);
    const deliveries = await eventually(
      async () => {
        const res = await api.request<{ events: BusDelivery[] }>('GET', '/_local/events?limit=1000');
        const about = res.body.events.filter((d) => d.event.detail.data.orderId === placed.body.id);
        return about.some((d) => d.event['detail-type'] === 'FulfilmentStarted') ? about : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'FulfilmentStarted on the bus' },
    );
    const byType = Object.fromEntries(deliveries.map((d) => [d.event['detail-type'], d]));
    // Every consumer the topology subscribes to OrderPlaced (fulfilment, salesReports and later ones).
    const subscribers = functionEntries()
      .filter(([, fn]) => fn.consumer?.events.some((e) => e.detailTypes.includes('OrderPlaced')))
      .map(([name]) => name);
    expect(subscribers).toEqual(expect.arrayContaining(['fulfilment', 'salesReports']));
    expect(byType.OrderPlaced?.consumers.sort()).toEqual(subscribers.sort());
    // The request id API Gateway answered with is the correlation id of every event it caused.
    const requestId = placed.headers.get('apigw-requestid');
    expect(requestId).toBeTruthy();
    expect(byType.OrderPlaced?.event.detail.correlationId).toBe(requestId);
    expect(byType.FulfilmentStarted?.event.detail.correlationId).toBe(requestId);
  });

  it('serves the sales report to staff only, for a valid range of at most 366 days', async () => {
    expect(
      (await api.request('GET', `/reports/sales?from=${today()}&to=${today()}`, { token: customer })).status,
    ).toBe(403);
    expect((await api.request('GET', `/reports/sales?from=${today()}&to=${today()}`)).status).toBe(401);
    for (const query of [
      'from=2026-02-01&to=2026-01-01',
      'from=2024-01-01&to=2026-01-01',
      'from=2026-13-01&to=2026-13-02',
      'from=2026-01-01',
    ]) {
      const res = await api.request('GET', `/reports/sales?${query}`, { token: staff });
      expect(res.status, query).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    const year = await api.request<SalesReport>('GET', '/reports/sales?from=2025-01-01&to=2025-12-31', {
      token: staff,
    });
    expect(year.status).toBe(200);
    expect(year.body.days).toHaveLength(365);
  });

  it('shows each consumer queue and its DLQ, and the dlq command lists them', async () => {
    const res = await api.request<{
      queues: { consumer: string; dlq: { name: string; messages: number } }[];
    }>('GET', '/_local/queues');
    expect(res.status).toBe(200);
    expect(res.body.queues.map((q) => [q.consumer, q.dlq.name])).toEqual(
      expect.arrayContaining([
        ['fulfilment', 'fulfilment-dlq'],
        ['salesReports', 'salesReports-dlq'],
      ]),
    );
    expect((await api.request('GET', '/_local/queues/fulfilment/dlq')).body).toMatchObject({ items: [] });
    expect((await api.request('POST', '/_local/queues/fulfilment/redrive')).body).toMatchObject({ moved: 0 });
    expect((await api.request('GET', '/_local/queues/nope/dlq')).status).toBe(404);

    const dlq = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['infra/local/dlq-cli.ts', ...args, '--url', api.baseUrl], {
        cwd: ROOT,
      });
    const listed = await dlq('list');
    expect(listed.stdout).toMatch(/^consumer\s+queued\s+in flight\s+in DLQ/m);
    expect(listed.stdout).toMatch(/^fulfilment\s+\d+\s+\d+\s+0/m);
    expect((await dlq('show', 'salesReports')).stdout).toMatch(/^salesReports-dlq: 0 message\(s\)/m);
    expect((await dlq('redrive', 'salesReports')).stdout).toMatch(
      /moved 0 message\(s\) back to salesReports/,
    );
    await expect(dlq('show', 'nope')).rejects.toMatchObject({ code: 1 });
  });
});
