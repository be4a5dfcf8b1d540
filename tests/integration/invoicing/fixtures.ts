/**
 * Shared set-up for the invoicing integration tests (DynamoDB Local, one table per file): orders
 * stored as intake stores them, the events about them, and the documents and outbox items they led to.
 */
import { BatchWriteCommand, QueryCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { EventOf } from '#events/catalog.ts';
import { DocumentRecord, type InvoiceDocument, orderDocumentsPk } from '#functions/invoicing/documents.ts';
import { type Order, orderToItem, placeOrderPut } from '#functions/orders/orders.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, orderFromPlaced, uniqueOrderId } from '../../support/backbone.ts';

export interface OrderSpec {
  readonly lines?: { sku: string; quantity: number; unitPrice: number }[];
  readonly discount?: number;
  readonly country?: string;
  readonly customerId?: string;
}

/** An `OrderPlaced` event for a fresh order with these lines (default: the catalogue sample's). */
export function placedEvent(spec: OrderSpec = {}): EventOf<'OrderPlaced'> {
  const sample = eventLike('OrderPlaced');
  const lines = spec.lines
    ? spec.lines.map((l) => ({ ...l, name: `Name of ${l.sku}`, lineTotal: l.quantity * l.unitPrice }))
    : sample.data.lines;
  const subtotal = lines.reduce((s, l) => s + l.lineTotal, 0);
  const discount = spec.discount ?? 0;
  return eventLike(
    'OrderPlaced',
    {
      orderId: uniqueOrderId(),
      customerId: spec.customerId ?? sample.data.customerId,
      lines,
      subtotal,
      discount,
      total: subtotal - discount,
      placedAt: new Date().toISOString(),
      shippingAddress: {
        name: 'Ada Lovelace',
        line1: '12 St James Square',
        city: 'London',
        postalCode: 'SW1Y 4JH',
        country: spec.country ?? 'GB',
      },
    },
    { correlationId: 'req-invoice' },
  );
}

/** Stores the order an `OrderPlaced` event describes (as intake would have, in the same transaction). */
export async function storeOrder(event: EventOf<'OrderPlaced'>, status: Order['status'] = 'CONFIRMED') {
  await ddb.send(
    new TransactWriteCommand({ TransactItems: [placeOrderPut(orderFromPlaced(event, status))] }),
  );
  return event;
}

/** Stores many orders at once (BatchWriteItem, 25 a call). */
export async function storeOrders(events: readonly EventOf<'OrderPlaced'>[]) {
  for (let i = 0; i < events.length; i += 25) {
    await ddb.send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName]: events
            .slice(i, i + 25)
            .map((e) => ({ PutRequest: { Item: orderToItem(orderFromPlaced(e)) } })),
        },
      }),
    );
  }
}

/** The `OrderCancelled` event of a placed order. */
export function cancelledEvent(of: EventOf<'OrderPlaced'>): EventOf<'OrderCancelled'> {
  const { placedAt: _placedAt, shippingAddress: _address, ...summary } = of.data;
  return eventLike(
    'OrderCancelled',
    {
      ...summary,
      cancelledAt: new Date().toISOString(),
      previousStatus: 'CONFIRMED',
      cancelledBy: summary.customerId,
    },
    { correlationId: 'req-cancel' },
  );
}

/** A `ReturnReceived` event for units of a placed order. */
export function returnedEvent(
  of: EventOf<'OrderPlaced'>,
  lines: { sku: string; quantity: number }[],
  returnId = uniqueOrderId(),
): EventOf<'ReturnReceived'> {
  return eventLike(
    'ReturnReceived',
    {
      returnId,
      orderId: of.data.orderId,
      customerId: of.data.customerId,
      lines: lines.map((l) => ({ ...l, disposition: 'restock' as const })),
      receivedAt: new Date().toISOString(),
    },
    { correlationId: 'req-return' },
  );
}

/** An order's documents, oldest first (its `gsi1` query, as the API reads it). */
export async function documentsOf(orderId: string): Promise<InvoiceDocument[]> {
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': orderDocumentsPk(orderId) },
    }),
  );
  return Items.map((item) => DocumentRecord.parse(item));
}

/** Every document in the file's table (a scan is fine on this small throw-away table). */
export async function allDocuments(): Promise<InvoiceDocument[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': 'INVOICE#' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.map((item) => DocumentRecord.parse(item));
}

/** The outbox events about an order, of the given types. */
export async function outboxEventsFor(orderId: string, types: readonly string[]) {
  const { Items = [] } = await ddb.send(
    new ScanCommand({
      TableName: tableName,
      FilterExpression: 'begins_with(pk, :p) AND #event.#data.orderId = :id',
      ExpressionAttributeNames: { '#event': 'event', '#data': 'data' },
      ExpressionAttributeValues: { ':p': 'OUTBOX#', ':id': orderId },
    }),
  );
  return Items.map(
    (i) => i.event as { type: string; data: Record<string, unknown>; correlationId: string },
  ).filter((e) => types.includes(e.type));
}
