/**
 * The consumer framework: every SQS-fed consumer in the topology is built with `consumer()` (bound to
 * the catalogue in `events/consumer.ts`).
 *
 * - Each SQS record is parsed with Powertools' SQS record schema, its body with Powertools'
 *   EventBridge schema (the rule delivers the whole EventBridge event), and its `detail` as the
 *   envelope. The envelope is then read in its newest shape (`readEvent`): an older version is
 *   upcast, a newer version than this code knows fails the record with a log line saying so. A
 *   message that cannot be read throws, so it fails alone (partial batch response), is retried, and
 *   reaches the queue's DLQ after `maxReceiveCount` receives.
 * - Every log line written while an event is applied carries the envelope's `correlationId` (the id
 *   of the HTTP request that caused it) and the event id.
 * - Each event is applied at most once per consumer: the handler returns the writes of its effect,
 *   and they commit in one `TransactWriteItems` with a marker item
 *   (`CONSUMED#<consumer>#<event id>`, condition `attribute_not_exists`). The marker failing its
 *   condition means the event was applied before: the delivery succeeds and changes nothing.
 *
 * - A record failing on its last allowed receive (`MAX_RECEIVE_COUNT`, the topology's
 *   `maxReceiveCount`, in the environment) counts as a `DlqArrivals` business metric: SQS moves it
 *   to the DLQ next.
 *
 * Records are processed one after another, not in parallel: the logger's correlation id is per
 * record, and a container serves one batch at a time.
 *
 * The records are parsed here rather than by the batch processor's own parser option: that option
 * fails a record it cannot parse with a debug line only, and a consumer must tell an unknown
 * version (an operator redrives it after an upgrade) from a malformed message, in its logs and
 * metrics.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { ddb, tableName } from './ddb.ts';
import {
  type Catalogue,
  type EmitData,
  type EventName,
  type EventOf,
  MalformedEventError,
  readEvent,
  UnknownEventVersionError,
} from './events/catalogue.ts';
import { EventEnvelope } from './events/envelope.ts';
import { logger, metrics, observed, recordBusinessMetric } from './observability.ts';
import { emitter } from './outbox.ts';
import { backoff, cancellationCodes, MAX_TRANSACT_ITEMS, type TransactWrite } from './transactions.ts';

/** Markers outlive every way an event can come back: SQS retention (14 days) and archive replay. */
const MARKER_RETENTION_SECONDS = 90 * 24 * 3600;

/** The queue's `maxReceiveCount` (the topology sets it); unknown (no DLQ metric) when absent. */
const maxReceiveCount = Number(process.env.MAX_RECEIVE_COUNT ?? Number.NaN);

/** Whether a record failing now goes to the DLQ: it was received its last allowed time. */
export const lastReceive = (record: SQSRecord, max: number = maxReceiveCount): boolean =>
  Number.isFinite(max) && Number(record.attributes.ApproximateReceiveCount) >= max;

/** Re-runs of a handler whose writes lost a race (a condition on state it read, or a conflict). */
const MAX_APPLY_ATTEMPTS = 3;

/**
 * An SQS record as Lambda delivers it from a queue an EventBridge rule targets: Powertools' record
 * schema, its body the JSON of Powertools' EventBridge event, whose `detail` is our envelope.
 */
export const EventBridgeSqsRecord = SqsRecordSchema.extend({
  body: JSONStringified(EventBridgeSchema.extend({ detail: EventEnvelope })),
});
export type EventBridgeMessage = z.infer<typeof EventBridgeSqsRecord>['body'];

export { MalformedEventError, UnknownEventVersionError };

/** What a handler gets besides the event: the table, the time, and a way to emit events. */
export interface ConsumerTx<C extends Catalogue> {
  readonly tableName: string;
  /** When this delivery is applied (ISO 8601). */
  readonly now: string;
  /** The envelope's correlation id, for events this one causes. */
  readonly correlationId: string;
  /**
   * The outbox Put of an event this one causes (the one emit path, with this event's correlation id
   * and `now`). Return it with the handler's other writes: it commits in the same transaction as the
   * effect and the marker.
   */
  emit<T extends EventName<C>>(type: T, data: EmitData<C, T>): TransactWrite;
}

