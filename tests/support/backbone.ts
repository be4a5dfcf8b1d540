/**
 * Helpers for event-backbone tests: catalogue samples, events derived from them, the shapes the
 * bus and queues hand consumers, and a Lambda context for invoking handlers in-process.
 */
import { readFileSync } from 'node:fs';
import type { Context, SQSRecord } from 'aws-lambda';
import { ulid } from 'ulid';
import { type EventOf, type EventType, eventCatalogue } from '#events/catalog.ts';
import type { Order } from '#functions/orders/orders.ts';
import type { EventEnvelope } from '#shared/events/envelope.ts';

/** The catalogue sample of a detail-type, parsed by its schema. */
export function sampleEvent<T extends EventType>(type: T): EventOf<T> {
  const entry = eventCatalogue[type];
  const url = new URL(`../../events/samples/${type}.v${entry.version}.json`, import.meta.url);
  const json: unknown = JSON.parse(readFileSync(url, 'utf8'));
  // The schema of exactly this type parses it.
  return entry.schema.parse(json) as EventOf<T>;
}

/** The sample with a fresh id and the given changes to `data` (and envelope fields). */
export function eventLike<T extends EventType>(
  type: T,
  data: Partial<EventOf<T>['data']> = {},
  envelope: Partial<Pick<EventEnvelope, 'correlationId' | 'occurredAt' | 'id'>> = {},
): EventOf<T> {
  const sample = sampleEvent(type);
  return { ...sample, id: ulid(), ...envelope, data: { ...sample.data, ...data } };
}

/** The EventBridge event an SQS target receives for an envelope. */
export function busMessage(envelope: EventEnvelope) {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': envelope.type,
    source: envelope.source,
    account: '000000000000',
    time: `${envelope.occurredAt.slice(0, 19)}Z`,
    region: 'us-east-1',
    resources: [],
    detail: envelope,
  };
}

/** An SQS record as Lambda delivers it, with `body` as given. */
export function sqsRecord(body: string, receiveCount = 1): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: crypto.randomUUID(),
    receiptHandle: crypto.randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: now,
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
    awsRegion: 'us-east-1',
  };
}

/** The SQS record carrying an envelope as the bus delivers it. */
export const sqsRecordFor = (envelope: EventEnvelope): SQSRecord =>
  sqsRecord(JSON.stringify(busMessage(envelope)));

/** A Lambda context for in-process invocations. */
export function lambdaContext(functionName = 'test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 10_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The order an `OrderPlaced` event describes, as the orders module stores it, in `status`. */
export function orderFromPlaced(event: EventOf<'OrderPlaced'>, status: Order['status'] = 'CONFIRMED'): Order {
  const d = event.data;
  return {
    id: d.orderId,
    customerId: d.customerId,
    status,
    lines: d.lines,
    subtotal: d.subtotal,
    discount: d.discount,
    total: d.total,
    currency: d.currency,
    ...(d.couponCode ? { couponCode: d.couponCode } : {}),
    channel: d.channel,
    shippingAddress: d.shippingAddress ?? {
      name: 'Ada',
      line1: '1 Main St',
      city: 'Amsterdam',
      postalCode: '1000 AA',
      country: 'NL',
    },
    history: [{ status: 'CONFIRMED', at: d.placedAt }],
    shipments: [],
    placedAt: d.placedAt,
    updatedAt: d.placedAt,
    placedBy: d.customerId,
    requestHash: 'test',
  };
}

/** A fresh order id (the orders module's ids are 26 Crockford base-32 characters). */
export const uniqueOrderId = (): string => ulid();
