/**
 * Coupon redemption against DynamoDB Local: every term and both limits are conditions of the ONE
 * transaction that places the order (or redeems directly), so concurrent orders never exceed a
 * limit and a refused coupon reserves no stock; a cancellation gives the redemption back once.
 * The condition tests commit writes planned on a reading the table no longer matches, so they
 * prove the transaction's conditions, not the pre-check before it.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { readStockLedger } from '#functions/catalog/movements.ts';
import { getProductWithStock } from '#functions/catalog/products.ts';
import type { CouponInput } from '#functions/coupons/contract.ts';
import { getCoupon, getCustomerRedemptions, listRedemptions } from '#functions/coupons/coupons.ts';
import { planRedemption } from '#functions/coupons/redeem.ts';
import { redeemDirect, saveCoupon } from '#functions/coupons/service.ts';
import { placeOrder } from '#functions/orders/intake.ts';
import { cancelOrder } from '#functions/orders/lifecycle.ts';
import { getOrder } from '#functions/orders/orders.ts';
import { segmentMemberKey } from '#functions/segments/keys.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { transactWrite } from '#shared/transactions.ts';
import { expectStockConserved } from '../../support/invariant.ts';
import { customer, orderInput, outbox, settle, staff, stockedProduct } from '../orders/fixtures.ts';

let codes = 0;
const newCode = (prefix = 'C') => `${prefix}${++codes}x${Math.random().toString(36).slice(2, 7)}`;

async function coupon(input: Partial<CouponInput> = {}, code = newCode()): Promise<string> {
  const saved = await saveCoupon(code, { kind: 'percent', value: 10, ...input } as CouponInput, {
    source: 'staff',
    at: new Date().toISOString(),
  });
  expect(saved.kind).toBe('created');
  return code;
}

const place = (
  principal: Principal,
  sku: string,
  couponCode?: string,
  key: string = crypto.randomUUID(),
  quantity = 1,
) =>
  placeOrder({
    principal,
    idempotencyKey: key,
    input: orderInput([{ sku, quantity }], couponCode === undefined ? {} : { couponCode }),
    correlationId: `req-${key}`,
  });

const reservedOf = async (sku: string) => (await getProductWithStock(sku))!.stock.reserved;

describe('Module: coupons/redemption in order intake (DynamoDB Local)', () => {
  it('discounts the order server-side, counts the redemption twice, records it and emits CouponRedeemed', async () => {
    // Prepare: 10 % of 2 × 1235 = 247 (rounded half up from 247.0).
    const sku = await stockedProduct({ price: 1235, stock: 10 });
    const code = await coupon({ kind: 'percent', value: 10 }, newCode('Spring'));
    // Act: the code in another case.
    const { order } = await place(customer('c-1'), sku, code.toLowerCase(), undefined, 2);
    // Assess
    expect(order).toMatchObject({
      subtotal: 2470,
      discount: 247,
      total: 2223,
      couponCode: code.toLowerCase(),
    });
    expect(await getOrder(order.id)).toEqual(order);
    expect((await getCoupon(code))?.redemptions).toBe(1);
    expect(await getCustomerRedemptions(code, 'c-1')).toBe(1);
    const page = await listRedemptions(code, { limit: 10 });
    expect(page.items).toEqual([
      expect.objectContaining({
        id: order.id,
        orderId: order.id,
        source: 'order',
        status: 'REDEEMED',
        discount: 247,
      }),
    ]);
    const redeemed = (await outbox()).filter(
      (r) => r.type === 'CouponRedeemed' && r.event.data.orderId === order.id,
    );
    expect(redeemed).toHaveLength(1);
    expect(redeemed[0]?.event.data).toMatchObject({
      code: code.toUpperCase(),
      customerId: 'c-1',
      discount: 247,
    });
  });

  it('caps a fixed coupon at the subtotal', async () => {
    const sku = await stockedProduct({ price: 300, stock: 5 });
    const code = await coupon({ kind: 'fixed', value: 500, currency: 'EUR' });
    const { order } = await place(customer('c-2'), sku, code);
    expect(order).toMatchObject({ subtotal: 300, discount: 300, total: 0 });
  });

  it.each([
    ['unknown', null],
    ['inactive', { active: false }],
    ['not yet valid', { validFrom: '2999-01-01T00:00:00Z' }],
    ['expired', { validUntil: '2001-01-01T00:00:00Z' }],
    ['below its minimum', { minSubtotal: 5000, currency: 'EUR' }],
    ['in another currency', { kind: 'fixed', value: 100, currency: 'USD' }],
    ['for a segment the customer is not in', { segmentId: 'vip' }],
  ] as const)('refuses a coupon %s with 422 COUPON_NOT_APPLICABLE and reserves nothing', async (_, terms) => {
    const sku = await stockedProduct({ price: 1000, stock: 5 });
    const code = terms === null ? newCode('NONE') : await coupon(terms as Partial<CouponInput>);
    await expect(place(customer('c-3'), sku, code)).rejects.toMatchObject({
      code: 'COUPON_NOT_APPLICABLE',
      status: 422,
      extra: { couponCode: code },
    });
    expect(await reservedOf(sku)).toBe(0);
  });

  it('lets a member of the coupon’s segment redeem it', async () => {
    const sku = await stockedProduct({ price: 1000, stock: 5 });
    const code = await coupon({ segmentId: 'gold' });
    await ddb.send(new PutCommand({ TableName: tableName, Item: { ...segmentMemberKey('gold', 'c-gold') } }));
    const { order } = await place(customer('c-gold'), sku, code);
    expect(order.discount).toBe(100);
  });

  it('maxRedemptions 1: of 40 concurrent orders exactly one carries the discount, the rest COUPON_EXHAUSTED, no stock reserved for them', async () => {
    // Prepare
    const sku = await stockedProduct({ price: 1000, stock: 100 });
    const code = await coupon({ maxRedemptions: 1 });
    // Act
    const outcome = await settle(
      Array.from({ length: 40 }, (_, i) => place(customer(`burst-${i}`), sku, code)),
    );
    // Assess
    expect(outcome.codes).toEqual({ ok: 1, COUPON_EXHAUSTED: 39 });
    expect(outcome.values[0]?.order.discount).toBe(100);
    expect(await reservedOf(sku)).toBe(1);
    expect((await getCoupon(code))?.redemptions).toBe(1);
    expect((await listRedemptions(code, { limit: 100 })).items).toHaveLength(1);
    expectStockConserved(await readStockLedger(sku));
  });

  it('perCustomerLimit 2: of 20 concurrent orders by one customer exactly two succeed', async () => {
    const sku = await stockedProduct({ price: 1000, stock: 100 });
    const code = await coupon({ perCustomerLimit: 2 });
    const outcome = await settle(Array.from({ length: 20 }, () => place(customer('greedy'), sku, code)));
    expect(outcome.codes).toEqual({ ok: 2, COUPON_LIMIT_REACHED: 18 });
    expect(await getCustomerRedemptions(code, 'greedy')).toBe(2);
    expect(await reservedOf(sku)).toBe(2);
    // Another customer is not limited by the first one's count.
    await expect(place(customer('other'), sku, code)).resolves.toMatchObject({ created: true });
  });

  it('a retry of an order placed with the last redemption answers the order, not COUPON_EXHAUSTED', async () => {
    const sku = await stockedProduct({ price: 1000, stock: 5 });
    const code = await coupon({ maxRedemptions: 1 });
    const key = crypto.randomUUID();
    const first = await place(customer('c-4'), sku, code, key);
    const retry = await place(customer('c-4'), sku, code, key);
    expect(retry).toEqual({ created: false, order: first.order });
    expect((await getCoupon(code))?.redemptions).toBe(1);
  });

  it('cancelling gives the redemption back exactly once; a second cancel is INVALID_STATE and releases nothing', async () => {
    // Prepare
    const sku = await stockedProduct({ price: 1000, stock: 5 });
    const code = await coupon({ maxRedemptions: 1, perCustomerLimit: 1 });
    const { order } = await place(customer('c-5'), sku, code);
    // Act
    await cancelOrder({ orderId: order.id, principal: customer('c-5'), correlationId: 'cancel-1' });
    const again = await settle([
      cancelOrder({ orderId: order.id, principal: customer('c-5'), correlationId: 'cancel-2' }),
      cancelOrder({ orderId: order.id, principal: staff(), correlationId: 'cancel-3' }),
    ]);
    // Assess
    expect(again.codes).toEqual({ INVALID_STATE: 2 });
    expect((await getCoupon(code))?.redemptions).toBe(0);
    expect(await getCustomerRedemptions(code, 'c-5')).toBe(0);
    expect((await listRedemptions(code, { limit: 10 })).items).toEqual([
      expect.objectContaining({ id: order.id, status: 'RELEASED', releasedAt: expect.any(String) }),
    ]);
    const released = (await outbox()).filter(
      (r) => r.type === 'CouponRedemptionReleased' && r.event.data.orderId === order.id,
    );
    expect(released).toHaveLength(1);
    // The redemption can be used again, by the same customer too.
    await expect(place(customer('c-5'), sku, code)).resolves.toMatchObject({ created: true });
  });

  it('cancel + re-order cycles never exceed the limit, and the counters equal the live redemptions', async () => {
    const sku = await stockedProduct({ price: 1000, stock: 200 });
    const code = await coupon({ maxRedemptions: 3, perCustomerLimit: 2 });
    const people = ['p-1', 'p-2', 'p-3', 'p-4'];
    for (let round = 0; round < 4; round++) {
      const placed = await settle(
        people.flatMap((p) => [place(customer(p), sku, code), place(customer(p), sku, code)]),
      );
      expect(placed.count('ok')).toBeLessThanOrEqual(3);
      const live = (await listRedemptions(code, { limit: 100 })).items.filter((r) => r.status === 'REDEEMED');
      expect(live.length).toBeLessThanOrEqual(3);
      expect((await getCoupon(code))?.redemptions).toBe(live.length);
      for (const p of people) {
        const mine = live.filter((r) => r.customerId === p).length;
        expect(mine).toBeLessThanOrEqual(2);
        expect(await getCustomerRedemptions(code, p)).toBe(mine);
      }
      // Cancel some of the live ones concurrently (with repeats), then go again.
      const victims = live.slice(0, round % 2 === 0 ? live.length : 1);
      await settle(
        victims.flatMap((r) => [
          cancelOrder({ orderId: r.id, principal: staff(), correlationId: `c-${round}` }),
          cancelOrder({ orderId: r.id, principal: customer(r.customerId), correlationId: `c2-${round}` }),
        ]),
      );
    }
    const final = (await listRedemptions(code, { limit: 100 })).items;
    const live = final.filter((r) => r.status === 'REDEEMED');
    expect((await getCoupon(code))?.redemptions).toBe(live.length);
    for (const p of people) {
      expect(await getCustomerRedemptions(code, p)).toBe(live.filter((r) => r.customerId === p).length);
    }
    expectStockConserved(await readStockLedger(sku));
  });

  it('lowering maxRedemptions below the count blocks further redemptions and takes nothing back', async () => {
    const sku = await stockedProduct({ price: 1000, stock: 10 });
    const code = await coupon({ maxRedemptions: 5 });
    await place(customer('l-1'), sku, code);
    await place(customer('l-2'), sku, code);
    const lowered = await saveCoupon(
      code,
      { kind: 'percent', value: 10, maxRedemptions: 1 },
      {
        source: 'staff',
        at: new Date().toISOString(),
      },
    );
    expect(lowered).toMatchObject({
      kind: 'updated',
      coupon: { redemptions: 2, maxRedemptions: 1, version: 2 },
    });
    await expect(place(customer('l-3'), sku, code)).rejects.toMatchObject({ code: 'COUPON_EXHAUSTED' });
  });
});

describe('Module: coupons/redemption conditions at commit (DynamoDB Local)', () => {
  const plan = (code: string, customerId: string, subtotal = 1000) =>
    planRedemption({
      code,
      customerId,
      id: crypto.randomUUID(),
      source: 'direct',
      subtotal,
      currency: 'EUR',
      now: new Date().toISOString(),
      by: customerId,
      correlationId: 'test',
    });

  const commit = async (p: Awaited<ReturnType<typeof plan>>) => {
    const outcome = await transactWrite(ddb, p.writes);
    return outcome.ok ? 'ok' : (await p.refusal(outcome.failed)).code;
  };

  it('the global limit: a redemption planned before the last one committed is COUPON_EXHAUSTED', async () => {
    const code = await coupon({ maxRedemptions: 1 });
    const [a, b] = [await plan(code, 'x-1'), await plan(code, 'x-2')];
    expect(await commit(a)).toBe('ok');
    expect(await commit(b)).toBe('COUPON_EXHAUSTED');
    expect((await getCoupon(code))?.redemptions).toBe(1);
  });

  it('the customer’s limit: COUPON_LIMIT_REACHED from the counter’s condition', async () => {
    const code = await coupon({ perCustomerLimit: 1 });
    const [a, b] = [await plan(code, 'y-1'), await plan(code, 'y-1')];
    expect(await commit(a)).toBe('ok');
    expect(await commit(b)).toBe('COUPON_LIMIT_REACHED');
    expect(await getCustomerRedemptions(code, 'y-1')).toBe(1);
  });

  it('terms changed since read (deactivated, window closed): COUPON_NOT_APPLICABLE, nothing counted', async () => {
    const code = await coupon({});
    const planned = await plan(code, 'z-1');
    await saveCoupon(
      code,
      { kind: 'percent', value: 10, active: false },
      { source: 'staff', at: new Date().toISOString() },
    );
    expect(await commit(planned)).toBe('COUPON_NOT_APPLICABLE');
    expect((await getCoupon(code))?.redemptions).toBe(0);
    expect(await getCustomerRedemptions(code, 'z-1')).toBe(0);
  });

  it('a segment member who left since: COUPON_NOT_APPLICABLE from the membership ConditionCheck', async () => {
    const code = await coupon({ segmentId: 'leavers' });
    await ddb.send(new PutCommand({ TableName: tableName, Item: { ...segmentMemberKey('leavers', 'w-1') } }));
    const planned = await plan(code, 'w-1');
    await ddb.send(new DeleteCommand({ TableName: tableName, Key: segmentMemberKey('leavers', 'w-1') }));
    expect(await commit(planned)).toBe('COUPON_NOT_APPLICABLE');
  });
});

describe('Module: coupons/direct redemption (DynamoDB Local)', () => {
  it('redeems in store under the same limits; a keyed retry answers the first redemption', async () => {
    const code = await coupon({ maxRedemptions: 1, minSubtotal: 2000, currency: 'EUR' });
    const key = crypto.randomUUID();
    const input = { subtotal: 2500, currency: 'EUR', orderId: 'till-1' };
    await expect(
      redeemDirect({
        code,
        principal: customer('d-1'),
        input: { subtotal: 1999, currency: 'EUR' },
        correlationId: 'r',
      }),
    ).rejects.toMatchObject({ code: 'COUPON_NOT_APPLICABLE' });
    const first = await redeemDirect({
      code,
      principal: customer('d-1'),
      input,
      idempotencyKey: key,
      correlationId: 'r',
    });
    expect(first).toMatchObject({
      created: true,
      redemption: { source: 'direct', discount: 250, orderId: 'till-1' },
    });
    const retry = await redeemDirect({
      code,
      principal: customer('d-1'),
      input,
      idempotencyKey: key,
      correlationId: 'r',
    });
    expect(retry).toEqual({ created: false, redemption: first.redemption });
    await expect(
      redeemDirect({
        code,
        principal: customer('d-1'),
        input: { ...input, orderId: 'till-2' },
        idempotencyKey: key,
        correlationId: 'r',
      }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    await expect(
      redeemDirect({ code, principal: staff(), input: { ...input, customerId: 'd-2' }, correlationId: 'r' }),
    ).rejects.toMatchObject({ code: 'COUPON_EXHAUSTED' });
    await expect(
      redeemDirect({ code, principal: customer('d-3'), input: { customerId: 'd-2' }, correlationId: 'r' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await getCoupon(code))?.redemptions).toBe(1);
  });
});
