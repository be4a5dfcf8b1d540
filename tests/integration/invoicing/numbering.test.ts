/**
 * Gapless numbering under concurrency (DynamoDB Local, this file's own table, so the year's series
 * starts at 1): 100 orders invoiced by 10 concurrent handler invocations of 10 records each, with
 * every failed record delivered again the way SQS does (partial batch responses), until none fail.
 */
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { getOrder } from '#functions/orders/orders.ts';
import { lambdaContext, sqsRecordFor } from '../../support/backbone.ts';
import { allDocuments, placedEvent, storeOrders } from './fixtures.ts';

vi.hoisted(() => {
  process.env.EVENT_SOURCE = 'storeline.invoicing';
});
const { invoicing } = await import('#functions/invoicing/consumer.ts');

const ORDERS = 100;
const BATCH = 10;
const MAX_ROUNDS = 60;
const context = lambdaContext('invoicing');

/** Runs every record through the handler in concurrent batches; answers the records that failed. */
async function invokeConcurrently(records: readonly SQSRecord[]): Promise<SQSRecord[]> {
  const batches: SQSRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH) batches.push(records.slice(i, i + BATCH));
  const responses: SQSBatchResponse[] = await Promise.all(
    // DynamoDB Local on a shared machine is far slower than DynamoDB: no Lambda timeout here.
    batches.map((Records) =>
      invoicing.handler({ Records }, { ...context, getRemainingTimeInMillis: () => 600_000 }).catch(
        // A batch whose every record lost the numbering race fails the invocation (Powertools'
        // FullBatchFailureError); SQS then redelivers all of it, and so does this loop.
        (): SQSBatchResponse => ({
          batchItemFailures: Records.map((r) => ({ itemIdentifier: r.messageId })),
        }),
      ),
    ),
  );
  const failed = new Set(responses.flatMap((r) => r.batchItemFailures.map((f) => f.itemIdentifier)));
  return records.filter((r) => failed.has(r.messageId));
}

describe('Invoice numbering under concurrent consumer invocations (DynamoDB Local)', () => {
  it(`numbers ${ORDERS} invoices 1..${ORDERS} in the year's series: no gap, no duplicate, one per order`, async () => {
    // Prepare
    const events = Array.from({ length: ORDERS }, () => placedEvent());
    await storeOrders(events);
    // Act: 10 concurrent invocations of 10 records; failed records come back, as SQS redelivers them
    let pending: SQSRecord[] = events.map(sqsRecordFor);
    let rounds = 0;
    while (pending.length > 0) {
      rounds += 1;
      expect(rounds, 'records still failing after many redeliveries').toBeLessThanOrEqual(MAX_ROUNDS);
      pending = await invokeConcurrently(pending);
    }
    // Redeliver every event once more: nothing changes
    expect(await invokeConcurrently(events.map(sqsRecordFor))).toEqual([]);
    // Assess
    const documents = await allDocuments();
    const year = new Date().toISOString().slice(0, 4);
    expect(documents).toHaveLength(ORDERS);
    expect(documents.every((d) => d.kind === 'invoice')).toBe(true);
    const sequences = documents.map((d) => d.number).sort();
    expect(sequences).toEqual(
      Array.from({ length: ORDERS }, (_, i) => `INV-${year}-${String(i + 1).padStart(6, '0')}`),
    );
    expect(new Set(documents.map((d) => d.orderId)).size).toBe(ORDERS);
    // Numbers and issue dates increase together.
    const byNumber = [...documents].sort((a, b) => a.number.localeCompare(b.number));
    for (let i = 1; i < byNumber.length; i++) {
      expect(byNumber[i]!.issuedAt >= byNumber[i - 1]!.issuedAt).toBe(true);
    }
    // Every order names its own invoice.
    const invoiceOf = new Map(documents.map((d) => [d.orderId, d.id]));
    for (const event of events.slice(0, 20)) {
      expect((await getOrder(event.data.orderId))?.invoiceId).toBe(invoiceOf.get(event.data.orderId));
    }
  }, 300_000);
});
