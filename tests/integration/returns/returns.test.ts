import { describe, expect, it } from 'vitest';
import { ReturnApprovedV1, ReturnReceivedV1, ReturnRejectedV1, ReturnRequestedV1 } from '#events/returns.ts';
import { readStockLedger } from '#functions/catalog/movements.ts';
import { getStockLevels } from '#functions/catalog/products.ts';
import { placeOrder } from '#functions/orders/intake.ts';
import { deliverOrder, shipOrder } from '#functions/orders/lifecycle.ts';
import { approveReturn, receiveReturn, rejectReturn } from '#functions/returns/lifecycle.ts';
import { openReturn } from '#functions/returns/request.ts';
import { getReturn, getReturnFor, getReturning, listReturnsForOrder } from '#functions/returns/returns.ts';
import type { Principal } from '#shared/auth.ts';
import { AppError } from '#shared/errors.ts';
import { expectStockConserved } from '../../support/invariant.ts';
import { customer, eventsFor, orderInput, settle, staff, stockedProduct } from '../orders/fixtures.ts';

const ops = staff('ops-returns');

/** An order of `lines` (SKU index → quantity) by `owner`, placed, shipped and, unless told, delivered. */
async function order(
  quantities: number[],
  options: { owner?: Principal; deliver?: boolean; stock?: number } = {},
) {
  const owner = options.owner ?? customer(`owner-${crypto.randomUUID()}`);
  const skus = await Promise.all(quantities.map(() => stockedProduct({ stock: options.stock ?? 20 })));
  const { order: placed } = await placeOrder({
    principal: owner,
    idempotencyKey: crypto.randomUUID(),
    input: orderInput(skus.map((sku, i) => ({ sku, quantity: quantities[i] ?? 1 }))),
    correlationId: 'req-place',
  });
  const transition = { orderId: placed.id, principal: ops, correlationId: 'req-ops' };
  await shipOrder({ ...transition, carrier: 'DHL', trackingNumber: 'JJD1' });
  if (options.deliver !== false) await deliverOrder(transition);
  return { orderId: placed.id, skus, owner };
}

const open = (
  orderId: string,
  principal: Principal,
  lines: { sku: string; quantity: number }[],
  idempotencyKey?: string,
  reason = 'Too small',
) =>
  openReturn({ orderId, principal, input: { lines, reason }, idempotencyKey, correlationId: 'req-return' });

const byStaff = (returnId: string) => ({ returnId, principal: ops, correlationId: 'req-staff' });

/** The AppError a promise rejects with. */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

const conserved = async (skus: readonly string[]) => {
  for (const sku of skus) expectStockConserved(await readStockLedger(sku));
};

