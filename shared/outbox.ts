/**
 * The transactional outbox: the only way an event leaves a handler. `outboxPut` returns a
 * TransactWriteItems entry that the caller adds to the same transaction as its state change, so
 * the change and its events commit together or not at all. The table's stream hands each
 * outbox item to the publisher, which puts it on the bus. No handler calls PutEvents.
 *
 * | item   | pk                 | sk    |
 * |--------|--------------------|-------|
 * | outbox | OUTBOX#<event id>  | EVENT |
 */
import { monotonicFactory } from 'ulid';
import type { EventEnvelope } from '#events/envelope.ts';

/** Outbox items are kept a week for inspection; DynamoDB TTL removes them after that. */
const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;
export const OUTBOX_PK_PREFIX = 'OUTBOX#';

const nextId = monotonicFactory();

export interface NewEvent<D> {
  readonly type: string;
  readonly version: number;
  readonly data: D;
  readonly correlationId: string;
  /** Defaults to the function's `EVENT_SOURCE` (set by the topology). */
  readonly source?: string;
  readonly occurredAt?: string;
}

/** Stamps an event with a ULID, its source and time. */
export function newEvent<D>(event: NewEvent<D>): EventEnvelope & { data: D } {
  const source = event.source ?? process.env.EVENT_SOURCE;
  if (!source) throw new Error('EVENT_SOURCE is not set: the topology sets it for every function');
  return {
    id: nextId(),
    type: event.type,
    version: event.version,
    source,
    occurredAt: event.occurredAt ?? new Date().toISOString(),
    correlationId: event.correlationId,
    data: event.data,
  };
}

export interface OutboxItem {
  pk: string;
  sk: 'EVENT';
  entity: 'OutboxEvent';
  type: string;
  event: EventEnvelope;
  expiresAt: number;
}

export function outboxItem(event: EventEnvelope): OutboxItem {
  return {
    pk: `${OUTBOX_PK_PREFIX}${event.id}`,
    sk: 'EVENT',
    entity: 'OutboxEvent',
    type: event.type,
    event,
    expiresAt: Math.floor(Date.parse(event.occurredAt) / 1000) + OUTBOX_RETENTION_SECONDS,
  };
}

/** A `TransactWriteItems` Put for the event, for the caller's own transaction. */
export function outboxPut(tableName: string, event: EventEnvelope) {
  return {
    Put: {
      TableName: tableName,
      Item: outboxItem(event),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  } as const;
}
