/**
 * Starting fulfilment of a placed order: a pick list (SKU, name, quantity per line), the order
 * moved CONFIRMED → FULFILLING with a condition on its current status, and `FulfilmentStarted`,
 * all in one transaction with the consumer's marker. An order that is no longer CONFIRMED when the
 * event arrives (cancelled in between) is left alone: the event is marked consumed, nothing else.
 */
import { ulid } from 'ulid';
import type { EventOf } from '#events/catalog.ts';
import type { ConsumerTx } from '#events/consumer.ts';
import { getOrder, orderTransitionUpdate } from '#functions/orders/orders.ts';
import { logger } from '#shared/observability.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { type PickList, pickListPut } from './pick-lists.ts';

export async function startFulfilment(
  event: EventOf<'OrderPlaced'>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const { orderId } = event.data;
  const order = await getOrder(orderId);
  // The order and this event were written in one transaction: a missing order is a fault, retried.
  if (!order) throw new Error(`Order ${orderId} of OrderPlaced ${event.id} does not exist`);
  if (order.status !== 'CONFIRMED') {
    logger.info('order is no longer CONFIRMED: fulfilment not started', { orderId, status: order.status });
    return [];
  }
  const pickList: PickList = {
    pickListId: ulid(),
    orderId,
    status: 'OPEN',
    lines: event.data.lines.map(({ sku, name, quantity }) => ({ sku, name, quantity })),
    createdAt: tx.now,
  };
  return [
    pickListPut(pickList),
    // Conditioned on the status and `updatedAt` read above: a cancellation in between wins, and
    // the framework runs this handler again on the cancelled order.
    orderTransitionUpdate(order, {
      to: 'FULFILLING',
      at: tx.now,
      entry: { status: 'FULFILLING', at: tx.now },
    }),
    tx.emit('FulfilmentStarted', {
      orderId,
      pickListId: pickList.pickListId,
      lines: pickList.lines,
      startedAt: tx.now,
    }),
  ];
}
