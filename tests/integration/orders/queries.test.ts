import { describe, expect, it } from 'vitest';
import { placeOrder } from '#functions/orders/intake.ts';
import { getOrder, listOrdersForCustomer, orderView } from '#functions/orders/orders.ts';
import { customer, orderInput, stockedProduct } from './fixtures.ts';

describe('Module: orders/orders queries (DynamoDB Local)', () => {
  it("lists a customer's orders newest first from gsi1, page by page, and no one else's", async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 100 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { order } = await placeOrder({
        principal: customer('lister'),
        idempotencyKey: `list-${i}`,
        input: orderInput([{ sku, quantity: 1 + i }]),
        correlationId: 'req',
      });
      ids.push(order.id);
      await new Promise((r) => setTimeout(r, 2)); // distinct placedAt
    }
    await placeOrder({
      principal: customer('someone-else'),
      idempotencyKey: 'other',
      input: orderInput([{ sku, quantity: 1 }]),
      correlationId: 'req',
    });
    // Act
    const first = await listOrdersForCustomer('lister', { limit: 2 });
    const second = await listOrdersForCustomer('lister', { limit: 2, cursor: first.nextCursor ?? undefined });
    const third = await listOrdersForCustomer('lister', { limit: 2, cursor: second.nextCursor ?? undefined });
    // Assess
    expect([...first.items, ...second.items, ...third.items].map((o) => o.id)).toEqual([...ids].reverse());
    expect(third.nextCursor).toBeNull();
    expect(first.items.every((o) => o.customerId === 'lister')).toBe(true);
  });

  it('refuses a cursor from another customer or one that is not a cursor', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 10 });
    for (const key of ['a', 'b']) {
      await placeOrder({
        principal: customer('cursor-owner'),
        idempotencyKey: key,
        input: orderInput([{ sku, quantity: 1 }]),
        correlationId: 'req',
      });
    }
    const { nextCursor } = await listOrdersForCustomer('cursor-owner', { limit: 1 });
    // Act / Assess
    await expect(
      listOrdersForCustomer('thief', { limit: 1, cursor: nextCursor ?? undefined }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: { errors: [{ path: 'query.cursor' }] },
    });
    const forged = Buffer.from(JSON.stringify({ pk: { S: 'x' } })).toString('base64url');
    await expect(listOrdersForCustomer('cursor-owner', { limit: 1, cursor: forged })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(listOrdersForCustomer('cursor-owner', { limit: 1, cursor: '%%%' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('reads an order by id in the API shape: no fingerprint, no principals', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 10 });
    const { order } = await placeOrder({
      principal: customer('reader'),
      idempotencyKey: 'read-1',
      input: orderInput([{ sku, quantity: 1 }], { channel: 'mobile' }),
      correlationId: 'req',
    });
    // Act
    const view = orderView((await getOrder(order.id))!);
    // Assess
    expect(view).toMatchObject({
      id: order.id,
      channel: 'mobile',
      history: [{ status: 'CONFIRMED', at: order.placedAt }],
    });
    expect(JSON.stringify(view)).not.toMatch(/requestHash|placedBy|"by"/);
    expect(await getOrder('0000000000000000000000000Z')).toBeUndefined();
  });
});
