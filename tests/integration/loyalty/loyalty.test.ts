/**
 * Loyalty against DynamoDB Local: the real intake (points spent in the order's transaction), the
 * real lifecycle (ship, deliver, cancel) and the loyalty consumer fed with the events those
 * wrote to the outbox. After everything, the balance equals the sum of the ledger and is never
 * negative; each order earns, reverses and refunds at most once; concurrent spends of the same
 * points leave exactly one order with them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import { getProductWithStock } from '#functions/catalog/products.ts';
import { loyalty } from '#functions/loyalty/consumer.ts';
import { getBalance, getLoyaltyOrder, type LedgerEntry, listLedger } from '#functions/loyalty/ledger.ts';
import { placeOrder } from '#functions/orders/intake.ts';
import { cancelOrder, deliverOrder, shipOrder } from '#functions/orders/lifecycle.ts';
import { getOrder } from '#functions/orders/orders.ts';
import { MAX_ORDER_LINES } from '#functions/orders/rules.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';
import { customer, eventsFor, orderInput, settle, staff, stockedProduct } from '../orders/fixtures.ts';

const apply = (event: Parameters<typeof sqsRecordFor>[0]) => loyalty.processRecord(sqsRecordFor(event));

/** Another event id for the same event: its last character changed (a ULID may already end in Z). */
const anotherId = (id: string): string => `${id.slice(0, 25)}${id.endsWith('Z') ? 'Y' : 'Z'}`;

let customers = 0;
const newCustomer = () => `loyal-${++customers}-${Math.random().toString(36).slice(2, 8)}`;

/** Places an order for `customerId` (optionally spending points); returns the placed order. */
async function place(
  customerId: string,
  lines: { sku: string; quantity: number }[],
  extra: { loyaltyPoints?: number; key?: string } = {},
) {
  const { key = crypto.randomUUID(), loyaltyPoints } = extra;
  return placeOrder({
    principal: customer(customerId),
    idempotencyKey: key,
    input: orderInput(lines, loyaltyPoints === undefined ? {} : { loyaltyPoints }),
    correlationId: `req-${key}`,
  });
}

/** The one outbox event of `type` about an order, as the consumer receives it. */
async function eventOf<T extends 'OrderDelivered' | 'OrderCancelled'>(type: T, orderId: string) {
  const [record, ...others] = await eventsFor(type, { orderId });
  expect(others).toEqual([]);
  if (!record) throw new Error(`No ${type} for ${orderId}`);
  return record.event as unknown as EventOf<T>;
}

/** Ships and delivers an order (staff), then applies its `OrderDelivered` to the consumer. */
async function deliver(orderId: string) {
  const principal = staff();
  await shipOrder({ orderId, principal, correlationId: 'ship', carrier: 'DHL', trackingNumber: 'T1' });
  await deliverOrder({ orderId, principal, correlationId: 'deliver' });
  const event = await eventOf('OrderDelivered', orderId);
  expect(await apply(event)).toBe('applied');
  return event;
}

/** Cancels an order (its customer), then applies its `OrderCancelled` to the consumer. */
async function cancel(orderId: string, customerId: string) {
  await cancelOrder({ orderId, principal: customer(customerId), correlationId: 'cancel' });
  const event = await eventOf('OrderCancelled', orderId);
  expect(await apply(event)).toBe('applied');
  return event;
}

/** A return's credit note crediting `net` (before tax) of an order, as invoicing emits it. */
function creditNote(orderId: string, customerId: string, net: number, returnId = crypto.randomUUID()) {
  return eventLike('CreditNoteIssued', {
    orderId,
    customerId,
    reason: 'return',
    returnId,
    currency: 'EUR',
    subtotal: -net,
    discount: 0,
    tax: -Math.round(net / 5),
    total: -(net + Math.round(net / 5)),
  });
}

/** Every ledger entry of a customer, newest first (all pages). */
async function ledgerOf(customerId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await listLedger(customerId, { limit: 7, ...(cursor ? { cursor } : {}) });
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return entries;
}

/** The invariant: balance = Σ ledger ≥ 0, entries gapless newest first, each balance the running sum. */
async function expectConsistent(customerId: string) {
  const { balance, seq } = await getBalance(customerId);
  const entries = await ledgerOf(customerId);
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(entries.reduce((sum, e) => sum + e.points, 0)).toBe(balance);
  expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: seq }, (_, i) => seq - i));
  let running = 0;
  for (const entry of [...entries].reverse()) {
    running += entry.points;
    expect(entry.balanceAfter).toBe(running);
    expect(entry.balanceAfter).toBeGreaterThanOrEqual(0);
  }
  return { balance, entries };
}

