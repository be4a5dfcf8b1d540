/**
 * Shared set-up for the replenishment integration tests (DynamoDB Local, one table per file):
 * products with reorder settings, and delivery of outbox events to the replenishment consumer as
 * SQS would (concurrently, failed records redelivered).
 */
import { expect } from 'vitest';
import type { ApplyOutcome } from '#events/consumer.ts';
import { upsertProduct } from '#functions/catalog/products.ts';
import { replenishment } from '#functions/replenishment/consumer.ts';
import { sqsRecordFor } from '../../support/backbone.ts';
import { type OutboxRecord, outbox, stockedProduct } from '../orders/fixtures.ts';

/** A product with `stock` received and the given reorder point and quantity. */
export async function productWithReorderPoint(options: {
  stock: number;
  reorderPoint: number;
  reorderQuantity: number;
  price?: number;
}): Promise<string> {
  const sku = await stockedProduct({ stock: options.stock, price: options.price ?? 1000 });
  await upsertProduct(
    sku,
    {
      name: `Product ${sku}`,
      price: options.price ?? 1000,
      currency: 'EUR',
      reorderPoint: options.reorderPoint,
      reorderQuantity: options.reorderQuantity,
    },
    new Date().toISOString(),
  );
  return sku;
}

/** Outbox events of `type` that concern `sku` (directly or on one of their lines). */
export async function outboxFor(type: string, sku: string): Promise<OutboxRecord[]> {
  return (await outbox()).filter((r) => {
    if (r.type !== type) return false;
    const data = r.event.data as { sku?: unknown; lines?: { sku?: unknown }[] };
    return data.sku === sku || (data.lines ?? []).some((l) => l.sku === sku);
  });
}

/**
 * Hands every record to the replenishment consumer at once, as concurrent Lambda invocations
 * would; a record that fails is delivered again, as SQS does after its visibility timeout.
 * Returns the outcome of each record's successful delivery.
 */
export async function deliver(records: readonly OutboxRecord[]): Promise<ApplyOutcome[]> {
  const outcomes = new Map<string, ApplyOutcome>();
  let pending = [...records];
  for (let receive = 1; pending.length > 0 && receive <= 5; receive++) {
    const results = await Promise.allSettled(
      pending.map((r) => replenishment.processRecord(sqsRecordFor(r.event))),
    );
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') outcomes.set(pending[i]!.event.id, result.value);
    });
    pending = pending.filter((_, i) => results[i]!.status === 'rejected');
  }
  expect(pending, 'records still failing after 5 receives').toHaveLength(0);
  return records.map((r) => outcomes.get(r.event.id)!);
}
