/**
 * A consumer behind its local queue, as Lambda's SQS event source runs it: the real fulfilment
 * consumer on DynamoDB Local, a queue with a short visibility timeout and maxReceiveCount 3.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getOrder, placeOrderPut } from '#functions/orders/orders.ts';
import { LocalQueue, SqsEventSource } from '#infra/local/sqs.ts';
import { ddb } from '#shared/ddb.ts';
import {
  busMessage,
  eventLike,
  eventually,
  lambdaContext,
  orderFromPlaced,
  uniqueOrderId,
} from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.EVENT_SOURCE = 'storeline.fulfilment';
});
const { handler } = await import('#functions/fulfilment/handler.ts');

const MAX_RECEIVES = 3;
const sources: SqsEventSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

function consumerQueue() {
  const dlq = new LocalQueue({ name: 'fulfilment-dlq', region: 'us-east-1', visibilityTimeoutMs: 30_000 });
  const queue = new LocalQueue({
    name: 'fulfilment',
    region: 'us-east-1',
    visibilityTimeoutMs: 150,
    maxReceiveCount: MAX_RECEIVES,
    deadLetterQueue: dlq,
  });
  const batches: string[][] = [];
  const source = new SqsEventSource({
    functionName: 'fulfilment',
    queue,
    spec: { batchSize: 10, maxBatchingWindowSeconds: 0 },
    region: 'us-east-1',
    pollIntervalMs: 20,
    invoke: async (event: SQSEvent) => {
      batches.push(event.Records.map((r) => r.body));
      return handler(event, lambdaContext('fulfilment'));
    },
  });
  sources.push(source);
  return { queue, dlq, source, batches };
}

async function placedOrder(withOrder = true) {
  const event = eventLike('OrderPlaced', { orderId: uniqueOrderId() });
  if (withOrder)
    await ddb.send(new TransactWriteCommand({ TransactItems: [placeOrderPut(orderFromPlaced(event))] }));
  return event;
}

const statusOf = async (orderId: string) => (await getOrder(orderId))?.status;

describe('Local queue → fulfilment consumer (DynamoDB Local)', () => {
  it('applies the good records of a batch, retries the poison one, then dead-letters it; redrive brings it back', async () => {
    // Prepare: three orders, one event whose order does not exist yet, one message that is not an event
    const good = [await placedOrder(), await placedOrder(), await placedOrder()];
    const orphan = await placedOrder(false);
    const { queue, dlq, source, batches } = consumerQueue();
    queue.send(JSON.stringify(busMessage(good[0]!)));
    const orphanMessage = queue.send(JSON.stringify(busMessage(orphan)));
    queue.send('{"not": "an event"');
    queue.send(JSON.stringify(busMessage(good[1]!)));
    queue.send(JSON.stringify(busMessage(good[2]!)));

    // Act
    source.start();

    // Assess: the good ones are applied in the first batch and never come back
    for (const event of good) {
      await eventually(async () =>
        (await statusOf(event.data.orderId)) === 'FULFILLING' ? true : undefined,
      );
    }
    await eventually(() => (dlq.size === 2 && queue.size === 0 ? true : undefined), {
      what: 'both poison messages in the DLQ',
    });
    expect(batches[0]).toHaveLength(5);
    expect(batches.slice(1).every((b) => b.length <= 2)).toBe(true);
    expect(dlq.peek().map((m) => m.receiveCount)).toEqual([MAX_RECEIVES, MAX_RECEIVES]);
    expect(batches.filter((b) => b.includes(orphanMessage.body))).toHaveLength(MAX_RECEIVES);

    // Act: the cause is fixed (the order now exists) and the DLQ is redriven
    await ddb.send(new TransactWriteCommand({ TransactItems: [placeOrderPut(orderFromPlaced(orphan))] }));
    expect(dlq.redriveTo(queue)).toBe(2);

    // Assess: the redriven event is applied; the malformed message goes back to the DLQ
    await eventually(
      async () => ((await statusOf(orphan.data.orderId)) === 'FULFILLING' ? true : undefined),
      {
        what: 'the redriven order to be FULFILLING',
      },
    );
    await eventually(() => (dlq.size === 1 && queue.size === 0 ? true : undefined), {
      what: 'the malformed message back in the DLQ',
    });
    expect(dlq.peek()[0]?.body).toBe('{"not": "an event"');
  });

  it('changes nothing when the queue delivers an applied event again', async () => {
    const event = await placedOrder();
    const { queue, source } = consumerQueue();
    source.start();
    queue.send(JSON.stringify(busMessage(event)));
    await eventually(async () => ((await statusOf(event.data.orderId)) === 'FULFILLING' ? true : undefined));
    const before = await getOrder(event.data.orderId);
    // The same event again (SQS is at-least-once; EventBridge may deliver twice too)
    queue.send(JSON.stringify(busMessage(event)));
    await eventually(() => (queue.size === 0 ? true : undefined));
    expect(await getOrder(event.data.orderId)).toEqual(before);
  });
});
