import { describe, expect, it } from 'vitest';
import { OrderId } from '#functions/orders/contract.ts';
import { orderRequestHash } from '#functions/orders/rules.ts';
import { canonicalJson, idempotentId, requestHash } from '#shared/idempotency.ts';

describe('Function: canonicalJson', () => {
  it('serialises equal values identically whatever their key order, dropping undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(requestHash({ a: 1, b: 2 })).toBe(requestHash({ b: 2, a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });
});

describe('Function: idempotentId', () => {
  it('is stable for the same principal and key, and looks like a ULID', () => {
    const id = idempotentId('order', 'customer-1', 'key-1');
    expect(id).toBe(idempotentId('order', 'customer-1', 'key-1'));
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(OrderId.safeParse(id).success).toBe(true);
  });

  it('differs per principal, per key and per namespace, with no ambiguity at the joins', () => {
    const ids = new Set([
      idempotentId('order', 'customer-1', 'key-1'),
      idempotentId('order', 'customer-2', 'key-1'),
      idempotentId('order', 'customer-1', 'key-2'),
      idempotentId('stock-movement', 'customer-1', 'key-1'),
      idempotentId('order', 'a|b', 'c'),
      idempotentId('order', 'a', 'b|c'),
    ]);
    expect(ids.size).toBe(6);
  });
});

describe('Function: orderRequestHash', () => {
  const input = {
    lines: [{ sku: 'A', quantity: 1 }],
    channel: 'web',
    shippingAddress: { name: 'N', line1: 'L', city: 'C', postalCode: 'P', country: 'DE' },
  };

  it('fingerprints what a retry must repeat: customer, lines, coupon, channel, address', () => {
    const base = orderRequestHash('c-1', input);
    expect(orderRequestHash('c-1', { ...input, shippingAddress: { ...input.shippingAddress } })).toBe(base);
    expect(orderRequestHash('c-2', input)).not.toBe(base);
    expect(orderRequestHash('c-1', { ...input, lines: [{ sku: 'A', quantity: 2 }] })).not.toBe(base);
    expect(orderRequestHash('c-1', { ...input, couponCode: 'X' })).not.toBe(base);
    expect(orderRequestHash('c-1', { ...input, channel: 'phone' })).not.toBe(base);
  });
});