/** A customer with `points` points, earned by delivering one order worth exactly that many EUR. */
async function customerWith(points: number) {
  const customerId = newCustomer();
  const sku = await stockedProduct({ price: 100, stock: points });
  const { order } = await place(customerId, [{ sku, quantity: points }]);
  await deliver(order.id);
  expect((await getBalance(customerId)).balance).toBe(points);
  return { customerId, earningOrder: order };
}

describe('Module: loyalty (DynamoDB Local)', () => {
  it('earns 1 point per whole EUR of a delivered order, once, with its LoyaltyPointsChanged', async () => {
    // Prepare: 2 × 12.34 EUR = 24.68 EUR
    const customerId = newCustomer();
    const sku = await stockedProduct({ price: 1234, stock: 5 });
    const { order } = await place(customerId, [{ sku, quantity: 2 }]);
    // Act
    const delivered = await deliver(order.id);
    // Assess
    const { entries } = await expectConsistent(customerId);
    expect(entries).toEqual([
      expect.objectContaining({ kind: 'earn', points: 24, balanceAfter: 24, orderId: order.id }),
    ]);
    const [changed] = (await eventsFor('LoyaltyPointsChanged', { orderId: order.id })).map((r) => r.event);
    expect(changed).toMatchObject({
      source: 'storeline.loyalty',
      data: { customerId, kind: 'earn', points: 24, balance: 24, entryId: entries[0]?.entryId },
    });
    // A redelivery is a duplicate; the same delivery under another event id earns nothing more.
    expect(await apply(delivered)).toBe('duplicate');
    expect(await apply({ ...delivered, id: anotherId(delivered.id) })).toBe('applied');
    expect((await expectConsistent(customerId)).entries).toHaveLength(1);
    expect(await getLoyaltyOrder(customerId, order.id)).toMatchObject({ earned: 24, basis: 2468 });
  });

  it('spends points inside the order: discount and total carry their value, the ledger the spend', async () => {
    // Prepare
    const { customerId } = await customerWith(30);
    const sku = await stockedProduct({ price: 1999, stock: 5 });
    // Act
    const { order } = await place(customerId, [{ sku, quantity: 1 }], { loyaltyPoints: 25 });
    // Assess: 100 points = 1.00 EUR, so 25 points pay 0.25 EUR
    expect(order).toMatchObject({
      subtotal: 1999,
      discount: 25,
      total: 1974,
      loyaltyPoints: 25,
      loyaltyPointsValue: 25,
    });
    expect(await getOrder(order.id)).toEqual(order);
    const { balance, entries } = await expectConsistent(customerId);
    expect(balance).toBe(5);
    expect(entries[0]).toMatchObject({ kind: 'spend', points: -25, balanceAfter: 5, orderId: order.id });
    const changed = await eventsFor('LoyaltyPointsChanged', { orderId: order.id });
    expect(changed.map((r) => r.event.data)).toEqual([
      expect.objectContaining({ kind: 'spend', points: -25, balance: 5 }),
    ]);
  });

  it('answers a retry of an order that spent points with the order, spending nothing more', async () => {
    // Prepare
    const { customerId } = await customerWith(40);
    const sku = await stockedProduct({ price: 500, stock: 5 });
    const first = await place(customerId, [{ sku, quantity: 1 }], { loyaltyPoints: 30, key: 'retry-1' });
    // Act: a retry, when the balance (10) could no longer pay for it
    const retry = await place(customerId, [{ sku, quantity: 1 }], { loyaltyPoints: 30, key: 'retry-1' });
    // Assess
    expect(retry).toEqual({ created: false, order: first.order });
    expect((await expectConsistent(customerId)).balance).toBe(10);
    // The same key with other points is a different request.
    await expect(
      place(customerId, [{ sku, quantity: 1 }], { loyaltyPoints: 5, key: 'retry-1' }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('refuses more points than the balance (409) or than the order still costs (422), reserving nothing', async () => {
    // Prepare
    const { customerId } = await customerWith(12);
    const sku = await stockedProduct({ price: 1000, stock: 3 });
    const cheap = await stockedProduct({ price: 5, stock: 3 });
    // Act / Assess
    await expect(place(customerId, [{ sku, quantity: 1 }], { loyaltyPoints: 13 })).rejects.toMatchObject({
      code: 'INSUFFICIENT_POINTS',
      extra: { balance: 12 },
    });
    await expect(
      place(customerId, [{ sku: cheap, quantity: 1 }], { loyaltyPoints: 6 }),
    ).rejects.toMatchObject({
      code: 'POINTS_NOT_APPLICABLE',
      extra: { maxPoints: 5 },
    });
    for (const s of [sku, cheap]) {
      expect((await getProductWithStock(s))?.stock).toMatchObject({ available: 3, reserved: 0 });
    }
    expect((await expectConsistent(customerId)).balance).toBe(12);
    // Points may pay the whole order: its total is then 0, and it earns nothing on delivery.
    const { order } = await place(customerId, [{ sku: cheap, quantity: 1 }], { loyaltyPoints: 5 });
    expect(order).toMatchObject({ subtotal: 5, discount: 5, total: 0 });
    await deliver(order.id);
    expect((await expectConsistent(customerId)).balance).toBe(7);
  });

  it('refunds the points of a cancelled order exactly once', async () => {
    // Prepare
    const { customerId } = await customerWith(50);
    const sku = await stockedProduct({ price: 2000, stock: 5 });
    const { order } = await place(customerId, [{ sku, quantity: 1 }], { loyaltyPoints: 50 });
    expect((await getBalance(customerId)).balance).toBe(0);
    // Act
    const cancelled = await cancel(order.id, customerId);
    expect(await apply({ ...cancelled, id: anotherId(cancelled.id) })).toBe('applied');
    // Assess
    const { balance, entries } = await expectConsistent(customerId);
    expect(balance).toBe(50);
    expect(entries.filter((e) => e.kind === 'refund')).toEqual([
      expect.objectContaining({ points: 50, orderId: order.id, balanceAfter: 50 }),
    ]);
    // A cancelled order without points changes nothing.
    const plain = await place(customerId, [{ sku, quantity: 1 }]);
    await cancel(plain.order.id, customerId);
    expect((await expectConsistent(customerId)).entries).toHaveLength(entries.length);
  });

  it('reverses points in proportion to what returns credit, never more than the order earned', async () => {
    // Prepare: 37 points earned on 37.00 EUR
    const { customerId, earningOrder } = await customerWith(37);
    const { id: orderId } = earningOrder;
    // Act: returns crediting 10.00, 10.00, then everything (and more)
    const first = creditNote(orderId, customerId, 1000);
    await apply(first);
    await apply(creditNote(orderId, customerId, 1000));
    await apply(creditNote(orderId, customerId, 5000));
    // …and the first one again under another event id
    await apply({ ...first, id: anotherId(first.id) });
    // Assess: round half up of 37 × 10/37 = 10, of 37 × 20/37 = 20, then the last 17
    const { balance, entries } = await expectConsistent(customerId);
    expect(balance).toBe(0);
    expect(entries.filter((e) => e.kind === 'reverse').map((e) => e.points)).toEqual([-17, -10, -10]);
    expect(await getLoyaltyOrder(customerId, orderId)).toMatchObject({ earned: 37, reversed: 37 });
  });

  it('takes back what is left when the points were spent, recording the shortfall', async () => {
    // Prepare: 20 earned, 15 spent
    const { customerId, earningOrder } = await customerWith(20);
    const sku = await stockedProduct({ price: 3000, stock: 5 });
    await place(customerId, [{ sku, quantity: 1 }], { loyaltyPoints: 15 });
    // Act: everything returned
    await apply(creditNote(earningOrder.id, customerId, 2000));
    // Assess
    const { balance, entries } = await expectConsistent(customerId);
    expect(balance).toBe(0);
    expect(entries[0]).toMatchObject({ kind: 'reverse', points: -5, shortfall: 15, balanceAfter: 0 });
  });

  it('earns first when a return credit overtakes the delivery event, and only once', async () => {
    // Prepare: delivered, but OrderDelivered not applied yet
    const customerId = newCustomer();
    const sku = await stockedProduct({ price: 1000, stock: 5 });
    const { order } = await place(customerId, [{ sku, quantity: 2 }]);
    const principal = staff();
    await shipOrder({
      orderId: order.id,
      principal,
      correlationId: 's',
      carrier: 'DHL',
      trackingNumber: 'T',
    });
    await deliverOrder({ orderId: order.id, principal, correlationId: 'd' });
    // Act
    await apply(creditNote(order.id, customerId, 1000));
    await apply(await eventOf('OrderDelivered', order.id));
    // Assess
    const { balance, entries } = await expectConsistent(customerId);
    expect(balance).toBe(10);
    expect(entries.map((e) => [e.kind, e.points])).toEqual([
      ['reverse', -10],
      ['earn', 20],
    ]);
  });

  it('lets exactly one of 20 concurrent orders spend the whole balance; the rest reserve nothing', async () => {
    // Prepare
    const { customerId } = await customerWith(60);
    const sku = await stockedProduct({ price: 1000, stock: 100 });
    // Act
    const outcome = await settle(
      Array.from({ length: 20 }, () => place(customerId, [{ sku, quantity: 1 }], { loyaltyPoints: 60 })),
    );
    // Assess
    expect(outcome.count('ok')).toBe(1);
    expect(outcome.count('ok') + outcome.count('INSUFFICIENT_POINTS') + outcome.count('RATE_LIMITED')).toBe(
      20,
    );
    expect(outcome.count('INSUFFICIENT_POINTS')).toBeGreaterThan(0);
    expect((await getProductWithStock(sku))?.stock).toMatchObject({ available: 99, reserved: 1 });
    const { balance, entries } = await expectConsistent(customerId);
    expect(balance).toBe(0);
    expect(entries.filter((e) => e.kind === 'spend')).toHaveLength(1);
  });

  it(`fits the largest order (${MAX_ORDER_LINES} SKUs) spending points into one transaction`, async () => {
    // Prepare
    const { customerId } = await customerWith(3);
    const skus = await Promise.all(
      Array.from({ length: MAX_ORDER_LINES }, () => stockedProduct({ stock: 1 })),
    );
    // Act
    const { order } = await place(
      customerId,
      skus.map((sku) => ({ sku, quantity: 1 })),
      { loyaltyPoints: 3 },
    );
    // Assess
    expect(order.lines).toHaveLength(MAX_ORDER_LINES);
    expect(order.loyaltyPoints).toBe(3);
    expect((await getBalance(customerId)).balance).toBe(0);
  });

  it('keeps balance = Σ ledger ≥ 0 through random deliveries, returns, cancellations and spends', async () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('order' as const),
        quantity: fc.integer({ min: 1, max: 4 }),
        spend: fc.nat(60),
      }),
      fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('return' as const),
        pick: fc.nat(),
        share: fc.integer({ min: 1, max: 100 }),
      }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
    );
    const sku = await stockedProduct({ price: 1550, stock: 10_000 });
    const done = { spend: 0, deliver: 0, return: 0, cancel: 0 };
    // Every run starts with one change of each kind, so none goes unexercised whatever is drawn.
    const eachKind = [
      { kind: 'order', quantity: 2, spend: 0 },
      { kind: 'deliver', pick: 0 },
      { kind: 'return', pick: 0, share: 50 },
      { kind: 'order', quantity: 1, spend: 10 },
      { kind: 'cancel', pick: 0 },
    ] as const;
    const ops = fc.array(op, { minLength: 4, maxLength: 12 }).map((drawn) => [...eachKind, ...drawn]);
    await fc.assert(
      fc.asyncProperty(ops, async (ops) => {
        const { customerId } = await customerWith(40);
        const open: string[] = [];
        const delivered: { id: string; total: number }[] = [];
        for (const o of ops) {
          if (o.kind === 'order') {
            const placed = await place(customerId, [{ sku, quantity: o.quantity }], {
              ...(o.spend > 0 ? { loyaltyPoints: o.spend } : {}),
            }).catch((error: { code?: string }) => {
              // A spend beyond the balance is refused; nothing else may be.
              expect(error.code).toBe('INSUFFICIENT_POINTS');
              return undefined;
            });
            if (placed) open.push(placed.order.id);
            if (placed && o.spend > 0) done.spend++;
          } else if (o.kind === 'deliver' && open.length > 0) {
            const [id] = open.splice(o.pick % open.length, 1);
            await deliver(id!);
            done.deliver++;
            delivered.push({ id: id!, total: (await getOrder(id!))!.total });
          } else if (o.kind === 'cancel' && open.length > 0) {
            const [id] = open.splice(o.pick % open.length, 1);
            await cancel(id!, customerId);
            done.cancel++;
          } else if (o.kind === 'return' && delivered.length > 0) {
            const order = delivered[o.pick % delivered.length]!;
            await apply(creditNote(order.id, customerId, Math.ceil((order.total * o.share) / 100)));
            done.return++;
          }
          await expectConsistent(customerId);
        }
        for (const { id } of delivered) {
          const record = await getLoyaltyOrder(customerId, id);
          expect(record!.reversed).toBeLessThanOrEqual(record!.earned!);
          expect(record!.reversedDue).toBeLessThanOrEqual(record!.earned!);
        }
      }),
      { numRuns: 10 },
    );
    // The runs did exercise every kind of change.
    for (const [kind, count] of Object.entries(done)) expect(count, kind).toBeGreaterThan(0);
  });
});
