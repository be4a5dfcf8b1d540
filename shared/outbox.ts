/**
 * The transactional outbox and the one emit path. `emitter(catalogue)` gives the `emit` every
 * producer uses (`events/emit.ts`): it validates the data against the catalogue's newest version,
 * builds the envelope (id, type, version, source, occurredAt, correlationId) and returns the outbox
 * Put for the caller's own transaction, so the change and its events commit together or not at all.
 * The table's stream hands each outbox item to the publisher, which puts it on the bus. No handler
 * calls PutEvents, and nothing else builds envelopes.
 *
 * | item   | pk                 | sk    |
 * |--------|--------------------|-------|
 * | outbox | OUTBOX#<event id>  | EVENT |
 */
import { monotonicFactory } from 'ulid';
import { requiredEnv } from './config.ts';
import type { Catalogue, EmitData, EventName } from './events/catalogue.ts';
import type { EventEnvelope } from './events/envelope.ts';

/** Outbox items are kept a week for inspection; DynamoDB TTL removes them after that. */
const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;
export const OUTBOX_PK_PREFIX = 'OUTBOX#';

const nextId = monotonicFactory();

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

/** A `TransactWriteItems` Put of one event, for the emitting transaction. */
export interface OutboxPut {
  readonly Put: {
    readonly TableName: string;
    readonly Item: OutboxItem;
    readonly ConditionExpression: 'attribute_not_exists(pk)';
  };
}

export function outboxPut(table: string, event: EventEnvelope): OutboxPut {
  return {
    Put: {
      TableName: table,
      Item: outboxItem(event),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export interface EmitContext {
  /** The HTTP request id (or the causing event's correlation id). */
  readonly correlationId: string;
  /** When the change happened; defaults to now. Pass the transaction's own timestamp. */
  readonly occurredAt?: string;
}

export type Emit<C extends Catalogue> = <T extends EventName<C>>(
  type: T,
  data: EmitData<C, T>,
  context: EmitContext,
) => OutboxPut;

/**
 * The emit function for a catalogue. A producer bug (data not matching the newest schema) throws
 * here, failing the request that would have written it, never a consumer downstream.
 */
export function emitter<C extends Catalogue>(catalogue: C): Emit<C> {
  // Read on first use, not at import: the topology and tools import this module without a table.
  let tableName: string | undefined;
  return (type, data, context) => {
    tableName ??= requiredEnv('TABLE_NAME');
    const entry = catalogue[type]!;
    const event = entry.schema.parse({
      id: nextId(),
      type,
      version: entry.version,
      source: entry.source,
      occurredAt: context.occurredAt ?? new Date().toISOString(),
      correlationId: context.correlationId,
      data,
    });
    return outboxPut(tableName, event);
  };
}
