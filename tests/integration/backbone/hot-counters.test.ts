/**
 * Sales counters under contention. DynamoDB Local serialises transactions, so it never answers
 * `TransactionConflict` the way DynamoDB does when a burst of consumer transactions hits the same
 * counter rows. Here every second `TransactWriteItems` the consumer sends is cancelled with
 * `TransactionConflict` before it reaches the table, while 500 events flow through a local queue
 * (the topology's maxReceiveCount, DLQ and maxConcurrency) into the real sales-reports
 * consumer on DynamoDB Local. Every event must count exactly once and none may reach the DLQ.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { salesReports } from '#functions/reports/consumer.ts';
import { readSalesReport } from '#functions/reports/sales.ts';
import { LocalQueue, SqsEventSource } from '#infra/local/sqs.ts';
import { topology } from '#infra/topology.ts';
import { ddb } from '#shared/ddb.ts';
import { busMessage, eventLike, eventually, lambdaContext, uniqueOrderId } from '../../support/backbone.ts';

const spec = topology.functions.salesReports.consumer;
const CHANNELS = ['web', 'mobile', 'phone', 'email'] as const;
const EVENTS = 500;

/**
 * Cancels every other attempt to apply each event (the first, third, …) with a conflict on its
 * counter row, as DynamoDB does when another transaction holds it. Attempts are counted per event
 * (by its consumer marker, the transaction's last item), so concurrent pollers cannot make one
 * event always land on a failing turn.
 */
function injectConflicts() {
  const calls = { total: 0, conflicted: 0 };
  const attempts = new Map<string, number>();
  ddb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      calls.total += 1;
      const items =
        (args.input as { TransactItems?: { Put?: { Item?: { pk?: unknown } } }[] }).TransactItems ?? [];
      const marker = JSON.stringify(items.at(-1)?.Put?.Item?.pk);
      const attempt = (attempts.get(marker) ?? 0) + 1;
      attempts.set(marker, attempt);
      if (attempt % 2 === 1) {
        calls.conflicted += 1;
        throw new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
          $metadata: {},
          CancellationReasons: items.map((_, i) => ({ Code: i === 0 ? 'TransactionConflict' : 'None' })),
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectTransactionConflicts' },
  );
  return calls;
}

const sources: SqsEventSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  ddb.middlewareStack.remove('injectTransactionConflicts');
});

describe('Sales counters with injected transaction conflicts (DynamoDB Local)', () => {
  it(`counts ${EVENTS} events exactly with every second transaction conflicted, and dead-letters none`, async () => {
    // Prepare: the consumer's queue as the topology declares it, with its maxConcurrency pollers
    const dlq = new LocalQueue({
      name: 'sales-reports-dlq',
      region: 'us-east-1',
      visibilityTimeoutMs: 30_000,
    });
    const queue = new LocalQueue({
      name: 'sales-reports',
      region: 'us-east-1',
      // Short enough to see retries soon, long enough that a slow invocation (a fresh clone's first
      // imports) is not received again while it runs: an extra receive is not a conflict, and with
      // 300 ms fresh-clone CI runs dead-lettered messages that had never been refused.
      visibilityTimeoutMs: 3_000,
      maxReceiveCount: spec.maxReceiveCount,
      deadLetterQueue: dlq,
    });
    sources.push(
      new SqsEventSource({
        functionName: 'salesReports',
        queue,
        spec: { ...spec, maxBatchingWindowSeconds: 0 },
        region: 'us-east-1',
        pollIntervalMs: 10,
        invoke: (event: SQSEvent) => salesReports.handler(event, lambdaContext('salesReports')),
      }),
    );
    const expected = new Map(CHANNELS.map((c) => [c, { orders: 0, units: 0, revenue: 0 }]));
    for (let i = 0; i < EVENTS; i++) {
      const channel = CHANNELS[i % CHANNELS.length]!;
      const quantity = 1 + (i % 3);
      const event = eventLike('OrderPlaced', {
        orderId: uniqueOrderId(),
        channel,
        currency: 'EUR',
        lines: [{ sku: 'HOT-1', name: 'Hot', quantity, unitPrice: 100, lineTotal: quantity * 100 }],
        subtotal: quantity * 100,
        discount: 0,
        total: quantity * 100,
        placedAt: `2032-06-0${1 + (i % 2)}T12:00:00.000Z`,
      });
      const counted = expected.get(channel)!;
      counted.orders += 1;
      counted.units += quantity;
      counted.revenue += quantity * 100;
      queue.send(JSON.stringify(busMessage(event)));
    }
    const calls = injectConflicts();

    // Act
    for (const source of sources) source.start();
    await eventually(() => (queue.size === 0 ? true : undefined), {
      what: 'every event consumed',
      timeoutMs: 90_000,
    });

    // Assess
    expect(dlq.size).toBe(0);
    expect(calls.conflicted).toBeGreaterThanOrEqual(EVENTS / 2);
    const report = await readSalesReport('2032-06-01', '2032-06-02');
    expect(report.totals).toMatchObject({
      orders: EVENTS,
      units: [...expected.values()].reduce((n, c) => n + c.units, 0),
    });
    for (const [channel, counted] of expected) {
      expect(report.totals.channels[channel], channel).toMatchObject({
        orders: counted.orders,
        units: counted.units,
        revenue: { EUR: counted.revenue },
      });
    }
  }, 180_000);
});
