import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { salesReports } from '#functions/reports/consumer.ts';
import { readSalesReport, salesKey } from '#functions/reports/sales.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, sqsRecordFor, uniqueOrderId } from '../../support/backbone.ts';

const line = (sku: string, quantity: number, unitPrice: number) => ({
  sku,
  name: sku,
  quantity,
  unitPrice,
  lineTotal: quantity * unitPrice,
});

function placed(day: string, channel: 'web' | 'phone', quantity: number, discount: number, currency = 'EUR') {
  const subtotal = quantity * 1000;
  return eventLike('OrderPlaced', {
    orderId: uniqueOrderId(),
    channel,
    currency,
    lines: [line('SKU-A', quantity, 1000)],
    subtotal,
    discount,
    total: subtotal - discount,
    placedAt: `${day}T23:59:59.000Z`,
  });
}

function cancelled(of: ReturnType<typeof placed>, day: string) {
  const { placedAt: _placedAt, shippingAddress: _address, ...summary } = of.data;
  return eventLike('OrderCancelled', {
    ...summary,
    cancelledAt: `${day}T00:00:01.000Z`,
    previousStatus: 'CONFIRMED',
    cancelledBy: 'staff-1',
  });
}

const apply = (event: Parameters<typeof sqsRecordFor>[0]) => salesReports.processRecord(sqsRecordFor(event));

describe('Consumer: salesReports (DynamoDB Local)', () => {
  it('counts orders, units, revenue, discounts and cancellations per UTC day and channel', async () => {
    // Prepare
    const a = placed('2031-01-10', 'web', 2, 500);
    const b = placed('2031-01-10', 'phone', 1, 0);
    const c = placed('2031-01-11', 'web', 3, 0, 'USD');
    // Act
    for (const event of [a, b, c, cancelled(a, '2031-01-11')]) expect(await apply(event)).toBe('applied');
    const report = await readSalesReport('2031-01-09', '2031-01-11');
    // Assess
    expect(report.days.map((d) => d.date)).toEqual(['2031-01-09', '2031-01-10', '2031-01-11']);
    const [empty, first, second] = report.days;
    expect(empty).toMatchObject({ orders: 0, units: 0, revenue: {}, channels: {} });
    expect(first).toMatchObject({
      orders: 2,
      units: 3,
      revenue: { EUR: 1500 + 1000 },
      discounts: { EUR: 500 },
      cancellations: 0,
      channels: {
        web: { orders: 1, units: 2, revenue: { EUR: 1500 }, discounts: { EUR: 500 } },
        phone: { orders: 1, units: 1, revenue: { EUR: 1000 } },
      },
    });
    expect(second).toMatchObject({
      orders: 1,
      units: 3,
      revenue: { USD: 3000 },
      cancellations: 1,
      cancelledUnits: 2,
      cancelledRevenue: { EUR: 1500 },
      channels: { web: { orders: 1, cancellations: 1 } },
    });
    expect(report.totals).toMatchObject({
      orders: 3,
      units: 6,
      revenue: { EUR: 2500, USD: 3000 },
      cancellations: 1,
      channels: { web: { orders: 2, units: 5 }, phone: { orders: 1 } },
    });
  });

  it('counts a redelivered event once', async () => {
    // Prepare
    const event = placed('2031-02-01', 'web', 4, 100);
    await apply(event);
    const before = await ddb.send(
      new GetCommand({ TableName: tableName, Key: salesKey('2031-02-01', 'web') }),
    );
    // Act
    const outcomes = [await apply(event), await apply(event)];
    // Assess
    expect(outcomes).toEqual(['duplicate', 'duplicate']);
    const after = await ddb.send(
      new GetCommand({ TableName: tableName, Key: salesKey('2031-02-01', 'web') }),
    );
    expect(after.Item).toEqual(before.Item);
    expect(after.Item).toMatchObject({ orders: 1, units: 4, 'revenue#EUR': 3900, 'discounts#EUR': 100 });
  });

  it('counts concurrent deliveries of different events exactly', async () => {
    const events = Array.from({ length: 12 }, () => placed('2031-03-01', 'web', 1, 0));
    await Promise.all([...events, ...events].map(apply));
    const report = await readSalesReport('2031-03-01', '2031-03-01');
    expect(report.totals).toMatchObject({ orders: 12, units: 12, revenue: { EUR: 12_000 } });
  });

  it('reads a year of days by key', async () => {
    await apply(placed('2031-12-31', 'phone', 1, 0));
    const report = await readSalesReport('2031-01-01', '2031-12-31');
    expect(report.days).toHaveLength(365);
    expect(report.days.at(-1)).toMatchObject({ date: '2031-12-31', orders: 1 });
  });
});
