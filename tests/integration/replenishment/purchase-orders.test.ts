/**
 * Purchase orders on DynamoDB Local: from suggestions, through sending, to receipts that move
 * stock — with the conservation invariant checked from the ledger after every receipt.
 */
import { describe, expect, it } from 'vitest';
import { StockChangedV1 } from '#events/inventory.ts';
import { StockReplenishedV1 } from '#events/replenishment.ts';
import { listStockMovements, readStockLedger } from '#functions/catalog/movements.ts';
import { getProductWithStock } from '#functions/catalog/products.ts';
import { placeOrder } from '#functions/orders/intake.ts';
import {
  createPurchaseOrder,
  getPurchaseOrder,
  listPurchaseOrders,
  receivePurchaseOrder,
  transitionPurchaseOrder,
} from '#functions/replenishment/purchase-orders.ts';
import {
  dismissReplenishment,
  getReorderState,
  getReplenishment,
  listReplenishments,
} from '#functions/replenishment/replenishments.ts';
import { expectStockConserved } from '../../support/invariant.ts';
import { customer, newSku, orderInput, settle, stockedProduct } from '../orders/fixtures.ts';
import { deliver, outboxFor, productWithReorderPoint } from './fixtures.ts';

const BY = 'staff-buyer';

const create = (
  lines: { sku: string; quantity: number; unitCost?: number }[],
  extra: { replenishmentIds?: string[]; key?: string } = {},
) =>
  createPurchaseOrder({
    input: {
      supplier: 'Acme Textiles',
      currency: 'EUR',
      lines: lines.map(({ sku, quantity, unitCost }) => ({ sku, quantity, unitCost: unitCost ?? 450 })),
      ...(extra.replenishmentIds ? { replenishmentIds: extra.replenishmentIds } : {}),
    },
    by: BY,
    idempotencyKey: extra.key,
  });

const receive = (id: string, lines: { sku: string; quantity: number }[], key?: string) =>
  receivePurchaseOrder({
    purchaseOrderId: id,
    input: { lines },
    by: BY,
    idempotencyKey: key,
    correlationId: `req-${id}`,
  });

/** A SENT purchase order for these lines. */
async function sentOrder(lines: { sku: string; quantity: number }[]) {
  const { order } = await create(lines);
  return transitionPurchaseOrder(order.id, 'send', BY);
}

/** A product that went low: its open suggestion, raised by the monitor from a real order. */
async function lowProduct() {
  const sku = await productWithReorderPoint({ stock: 12, reorderPoint: 5, reorderQuantity: 100 });
  await placeOrder({
    principal: customer('c-low'),
    idempotencyKey: crypto.randomUUID(),
    input: orderInput([{ sku, quantity: 10 }]),
    correlationId: 'req-low',
  });
  await deliver(await outboxFor('OrderPlaced', sku));
  const open = (await listReplenishments('open', { limit: 100 })).items.filter((r) => r.sku === sku);
  expect(open).toHaveLength(1);
  return { sku, suggestion: open[0]! };
}