/** The effect of one event: the writes to commit with the marker (may be empty: marker only). */
export type EventHandler<C extends Catalogue, T extends EventName<C>> = (
  event: EventOf<C, T>,
  tx: ConsumerTx<C>,
) => Promise<readonly TransactWrite[]>;

export type EventHandlers<C extends Catalogue> = { readonly [T in EventName<C>]?: EventHandler<C, T> };

export interface ConsumerDefinition<C extends Catalogue, H extends EventHandlers<C>> {
  /** The consumer's name in the topology; markers are keyed by it. */
  readonly name: string;
  /** The event types it handles, each receiving the newest version's shape. */
  readonly handlers: H;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored';

export interface Consumer {
  readonly name: string;
  /** The detail-types this consumer handles (a test checks they match its topology rule). */
  readonly eventTypes: readonly string[];
  /** The Lambda handler for the consumer's SQS event source (partial batch responses). */
  readonly handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  /** Parses one SQS record and applies it at most once; throws when it cannot. */
  readonly processRecord: (record: SQSRecord) => Promise<ApplyOutcome>;
}

export const markerKey = (consumerName: string, eventId: string) =>
  ({ pk: `CONSUMED#${consumerName}#${eventId}`, sk: 'MARKER' }) as const;

const EventBridgeBody = EventBridgeSqsRecord.shape.body;

/**
 * Parses an SQS record's body (an EventBridge event) and reads its envelope in the catalogue's
 * newest shape; throws `MalformedEventError` (or `UnknownEventVersionError`) otherwise.
 */
export function parseEventMessage<C extends Catalogue>(
  catalogue: C,
  body: string,
): { message: EventBridgeMessage; event: EventOf<C, EventName<C>> } {
  const parsed = EventBridgeBody.safeParse(body);
  if (!parsed.success) {
    throw new MalformedEventError(
      `Not an EventBridge event with an envelope: ${z.prettifyError(parsed.error)}`,
    );
  }
  const message = parsed.data;
  const envelope = message.detail;
  if (message['detail-type'] !== envelope.type || message.source !== envelope.source) {
    throw new MalformedEventError(
      `detail-type/source (${message['detail-type']}, ${message.source}) disagree with the envelope (${envelope.type}, ${envelope.source})`,
    );
  }
  return { message, event: readEvent(catalogue, envelope) };
}

function markerPut(consumerName: string, envelope: EventEnvelope, now: string): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...markerKey(consumerName, envelope.id),
        entity: 'ConsumedEvent',
        consumer: consumerName,
        eventId: envelope.id,
        type: envelope.type,
        correlationId: envelope.correlationId,
        appliedAt: now,
        expiresAt: Math.floor(Date.parse(now) / 1000) + MARKER_RETENTION_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Builds a consumer of the catalogue's events. Each handler returns the writes of its effect; the
 * framework adds the marker and commits them together, re-running the handler when its writes lose
 * a race.
 */
export function consumer<C extends Catalogue, const H extends EventHandlers<C>>(
  catalogue: C,
  definition: ConsumerDefinition<C, H>,
): Consumer {
  const { name, handlers } = definition;
  const emit = emitter(catalogue);
  const eventTypes = Object.keys(handlers).filter((type) => Object.hasOwn(catalogue, type));

  function handlerFor(type: string): EventHandler<C, EventName<C>> | undefined {
    // The event passed to it was read by the catalogue schema of this very type.
    return (handlers as Record<string, EventHandler<C, EventName<C>> | undefined>)[type];
  }

  async function apply(event: EventOf<C, EventName<C>>): Promise<ApplyOutcome> {
    const handle = handlerFor(event.type);
    if (!handle) {
      logger.warn('no handler for this event type: acknowledged without effect');
      return 'ignored';
    }
    for (let attempt = 1; ; attempt++) {
      const now = new Date().toISOString();
      const context = { correlationId: event.correlationId, occurredAt: now };
      const tx: ConsumerTx<C> = {
        tableName,
        now,
        correlationId: event.correlationId,
        emit: (type, data) => emit(type, data, context),
      };
      const writes = await handle(event, tx);
      if (writes.length + 1 > MAX_TRANSACT_ITEMS) {
        throw new Error(
          `${name} produced ${writes.length} writes for one event; at most ${MAX_TRANSACT_ITEMS - 1}`,
        );
      }
      try {
        await ddb.send(new TransactWriteCommand({ TransactItems: [...writes, markerPut(name, event, now)] }));
        return 'applied';
      } catch (error) {
        const codes = cancellationCodes(error);
        if (!codes) throw error;
        // The marker is the last item: its condition failing means this event was applied before.
        if (codes[writes.length] === 'ConditionalCheckFailed') return 'duplicate';
        const raced = codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict');
        if (!raced || attempt >= MAX_APPLY_ATTEMPTS) throw error;
        logger.info('writes lost a race; applying again on fresh state', { attempt, codes });
        await backoff(attempt - 1);
      }
    }
  }

  function read(record: SQSRecord): EventOf<C, EventName<C>> {
    try {
      const checked = SqsRecordSchema.safeParse(record);
      if (!checked.success) {
        throw new MalformedEventError(`Not an SQS record: ${z.prettifyError(checked.error)}`);
      }
      return parseEventMessage(catalogue, record.body).event;
    } catch (error) {
      if (error instanceof UnknownEventVersionError) {
        logger.error(
          'event version unknown to this consumer: failing the record (DLQ after maxReceiveCount)',
          {
            error,
            eventType: error.type,
            eventVersion: error.version,
            newestKnownVersion: error.newestKnown,
          },
        );
        metrics.addMetric('UnknownEventVersions', MetricUnit.Count, 1);
      } else {
        logger.error('malformed message: failing it alone (it reaches the DLQ after maxReceiveCount)', {
          error: error as Error,
        });
        metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
      }
      throw error;
    }
  }

  async function processRecord(record: SQSRecord): Promise<ApplyOutcome> {
    logger.appendKeys({
      messageId: record.messageId,
      receiveCount: record.attributes.ApproximateReceiveCount,
    });
    const event = read(record);
    logger.setCorrelationId(event.correlationId);
    logger.appendKeys({ eventId: event.id, eventType: event.type });
    const started = Date.now();
    const outcome = await apply(event);
    metrics.addMetric(
      outcome === 'applied' ? 'EventsApplied' : outcome === 'duplicate' ? 'EventsDuplicate' : 'EventsIgnored',
      MetricUnit.Count,
      1,
    );
    logger.info(`event ${outcome}`, {
      outcome,
      ageMs: started - Date.parse(event.occurredAt),
      durationMs: Date.now() - started,
    });
    return outcome;
  }

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    try {
      await processRecord(record);
    } catch (error) {
      if (!(error instanceof MalformedEventError)) {
        logger.error('event not applied: it will be retried', { error: error as Error });
        metrics.addMetric('EventsFailed', MetricUnit.Count, 1);
      }
      if (lastReceive(record)) {
        recordBusinessMetric('DlqArrivals', 1);
        logger.error('last allowed receive failed: the message goes to the DLQ', { consumer: name });
      }
      throw error;
    } finally {
      logger.removeKeys(['messageId', 'receiveCount', 'eventId', 'eventType']);
      logger.setCorrelationId(invocationId);
    }
  };

  // One processor per container, as Powertools recommends; batches are processed one at a time.
  const processor = new BatchProcessor(EventType.SQS);
  // Lines outside a record (the batch's) carry the invocation's id as their correlation id.
  let invocationId = '';
  const core = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    invocationId = context.awsRequestId;
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  };

  const handler = observed('consumer', core);

  return { name, eventTypes, handler, processRecord };
}
