import { GetCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { consumer } from '#events/consumer.ts';
import { getPickListForOrder } from '#functions/fulfilment/pick-lists.ts';
import { getOrder, orderKey, placeOrderPut } from '#functions/orders/orders.ts';
import { markerKey } from '#shared/consumer.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, orderFromPlaced, sqsRecordFor, uniqueOrderId } from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.EVENT_SOURCE = 'storeline.fulfilment';
});
const { fulfilment } = await import('#functions/fulfilment/handler.ts');
const { startFulfilment } = await import('#functions/fulfilment/fulfilment.ts');

async function placed(status: 'CONFIRMED' | 'CANCELLED' = 'CONFIRMED', correlationId = 'req-fulfil') {
  const event = eventLike('OrderPlaced', { orderId: uniqueOrderId() }, { correlationId });
  await ddb.send(
    new TransactWriteCommand({ TransactItems: [placeOrderPut(orderFromPlaced(event, status))] }),
  );
  return event;
}

/** The outbox items about an order (a scan is fine on this file's own small table). */
async function outboxEventsFor(orderId: string) {
  const { Items = [] } = await ddb.send(
    new ScanCommand({
      TableName: tableName,
      FilterExpression: 'begins_with(pk, :p) AND #event.#data.orderId = :id',
      ExpressionAttributeNames: { '#event': 'event', '#data': 'data' },
      ExpressionAttributeValues: { ':p': 'OUTBOX#', ':id': orderId },
    }),
  );
  return Items;
}

const markerOf = async (eventId: string) =>
  (await ddb.send(new GetCommand({ TableName: tableName, Key: markerKey('fulfilment', eventId) }))).Item;

describe('Consumer: fulfilment (DynamoDB Local)', () => {
  it('creates the pick list, moves the order to FULFILLING and emits FulfilmentStarted, once', async () => {
    // Prepare
    const event = await placed();
    const { orderId } = event.data;
    // Act
    const outcome = await fulfilment.processRecord(sqsRecordFor(event));
    // Assess
    expect(outcome).toBe('applied');
    const order = await getOrder(orderId);
    expect(order?.status).toBe('FULFILLING');
    expect(order?.history.map((h) => h.status)).toEqual(['CONFIRMED', 'FULFILLING']);
    const pickList = await getPickListForOrder(orderId);
    expect(pickList).toMatchObject({
      orderId,
      status: 'OPEN',
      lines: event.data.lines.map(({ sku, name, quantity }) => ({ sku, name, quantity })),
    });
    const emitted = await outboxEventsFor(orderId);
    expect(emitted.map((i) => i.event)).toEqual([
      expect.objectContaining({
        type: 'FulfilmentStarted',
        source: 'storeline.fulfilment',
        correlationId: 'req-fulfil',
        data: expect.objectContaining({ orderId, pickListId: pickList?.pickListId }),
      }),
    ]);
    expect(await markerOf(event.id)).toMatchObject({ consumer: 'fulfilment', eventId: event.id });
  });

  it('changes nothing when the same event is delivered again', async () => {
    // Prepare
    const event = await placed();
    await fulfilment.processRecord(sqsRecordFor(event));
    const before = await getOrder(event.data.orderId);
    const pickList = await getPickListForOrder(event.data.orderId);
    // Act
    const outcome = await fulfilment.processRecord(sqsRecordFor(event));
    // Assess
    expect(outcome).toBe('duplicate');
    expect(await getOrder(event.data.orderId)).toEqual(before);
    expect(await getPickListForOrder(event.data.orderId)).toEqual(pickList);
    expect(await outboxEventsFor(event.data.orderId)).toHaveLength(1);
  });

  it('leaves an order cancelled before the event arrives alone, and marks the event consumed', async () => {
    const event = await placed('CANCELLED');
    expect(await fulfilment.processRecord(sqsRecordFor(event))).toBe('applied');
    expect((await getOrder(event.data.orderId))?.status).toBe('CANCELLED');
    expect(await getPickListForOrder(event.data.orderId)).toBeUndefined();
    expect(await outboxEventsFor(event.data.orderId)).toHaveLength(0);
    expect(await markerOf(event.id)).toBeDefined();
  });

  it('lets a cancellation that lands between its read and its write win', async () => {
    // Prepare: the order is cancelled right after fulfilment read it as CONFIRMED
    const event = await placed();
    let cancelledOnce = false;
    const racing = consumer({
      name: 'fulfilment',
      handlers: {
        OrderPlaced: async (e, tx) => {
          const writes = await startFulfilment(e, tx);
          if (!cancelledOnce) {
            cancelledOnce = true;
            await ddb.send(
              new UpdateCommand({
                TableName: tableName,
                Key: orderKey(e.data.orderId),
                UpdateExpression: 'SET #s = :c, updatedAt = :now',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':c': 'CANCELLED', ':now': new Date().toISOString() },
              }),
            );
          }
          return writes;
        },
      },
    });
    // Act
    const outcome = await racing.processRecord(sqsRecordFor(event));
    // Assess: the stale writes were refused as a whole; the retry saw the cancellation
    expect(outcome).toBe('applied');
    expect((await getOrder(event.data.orderId))?.status).toBe('CANCELLED');
    expect(await getPickListForOrder(event.data.orderId)).toBeUndefined();
    expect(await outboxEventsFor(event.data.orderId)).toHaveLength(0);
  });

  it('fails (to be retried) when the order does not exist', async () => {
    const event = eventLike('OrderPlaced', { orderId: uniqueOrderId() });
    await expect(fulfilment.processRecord(sqsRecordFor(event))).rejects.toThrow(/does not exist/);
    expect(await markerOf(event.id)).toBeUndefined();
  });
});
