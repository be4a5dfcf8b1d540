import { describe, expect, it } from 'vitest';
import { ListOrdersQuery } from '#functions/orders/contract.ts';
import { SalesQuery } from '#functions/reports/contract.ts';
import { PageQuery, queryInt } from '#shared/schemas.ts';

describe('Function: queryInt', () => {
  const limit = queryInt(1, 100);

  it.each(['1', '20', '100', '007'])('accepts decimal digits: %s', (value) => {
    expect(limit.parse(value)).toBe(Number(value));
  });

  it.each([
    ['an exponent', '1e1'],
    ['hex', '0x10'],
    ['binary', '0b11'],
    ['a sign', '+5'],
    ['a negative', '-5'],
    ['a fraction', '5.0'],
    ['spaces', ' 5'],
    ['nothing', ''],
    ['two values joined by API Gateway', '10,20'],
    ['Infinity', 'Infinity'],
  ])('refuses %s (%s)', (_what, value) => {
    expect(limit.safeParse(value).success).toBe(false);
  });

  it('refuses digits out of range', () => {
    expect(limit.safeParse('0').success).toBe(false);
    expect(limit.safeParse('101').success).toBe(false);
  });
});

describe('Function: queryParams', () => {
  it('ignores parameters a route does not declare, so cache-busters do not break clients', () => {
    expect(PageQuery.parse({ limit: '5', _: '1700000000', utm_source: 'mail' })).toEqual({ limit: 5 });
    expect(SalesQuery.parse({ from: '2026-01-01', to: '2026-01-02', channel: 'web' })).toEqual({
      from: '2026-01-01',
      to: '2026-01-02',
    });
  });

  it('fills defaults and keeps only declared parameters', () => {
    expect(PageQuery.parse({})).toEqual({ limit: 20 });
    expect(ListOrdersQuery.parse({ customerId: 'c-1', cursor: 'abc' })).toEqual({
      limit: 20,
      cursor: 'abc',
      customerId: 'c-1',
    });
  });

  it('refuses a security-relevant name where the route does not take it, in any case', () => {
    for (const name of ['customerId', 'customerid', 'CUSTOMERID']) {
      const result = PageQuery.safeParse({ [name]: 'c-2' });
      expect(result.success, name).toBe(false);
      expect(result.error?.issues[0]?.path, name).toEqual([name]);
    }
  });

  it('refuses a mistyped security-relevant name on a route that declares it in another case', () => {
    // `?customerid=` silently dropped would list the caller's own orders as if filtered.
    expect(ListOrdersQuery.safeParse({ customerid: 'c-2' }).success).toBe(false);
    expect(ListOrdersQuery.safeParse({ customerId: 'c-2' }).success).toBe(true);
  });

  it('refuses a non-decimal limit on every list', () => {
    expect(ListOrdersQuery.safeParse({ limit: '1e1' }).success).toBe(false);
    expect(PageQuery.safeParse({ limit: '0x10' }).success).toBe(false);
  });
});