describe('Module: returns (DynamoDB Local)', () => {
  it('opens a return for the owner: REQUESTED, the tally holds its lines, one ReturnRequested', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([3, 1]);
    // Act
    const { created, ret } = await open(orderId, owner, [
      { sku: skus[0] as string, quantity: 1 },
      { sku: skus[0] as string, quantity: 1 },
    ]);
    // Assess
    expect(created).toBe(true);
    expect(ret).toMatchObject({
      orderId,
      customerId: owner.sub,
      status: 'REQUESTED',
      lines: [{ sku: skus[0], quantity: 2 }],
      reason: 'Too small',
      requestedBy: owner.sub,
    });
    expect(await getReturn(ret.id)).toEqual(ret);
    expect(await getReturning(orderId)).toEqual(new Map([[skus[0], 2]]));
    const events = await eventsFor('ReturnRequested', { orderId });
    expect(events).toHaveLength(1);
    expect(ReturnRequestedV1.parse(events[0]?.event)).toMatchObject({
      source: 'storeline.returns',
      correlationId: 'req-return',
      data: { returnId: ret.id, orderId, customerId: owner.sub, lines: [{ sku: skus[0], quantity: 2 }] },
    });
    // Staff may open one for the customer; it is still the customer's.
    const forCustomer = await open(orderId, ops, [{ sku: skus[1] as string, quantity: 1 }]);
    expect(forCustomer.ret).toMatchObject({ customerId: owner.sub, requestedBy: ops.sub });
    const listed = await listReturnsForOrder(orderId, { limit: 10 });
    expect(listed.items.map((r) => r.id)).toEqual([forCustomer.ret.id, ret.id]);
  });

  it('hides the order and its returns from another customer (404) and refuses undelivered orders (409)', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([2]);
    const shippedOnly = await order([2], { deliver: false });
    const { ret } = await open(orderId, owner, [{ sku: skus[0] as string, quantity: 1 }]);
    const mallory = customer('mallory');
    // Act
    const foreign = await refusal(open(orderId, mallory, [{ sku: skus[0] as string, quantity: 1 }]));
    const notDelivered = await refusal(
      open(shippedOnly.orderId, shippedOnly.owner, [{ sku: shippedOnly.skus[0] as string, quantity: 1 }]),
    );
    // Assess
    expect(foreign.code).toBe('NOT_FOUND');
    expect((await refusal(getReturnFor(mallory, ret.id))).code).toBe('NOT_FOUND');
    expect(await getReturnFor(owner, ret.id)).toEqual(ret);
    expect(notDelivered.code).toBe('INVALID_STATE');
    expect(notDelivered.extra).toEqual({ currentStatus: 'SHIPPED' });
    expect(await eventsFor('ReturnRequested', { orderId: shippedOnly.orderId })).toHaveLength(0);
    expect(await getReturning(shippedOnly.orderId)).toEqual(new Map());
  });

  it('refuses more than delivered minus what is being returned, and a SKU not in the order', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([3]);
    const [sku] = skus as [string];
    await open(orderId, owner, [{ sku, quantity: 2 }]);
    const other = await stockedProduct({ stock: 1 });
    // Act
    const beyond = await refusal(open(orderId, owner, [{ sku, quantity: 2 }]));
    const unknown = await refusal(open(orderId, owner, [{ sku: other, quantity: 1 }]));
    // Assess
    expect(beyond.code).toBe('RETURN_QUANTITY_EXCEEDED');
    expect(beyond.extra).toEqual({ skus: [sku] });
    expect(unknown.code).toBe('VALIDATION_FAILED');
    expect(await getReturning(orderId)).toEqual(new Map([[sku, 2]]));
    expect((await open(orderId, owner, [{ sku, quantity: 1 }])).created).toBe(true);
    expect(await getReturning(orderId)).toEqual(new Map([[sku, 3]]));
  });

  it('never returns more than delivered under concurrent requests for the same line', async () => {
    // Prepare: 5 delivered; 20 single-unit requests and 10 of 2 units race for them
    const { orderId, skus, owner } = await order([5]);
    const [sku] = skus as [string];
    // Act
    const outcome = await settle([
      ...Array.from({ length: 20 }, () => open(orderId, owner, [{ sku, quantity: 1 }])),
      ...Array.from({ length: 10 }, () => open(orderId, ops, [{ sku, quantity: 2 }])),
    ]);
    // Assess: every request either committed or was refused for quantity (or asked to retry)
    expect(
      outcome.count('ok') + outcome.count('RETURN_QUANTITY_EXCEEDED') + outcome.count('RATE_LIMITED'),
    ).toBe(30);
    const accepted = outcome.values.reduce((sum, { ret }) => sum + (ret.lines[0]?.quantity ?? 0), 0);
    expect(accepted).toBeLessThanOrEqual(5);
    expect(await getReturning(orderId)).toEqual(new Map([[sku, accepted]]));
    const listed = await listReturnsForOrder(orderId, { limit: 100 });
    expect(listed.items.reduce((sum, r) => sum + (r.lines[0]?.quantity ?? 0), 0)).toBe(accepted);
    expect(await eventsFor('ReturnRequested', { orderId })).toHaveLength(outcome.count('ok'));
    // Whatever is left can still be returned, and not one unit more.
    if (accepted < 5) await open(orderId, owner, [{ sku, quantity: 5 - accepted }]);
    expect((await refusal(open(orderId, owner, [{ sku, quantity: 1 }]))).code).toBe(
      'RETURN_QUANTITY_EXCEEDED',
    );
    expect(await getReturning(orderId)).toEqual(new Map([[sku, 5]]));
  });

  it('fills the line exactly with concurrent single-unit requests', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([4]);
    const [sku] = skus as [string];
    // Act
    const outcome = await settle(
      Array.from({ length: 12 }, () => open(orderId, owner, [{ sku, quantity: 1 }])),
    );
    // Assess: DynamoDB serialises the transactions; exactly the delivered units are accepted
    expect(outcome.count('RATE_LIMITED')).toBe(0);
    expect(outcome.codes).toEqual({ ok: 4, RETURN_QUANTITY_EXCEEDED: 8 });
    expect(await getReturning(orderId)).toEqual(new Map([[sku, 4]]));
  });

  it('approves and receives with restock and scrap: RECEIVED, stock moved, invariant exact, one ReturnReceived', async () => {
    // Prepare: 3 + 2 delivered from 20 each
    const { orderId, skus, owner } = await order([3, 2]);
    const [mug, cup] = skus as [string, string];
    const { ret } = await open(orderId, owner, [
      { sku: mug, quantity: 3 },
      { sku: cup, quantity: 1 },
    ]);
    // Act
    const approved = await approveReturn(byStaff(ret.id));
    const received = await receiveReturn({
      ...byStaff(ret.id),
      input: {
        lines: [
          { sku: mug, quantity: 2, disposition: 'restock' },
          { sku: cup, quantity: 1, disposition: 'scrap' },
          { sku: mug, quantity: 1, disposition: 'scrap' },
        ],
      },
    });
    // Assess
    expect(approved.status).toBe('APPROVED');
    expect(received.status).toBe('RECEIVED');
    expect(received.history.map((h) => h.status)).toEqual(['REQUESTED', 'APPROVED', 'RECEIVED']);
    expect(received.receivedLines).toEqual([
      { sku: mug, quantity: 2, disposition: 'restock' },
      { sku: mug, quantity: 1, disposition: 'scrap' },
      { sku: cup, quantity: 1, disposition: 'scrap' },
    ]);
    expect(await getReturn(ret.id)).toEqual(received);
    expect(await getStockLevels(mug)).toMatchObject({
      available: 19,
      reserved: 0,
      shipped: 3,
      returned: 3,
      scrapped: 1,
      received: 20,
    });
    expect(await getStockLevels(cup)).toMatchObject({
      available: 18,
      reserved: 0,
      shipped: 2,
      returned: 1,
      scrapped: 1,
      received: 20,
    });
    await conserved(skus);
    // A received return keeps its units: they were returned.
    expect(await getReturning(orderId)).toEqual(
      new Map([
        [mug, 3],
        [cup, 1],
      ]),
    );
    const approvals = await eventsFor('ReturnApproved', { orderId });
    expect(approvals).toHaveLength(1);
    expect(ReturnApprovedV1.parse(approvals[0]?.event).data).toMatchObject({
      returnId: ret.id,
      approvedBy: ops.sub,
    });
    const events = await eventsFor('ReturnReceived', { orderId });
    expect(events).toHaveLength(1);
    expect(ReturnReceivedV1.parse(events[0]?.event).data).toMatchObject({
      returnId: ret.id,
      customerId: owner.sub,
      lines: received.receivedLines,
      receivedBy: ops.sub,
    });
  });

  it('refuses a partial receipt and moves nothing', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([3]);
    const [sku] = skus as [string];
    const { ret } = await open(orderId, owner, [{ sku, quantity: 2 }]);
    await approveReturn(byStaff(ret.id));
    const before = await getStockLevels(sku);
    // Act
    const partial = await refusal(
      receiveReturn({ ...byStaff(ret.id), input: { lines: [{ sku, quantity: 1, disposition: 'restock' }] } }),
    );
    // Assess
    expect(partial.code).toBe('VALIDATION_FAILED');
    expect((await getReturn(ret.id))?.status).toBe('APPROVED');
    expect(await getStockLevels(sku)).toEqual(before);
    expect(await eventsFor('ReturnReceived', { orderId })).toHaveLength(0);
  });

  it('refuses invalid transitions with INVALID_STATE and the current status, changing nothing', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([2]);
    const [sku] = skus as [string];
    const { ret } = await open(orderId, owner, [{ sku, quantity: 2 }]);
    const lines = { lines: [{ sku, quantity: 2, disposition: 'restock' as const }] };
    // Act + Assess: receive before approval
    const early = await refusal(receiveReturn({ ...byStaff(ret.id), input: lines }));
    expect([early.code, early.extra]).toEqual(['INVALID_STATE', { currentStatus: 'REQUESTED' }]);
    await approveReturn(byStaff(ret.id));
    const twice = await refusal(approveReturn(byStaff(ret.id)));
    expect([twice.code, twice.extra]).toEqual(['INVALID_STATE', { currentStatus: 'APPROVED' }]);
    await receiveReturn({ ...byStaff(ret.id), input: lines });
    for (const late of [
      () => approveReturn(byStaff(ret.id)),
      () => rejectReturn(byStaff(ret.id)),
      () => receiveReturn({ ...byStaff(ret.id), input: lines }),
    ]) {
      const error = await refusal(late());
      expect([error.code, error.extra]).toEqual(['INVALID_STATE', { currentStatus: 'RECEIVED' }]);
    }
    // Approved once, received once: stock moved once.
    expect(await getStockLevels(sku)).toMatchObject({ available: 20, shipped: 2, returned: 2, scrapped: 0 });
    expect(await eventsFor('ReturnApproved', { orderId })).toHaveLength(1);
    expect(await eventsFor('ReturnReceived', { orderId })).toHaveLength(1);
    expect(await eventsFor('ReturnRejected', { orderId })).toHaveLength(0);
    await conserved(skus);
  });

  it('lets exactly one of racing approvals and rejections win', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([2]);
    const [sku] = skus as [string];
    const { ret } = await open(orderId, owner, [{ sku, quantity: 2 }]);
    // Act
    const outcome = await settle([
      ...Array.from({ length: 4 }, () => approveReturn(byStaff(ret.id))),
      ...Array.from({ length: 4 }, () => rejectReturn(byStaff(ret.id))),
    ]);
    // Assess: the first to commit wins; approvals after it fail, rejections after an approval may
    // still win (reject is allowed from APPROVED), so history ends in at most APPROVED then REJECTED.
    const stored = await getReturn(ret.id);
    const statuses = stored?.history.map((h) => h.status) ?? [];
    expect([
      ['REQUESTED', 'APPROVED'],
      ['REQUESTED', 'REJECTED'],
      ['REQUESTED', 'APPROVED', 'REJECTED'],
    ]).toContainEqual(statuses);
    expect(outcome.count('ok')).toBe(statuses.length - 1);
    expect(outcome.count('INVALID_STATE')).toBe(8 - outcome.count('ok'));
    expect(await getReturning(orderId)).toEqual(new Map([[sku, stored?.status === 'REJECTED' ? 0 : 2]]));
    expect(await eventsFor('ReturnApproved', { orderId })).toHaveLength(
      statuses.includes('APPROVED') ? 1 : 0,
    );
    expect(await eventsFor('ReturnRejected', { orderId })).toHaveLength(
      statuses.includes('REJECTED') ? 1 : 0,
    );
  });

  it('gives a rejected return’s quantities back, so they can be returned again', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([2]);
    const [sku] = skus as [string];
    const first = await open(orderId, owner, [{ sku, quantity: 2 }]);
    await approveReturn(byStaff(first.ret.id));
    // Act
    const rejected = await rejectReturn(byStaff(first.ret.id));
    // Assess
    expect(rejected.history.map((h) => h.status)).toEqual(['REQUESTED', 'APPROVED', 'REJECTED']);
    expect(await getReturning(orderId)).toEqual(new Map([[sku, 0]]));
    const rejections = await eventsFor('ReturnRejected', { orderId });
    expect(rejections).toHaveLength(1);
    expect(ReturnRejectedV1.parse(rejections[0]?.event).data).toMatchObject({
      returnId: first.ret.id,
      lines: [{ sku, quantity: 2 }],
      previousStatus: 'APPROVED',
      rejectedBy: ops.sub,
    });
    const again = await open(orderId, owner, [{ sku, quantity: 2 }]);
    expect(again.created).toBe(true);
    expect(await getReturning(orderId)).toEqual(new Map([[sku, 2]]));
    expect(await getStockLevels(sku)).toMatchObject({ returned: 0, scrapped: 0 });
  });

  it('answers a retry with the same Idempotency-Key from the first response, even once the line is full', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([1]);
    const [sku] = skus as [string];
    const key = crypto.randomUUID();
    const first = await open(orderId, owner, [{ sku, quantity: 1 }], key);
    await approveReturn(byStaff(first.ret.id));
    // Act
    const retry = await open(orderId, owner, [{ sku, quantity: 1 }], key);
    const racing = await settle(
      Array.from({ length: 5 }, () => open(orderId, owner, [{ sku, quantity: 1 }], key)),
    );
    const reused = await refusal(open(orderId, owner, [{ sku, quantity: 1 }], key, 'Another reason'));
    // Assess
    expect(first.created).toBe(true);
    expect(retry).toEqual({ created: false, ret: first.ret });
    expect(racing.codes).toEqual({ ok: 5 });
    expect(reused.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await eventsFor('ReturnRequested', { orderId })).toHaveLength(1);
    expect(await getReturning(orderId)).toEqual(new Map([[sku, 1]]));
  });

  it('keeps idempotency keys per caller and records a keyed return once under concurrency', async () => {
    // Prepare
    const { orderId, skus, owner } = await order([3]);
    const [sku] = skus as [string];
    const key = crypto.randomUUID();
    // Act
    const outcome = await settle(
      Array.from({ length: 6 }, () => open(orderId, owner, [{ sku, quantity: 1 }], key)),
    );
    const staffSameKey = await open(orderId, ops, [{ sku, quantity: 1 }], key);
    // Assess
    expect(outcome.codes).toEqual({ ok: 6 });
    expect(new Set(outcome.values.map((v) => v.ret.id)).size).toBe(1);
    expect(outcome.values.filter((v) => v.created)).toHaveLength(1);
    expect(staffSameKey.created).toBe(true);
    expect(await getReturning(orderId)).toEqual(new Map([[sku, 2]]));
  });
});