describe('Module: replenishment/purchase-orders (DynamoDB Local)', () => {
  it('turns a suggestion into a PO, received in two partial receipts: RECEIVED, stock and conservation exact, LOW cleared', async () => {
    // Prepare
    const { sku, suggestion } = await lowProduct();
    const before = await getProductWithStock(sku);

    // Act 1: the order from the suggestion
    const { created, order: draft } = await create(
      [{ sku, quantity: suggestion.suggestedQuantity, unitCost: 450 }],
      {
        replenishmentIds: [suggestion.id],
      },
    );
    // Assess 1
    expect(created).toBe(true);
    expect(draft).toMatchObject({
      status: 'DRAFT',
      supplier: 'Acme Textiles',
      currency: 'EUR',
      lines: [{ sku, quantity: 100, unitCost: 450, lineTotal: 45_000, received: 0 }],
      total: 45_000,
      replenishmentIds: [suggestion.id],
      receipts: [],
    });
    expect(await getReplenishment(suggestion.id)).toMatchObject({
      status: 'ordered',
      purchaseOrderId: draft.id,
    });
    expect((await listReplenishments('open', { limit: 100 })).items.map((r) => r.id)).not.toContain(
      suggestion.id,
    );

    // Act 2: send, then two receipts
    expect((await transitionPurchaseOrder(draft.id, 'send', BY)).status).toBe('SENT');
    const first = await receive(draft.id, [{ sku, quantity: 60 }]);
    expectStockConserved(await readStockLedger(sku));
    const second = await receive(draft.id, [{ sku, quantity: 40 }]);

    // Assess 2
    expect(first.order).toMatchObject({ status: 'PARTIALLY_RECEIVED', lines: [{ received: 60 }] });
    expect(second.order).toMatchObject({ status: 'RECEIVED', lines: [{ received: 100 }] });
    expect(second.order.history.map((h) => h.status)).toEqual([
      'DRAFT',
      'SENT',
      'PARTIALLY_RECEIVED',
      'RECEIVED',
    ]);
    expect(second.order.receipts.map((r) => r.lines.map((l) => l.quantity))).toEqual([[60], [40]]);
    expect((await getProductWithStock(sku))?.stock).toEqual({
      ...before!.stock,
      available: before!.stock.available + 100,
    });
    const ledger = await readStockLedger(sku);
    expectStockConserved(ledger);
    const movements = (await listStockMovements(sku, { limit: 10 }))!.items.filter((m) => m.purchaseOrderId);
    expect(movements.map((m) => [m.quantity, m.reason, m.purchaseOrderId])).toEqual([
      [40, 'receipt', draft.id],
      [60, 'receipt', draft.id],
    ]);
    expect(second.order.receipts.flatMap((r) => r.lines.map((l) => l.movementId)).sort()).toEqual(
      movements.map((m) => m.id).sort(),
    );
    const changed = (await outboxFor('StockChanged', sku))
      .map((r) => StockChangedV1.parse(r.event).data)
      .filter((d) => d.purchaseOrderId === draft.id);
    expect(changed.map((d) => d.quantity).sort()).toEqual([40, 60]);
    // Outbox event ids are ULIDs: sorted, they are in emission order (a Scan returns them in any order).
    const replenished = (await outboxFor('StockReplenished', sku))
      .map((r) => StockReplenishedV1.parse(r.event))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(
      replenished.map((e) => [e.data.status, e.data.lines[0]?.quantity, e.data.lines[0]?.unitCost]),
    ).toEqual([
      ['PARTIALLY_RECEIVED', 60, 450],
      ['RECEIVED', 40, 450],
    ]);
    expect(
      replenished.every(
        (e) => e.source === 'storeline.replenishment' && e.correlationId === `req-${draft.id}`,
      ),
    ).toBe(true);
    expect(await getReplenishment(suggestion.id)).toMatchObject({ status: 'ordered' });

    // Act 3: the monitor sees the receipts' StockChanged: back above the reorder point
    await deliver(await outboxFor('StockChanged', sku));
    // Assess 3
    expect(await getReorderState(sku)).toMatchObject({ status: 'OK' });
    expect((await listPurchaseOrders('RECEIVED', { limit: 100 })).items.map((o) => o.id)).toContain(draft.id);
  });

  it('refuses an over-receipt with OVER_RECEIPT and writes nothing', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 3 });
    const order = await sentOrder([{ sku, quantity: 10 }]);
    await receive(order.id, [{ sku, quantity: 6 }]);
    const ledgerBefore = await readStockLedger(sku);
    const orderBefore = await getPurchaseOrder(order.id);
    const eventsBefore =
      (await outboxFor('StockChanged', sku)).length + (await outboxFor('StockReplenished', sku)).length;

    // Act
    const refused = receive(order.id, [{ sku, quantity: 5 }]);

    // Assess
    await expect(refused).rejects.toMatchObject({
      code: 'OVER_RECEIPT',
      status: 409,
      extra: { lines: [{ sku, ordered: 10, received: 6, requested: 5 }] },
    });
    expect(await readStockLedger(sku)).toEqual(ledgerBefore);
    expect(await getPurchaseOrder(order.id)).toEqual(orderBefore);
    expect(
      (await outboxFor('StockChanged', sku)).length + (await outboxFor('StockReplenished', sku)).length,
    ).toBe(eventsBefore);
  });

  it('lets only one of two racing receipts that together exceed the order land', async () => {
    // Prepare
    const sku = await stockedProduct();
    const order = await sentOrder([{ sku, quantity: 10 }]);

    // Act
    const outcome = await settle(Array.from({ length: 6 }, () => receive(order.id, [{ sku, quantity: 6 }])));

    // Assess
    expect(outcome.codes).toEqual({ ok: 1, OVER_RECEIPT: 5 });
    expect(await getPurchaseOrder(order.id)).toMatchObject({
      status: 'PARTIALLY_RECEIVED',
      lines: [{ received: 6 }],
    });
    const ledger = await readStockLedger(sku);
    expect(ledger).toMatchObject({ available: 6, movements: [6] });
    expectStockConserved(ledger);
  });

  it('receives several lines in one transaction, and refuses a SKU not on the order', async () => {
    // Prepare
    const [a, b, other] = await Promise.all([stockedProduct(), stockedProduct(), stockedProduct()]);
    const order = await sentOrder([
      { sku: a, quantity: 5 },
      { sku: b, quantity: 7 },
    ]);

    // Act
    const stray = await receive(order.id, [
      { sku: a, quantity: 1 },
      { sku: other, quantity: 1 },
    ]).catch((error: unknown) => error);
    const all = await receive(order.id, [
      { sku: b, quantity: 7 },
      { sku: a, quantity: 5 },
    ]);

    // Assess
    expect(stray).toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: { errors: [{ path: 'body.lines.1.sku' }] },
    });
    expect(all.order).toMatchObject({ status: 'RECEIVED', lines: [{ received: 5 }, { received: 7 }] });
    expect((await readStockLedger(a)).available).toBe(5);
    expect((await readStockLedger(b)).available).toBe(7);
    expect(await readStockLedger(other)).toMatchObject({ available: 0, movements: [] });
  });

  it('enforces the status rules: no receipt on a draft, no second send, no cancel after a receipt', async () => {
    // Prepare
    const sku = await stockedProduct();
    const { order: draft } = await create([{ sku, quantity: 4 }]);

    // Act + Assess
    await expect(receive(draft.id, [{ sku, quantity: 1 }])).rejects.toMatchObject({
      code: 'INVALID_STATE',
      extra: { currentStatus: 'DRAFT' },
    });
    await transitionPurchaseOrder(draft.id, 'send', BY);
    await expect(transitionPurchaseOrder(draft.id, 'send', BY)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      extra: { currentStatus: 'SENT' },
    });
    await receive(draft.id, [{ sku, quantity: 1 }]);
    await expect(transitionPurchaseOrder(draft.id, 'cancel', BY)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      extra: { currentStatus: 'PARTIALLY_RECEIVED' },
    });
    await expect(transitionPurchaseOrder('01JQ0000000000000000000000', 'send', BY)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('cancelling a sent order reopens its suggestions; they can be ordered again', async () => {
    // Prepare
    const { sku, suggestion } = await lowProduct();
    const { order } = await create([{ sku, quantity: 100 }], { replenishmentIds: [suggestion.id] });
    await transitionPurchaseOrder(order.id, 'send', BY);

    // Act
    const cancelled = await transitionPurchaseOrder(order.id, 'cancel', BY);

    // Assess
    expect(cancelled.status).toBe('CANCELLED');
    const reopened = await getReplenishment(suggestion.id);
    expect(reopened).toMatchObject({ status: 'open' });
    expect(reopened).not.toHaveProperty('purchaseOrderId');
    const again = await create([{ sku, quantity: 100 }], { replenishmentIds: [suggestion.id] });
    expect(await getReplenishment(suggestion.id)).toMatchObject({
      status: 'ordered',
      purchaseOrderId: again.order.id,
    });
  });

  it('refuses suggestions that are not open or not for a SKU on the lines, and unknown products', async () => {
    // Prepare
    const { sku, suggestion } = await lowProduct();
    const elsewhere = await stockedProduct();
    await create([{ sku, quantity: 10 }], { replenishmentIds: [suggestion.id] });

    // Act + Assess
    await expect(
      create([{ sku, quantity: 10 }], { replenishmentIds: [suggestion.id] }),
    ).rejects.toMatchObject({
      code: 'INVALID_STATE',
      extra: { currentStatus: 'ordered' },
    });
    const other = await lowProduct();
    await expect(
      create([{ sku: elsewhere, quantity: 1 }], { replenishmentIds: [other.suggestion.id] }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: { errors: [{ path: 'body.replenishmentIds.0' }] },
    });
    const ghost = newSku('GHOST');
    await expect(create([{ sku: ghost, quantity: 1 }])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: { skus: [ghost] },
    });
    await expect(
      create([{ sku, quantity: 1 }], { replenishmentIds: ['01JQ0000000000000000000000'] }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await getReplenishment(other.suggestion.id)).toMatchObject({ status: 'open' });
  });

  it('answers keyed retries once: a receipt and a creation are applied once, another body is 422', async () => {
    // Prepare
    const sku = await stockedProduct();
    const first = await create([{ sku, quantity: 8 }], { key: 'po-key' });
    const retry = await create([{ sku, quantity: 8 }], { key: 'po-key' });
    await transitionPurchaseOrder(first.order.id, 'send', BY);

    // Act
    const receipts = await settle(
      Array.from({ length: 5 }, () => receive(first.order.id, [{ sku, quantity: 3 }], 'rcpt-key')),
    );
    const reused = await receive(first.order.id, [{ sku, quantity: 2 }], 'rcpt-key').catch(
      (error: unknown) => error,
    );

    // Assess
    expect(retry).toMatchObject({ created: false, order: { id: first.order.id } });
    await expect(create([{ sku, quantity: 9 }], { key: 'po-key' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(receipts.codes).toEqual({ ok: 5 });
    expect(receipts.values.filter((v) => v.created)).toHaveLength(1);
    expect(reused).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await getPurchaseOrder(first.order.id)).toMatchObject({
      lines: [{ received: 3 }],
      receipts: [expect.anything()],
    });
    expect((await readStockLedger(sku)).movements).toEqual([3]);
  });

  it('dismisses an open suggestion once; it then lists as dismissed and cannot be ordered', async () => {
    // Prepare
    const { sku, suggestion } = await lowProduct();

    // Act
    const dismissed = await dismissReplenishment(suggestion.id, BY, new Date().toISOString());
    const again = await dismissReplenishment(suggestion.id, BY, new Date().toISOString()).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(dismissed).toMatchObject({ id: suggestion.id, status: 'dismissed', updatedBy: BY });
    expect(again).toMatchObject({ code: 'INVALID_STATE', extra: { currentStatus: 'dismissed' } });
    expect((await listReplenishments('dismissed', { limit: 100 })).items.map((r) => r.id)).toContain(
      suggestion.id,
    );
    expect((await listReplenishments('open', { limit: 100 })).items.map((r) => r.id)).not.toContain(
      suggestion.id,
    );
    await expect(create([{ sku, quantity: 1 }], { replenishmentIds: [suggestion.id] })).rejects.toMatchObject(
      {
        code: 'INVALID_STATE',
      },
    );
    await expect(
      dismissReplenishment('01JQ0000000000000000000000', BY, new Date().toISOString()),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
