import { describe, expect, it, vi } from 'vitest';
import { daysBetween, MAX_REPORT_DAYS, SalesQuery } from '#functions/reports/contract.ts';
import { eventLike } from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'unit-table';
});
const { cancelledDelta, counterUpdates, datesOf, placedDelta, utcDay } = await import(
  '#functions/reports/sales.ts'
);

describe('Contract: GET /reports/sales query', () => {
  it('accepts a range of up to 366 days, both ends included', () => {
    expect(SalesQuery.safeParse({ from: '2028-01-01', to: '2028-12-31' }).success).toBe(true);
    expect(daysBetween('2028-01-01', '2028-12-31')).toBe(MAX_REPORT_DAYS);
    expect(SalesQuery.safeParse({ from: '2027-01-01', to: '2028-01-01' }).success).toBe(true);
  });

  it.each([
    ['`to` before `from`', { from: '2026-02-01', to: '2026-01-31' }],
    ['more than 366 days', { from: '2026-01-01', to: '2027-01-03' }],
    ['an impossible date', { from: '2026-02-30', to: '2026-03-01' }],
    ['a timestamp', { from: '2026-01-01T00:00:00Z', to: '2026-01-02' }],
    ['a missing end', { from: '2026-01-01' }],
    // Other unknown parameters are ignored (docs/api.md); a customer filter it would drop is refused.
    ['a customerId it does not filter by', { from: '2026-01-01', to: '2026-01-02', customerId: 'c-1' }],
  ])('refuses %s', (_what, query) => {
    expect(SalesQuery.safeParse(query).success).toBe(false);
  });
});

describe('Module: reports/sales', () => {
  it('lists every day of a range, across month and year ends', () => {
    expect(datesOf('2027-12-30', '2028-01-02')).toEqual([
      '2027-12-30',
      '2027-12-31',
      '2028-01-01',
      '2028-01-02',
    ]);
    expect(datesOf('2028-02-28', '2028-03-01')).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
  });

  it('files an order under the UTC day it was placed, whatever the offset it was written with', () => {
    expect(utcDay('2026-03-01T23:30:00-02:00')).toBe('2026-03-02');
    expect(utcDay('2026-03-01T00:10:00.000Z')).toBe('2026-03-01');
  });

  it('adds an order to its channel’s row only (no row every order writes), money per currency', () => {
    const event = eventLike('OrderPlaced', {
      channel: 'phone',
      currency: 'GBP',
      placedAt: '2026-05-05T10:00:00.000Z',
      lines: [
        { sku: 'A', name: 'A', quantity: 2, unitPrice: 100, lineTotal: 200 },
        { sku: 'B', name: 'B', quantity: 1, unitPrice: 300, lineTotal: 300 },
      ],
      subtotal: 500,
      discount: 50,
      total: 450,
    });
    const delta = placedDelta(event);
    expect(delta).toEqual({
      date: '2026-05-05',
      channel: 'phone',
      currency: 'GBP',
      counts: { orders: 1, units: 3 },
      money: { revenue: 450, discounts: 50 },
    });
    const updates = counterUpdates(delta, '2026-05-05T10:00:01.000Z');
    expect(updates.map((u) => u.Update?.Key)).toEqual([{ pk: 'SALES#2026-05-05', sk: 'CHANNEL#phone' }]);
    expect(updates[0]?.Update?.UpdateExpression).toMatch(
      /ADD orders :orders, units :units, #revenue :revenue/,
    );
    expect(updates[0]?.Update?.ExpressionAttributeNames).toMatchObject({
      '#revenue': 'revenue#GBP',
      '#discounts': 'discounts#GBP',
    });
  });

  it('counts a cancellation on the day it was cancelled', () => {
    const event = eventLike('OrderCancelled', { cancelledAt: '2026-05-06T00:00:00.000Z', total: 450 });
    expect(cancelledDelta(event)).toMatchObject({
      date: '2026-05-06',
      counts: { cancellations: 1 },
      money: { cancelledRevenue: 450 },
    });
  });
});
