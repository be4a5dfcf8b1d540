/**
 * Shared set-up for the orders and stock integration tests (DynamoDB Local, one table per file):
 * principals, products with received stock, order requests, and a view of the outbox.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { recordStockMovement } from '#functions/catalog/movements.ts';
import { upsertProduct } from '#functions/catalog/products.ts';
import type { PlaceOrderInput } from '#functions/orders/contract.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { EventEnvelope } from '#shared/events/envelope.ts';
import { OUTBOX_PK_PREFIX } from '#shared/outbox.ts';

export const customer = (sub: string): Principal => ({ sub, groups: [], isStaff: false });
export const staff = (sub = 'staff-1'): Principal => ({ sub, groups: ['staff'], isStaff: true });

let counter = 0;
/** A SKU unique within the file's table. */
export const newSku = (prefix = 'SKU'): string =>
  `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

/** A product at `price` with `stock` received (one receipt movement). */
export async function stockedProduct(
  options: {
    sku?: string;
    price?: number;
    currency?: string;
    stock?: number;
    active?: boolean;
    name?: string;
  } = {},
): Promise<string> {
  const sku = options.sku ?? newSku();
  await upsertProduct(
    sku,
    {
      name: options.name ?? `Product ${sku}`,
      price: options.price ?? 1000,
      currency: options.currency ?? 'EUR',
      ...(options.active === undefined ? {} : { active: options.active }),
    },
    new Date().toISOString(),
  );
  if (options.stock) {
    await recordStockMovement({
      sku,
      input: { quantity: options.stock, reason: 'receipt' },
      by: 'staff-1',
      correlationId: 'test-setup',
    });
  }
  return sku;
}

export const address = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
} as const;

/** A valid order body for these lines (channel web, the test address). */
export const orderInput = (
  lines: { sku: string; quantity: number }[],
  extra: Partial<PlaceOrderInput> = {},
): PlaceOrderInput => ({ lines, channel: 'web', shippingAddress: { ...address }, ...extra });

const OutboxRecord = z.object({
  type: z.string(),
  event: EventEnvelope.extend({ data: z.record(z.string(), z.unknown()) }),
});
export type OutboxRecord = z.infer<typeof OutboxRecord>;

/**
 * Every outbox item in this file's table. A Scan is fine here: the table is the test's own and
 * holds a few hundred items; request paths never scan.
 */
export async function outbox(): Promise<OutboxRecord[]> {
  const out: OutboxRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': OUTBOX_PK_PREFIX },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) out.push(OutboxRecord.parse(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return out;
}

/** Outbox events of one type concerning one order (or SKU). */
export async function eventsFor(type: string, match: { orderId?: string; sku?: string }) {
  return (await outbox()).filter(
    (r) =>
      r.type === type &&
      (match.orderId === undefined || r.event.data.orderId === match.orderId) &&
      (match.sku === undefined || r.event.data.sku === match.sku),
  );
}

/** Settles every promise and sorts the outcomes by error code (`ok` for fulfilled). */
export async function settle<T>(promises: Promise<T>[]) {
  const results = await Promise.allSettled(promises);
  const byCode = new Map<string, number>();
  const values: T[] = [];
  const errors: unknown[] = [];
  for (const r of results) {
    const code =
      r.status === 'fulfilled'
        ? 'ok'
        : r.reason instanceof Error && 'code' in r.reason
          ? String(r.reason.code)
          : `error:${String(r.reason)}`;
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
    if (r.status === 'fulfilled') values.push(r.value);
    else errors.push(r.reason);
  }
  return {
    count: (code: string) => byCode.get(code) ?? 0,
    codes: Object.fromEntries(byCode),
    values,
    errors,
  };
}
