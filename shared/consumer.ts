/**
 * The consumer framework: every SQS-fed consumer in the topology is built with `consumer()`.
 *
 * - Each SQS record's body is the EventBridge event the rule delivered; its `detail` is the
 *   envelope. Both are parsed with zod, then `data` with the catalogue's schema for that
 *   detail-type and version. A malformed message throws, so it fails alone (partial batch
 *   response), is retried, and reaches the queue's DLQ after `maxReceiveCount` receives.
 * - Every log line written while an event is applied carries the envelope's `correlationId` (the id
 *   of the HTTP request that caused it) and the event id.
 * - Each event is applied at most once per consumer: the handler returns the writes of its effect,
 *   and they commit in one `TransactWriteItems` with a marker item
 *   (`CONSUMED#<consumer>#<event id>`, condition `attribute_not_exists`). The marker failing its
 *   condition means the event was applied before: the delivery succeeds and changes nothing.
 *
 * Records are processed one after another, not in parallel: the logger's correlation id is per
 * record, and a container serves one batch at a time.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import {
  type EventData,
  type EventType as EventName,
  type EventOf,
  eventCatalogue,
} from '#events/catalog.ts';
import { EventEnvelope } from '#events/envelope.ts';
import { ddb, tableName } from './ddb.ts';
import { logger, metrics } from './observability.ts';
import { newEvent, outboxPut } from './outbox.ts';
import { backoff, cancellationCodes, MAX_TRANSACT_ITEMS, type TransactWrite } from './transactions.ts';

/** Markers outlive every way an event can come back: SQS retention (14 days) and archive replay. */
const MARKER_RETENTION_SECONDS = 90 * 24 * 3600;

/** Re-runs of a handler whose writes lost a race (a condition on state it read, or a conflict). */
const MAX_APPLY_ATTEMPTS = 3;

/** The EventBridge event an SQS target receives from a rule, with the envelope as `detail`. */
export const EventBridgeMessage = z.object({
  version: z.string(),
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: EventEnvelope,
});
export type EventBridgeMessage = z.infer<typeof EventBridgeMessage>;

/** A message this consumer can never apply; thrown so the record fails alone and ends in the DLQ. */
export class MalformedEventError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MalformedEventError';
  }
}

/** What a handler gets besides the event: the table, the time, and a way to emit events. */
export interface ConsumerTx {
  readonly tableName: string;
  /** When this delivery is applied (ISO 8601). */
  readonly now: string;
  /** The envelope's correlation id, for events this one causes. */
  readonly correlationId: string;
  /**
   * An outbox Put for an event this one causes, validated against the catalogue. Return it with
   * the handler's other writes: it commits in the same transaction as the effect and the marker.
   */
  emit<T extends EventName>(type: T, data: EventData<T>): TransactWrite;
}

/** The effect of one event: the writes to commit with the marker (may be empty: marker only). */
export type EventHandler<T extends EventName> = (
  event: EventOf<T>,
  tx: ConsumerTx,
) => Promise<readonly TransactWrite[]>;

export type EventHandlers = { readonly [T in EventName]?: EventHandler<T> };

export interface ConsumerDefinition<H extends EventHandlers> {
  /** The consumer's name in the topology; markers are keyed by it. */
  readonly name: string;
  readonly handlers: H;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored';

export interface Consumer {
  readonly name: string;
  /** The detail-types this consumer handles (a test checks they match its topology rule). */
  readonly eventTypes: readonly EventName[];
  /** The Lambda handler for the consumer's SQS event source (partial batch responses). */
  readonly handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  /** Parses one SQS record and applies it at most once; throws when it cannot. */
  readonly processRecord: (record: SQSRecord) => Promise<ApplyOutcome>;
}

export const markerKey = (consumerName: string, eventId: string) =>
  ({ pk: `CONSUMED#${consumerName}#${eventId}`, sk: 'MARKER' }) as const;

function isEventName(type: string): type is EventName {
  return Object.hasOwn(eventCatalogue, type);
}

/** Parses an SQS record's body into a catalogue event; throws `MalformedEventError` otherwise. */
export function parseEventMessage(body: string): { message: EventBridgeMessage; event: EventOf<EventName> } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new MalformedEventError('Message body is not JSON', { cause: error });
  }
  const parsed = EventBridgeMessage.safeParse(json);
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
  if (!isEventName(envelope.type)) throw new MalformedEventError(`Unknown event type ${envelope.type}`);
  const entry = eventCatalogue[envelope.type];
  if (envelope.version !== entry.version) {
    throw new MalformedEventError(
      `${envelope.type} version ${envelope.version} is not the catalogue's version ${entry.version}`,
    );
  }
  const event = entry.schema.safeParse(envelope);
  if (!event.success) {
    throw new MalformedEventError(
      `${envelope.type} does not match its schema: ${z.prettifyError(event.error)}`,
    );
  }
  // The catalogue schema for exactly this detail-type accepted it.
  return { message, event: event.data as EventOf<EventName> };
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

function emitter(correlationId: string) {
  return <T extends EventName>(type: T, data: EventData<T>): TransactWrite => {
    const entry = eventCatalogue[type];
    const event = newEvent({ type, version: entry.version, data, correlationId });
    // A producer bug is caught here, before the event reaches any other consumer.
    entry.schema.parse(event);
    return outboxPut(tableName, event);
  };
}

/**
 * Builds a consumer. Each handler returns the writes of its effect; the framework adds the marker
 * and commits them together, re-running the handler when its writes lose a race.
 */
export function consumer<const H extends EventHandlers>(definition: ConsumerDefinition<H>): Consumer {
  const { name, handlers } = definition;
  const eventTypes = Object.keys(handlers).filter(isEventName);

  function handlerFor(type: EventName): EventHandler<EventName> | undefined {
    // The event passed to it was parsed by the catalogue schema of this very type.
    return handlers[type] as EventHandler<EventName> | undefined;
  }

  async function apply(event: EventOf<EventName>): Promise<ApplyOutcome> {
    const handle = handlerFor(event.type);
    if (!handle) {
      logger.warn('no handler for this event type: acknowledged without effect');
      return 'ignored';
    }
    for (let attempt = 1; ; attempt++) {
      const now = new Date().toISOString();
      const tx: ConsumerTx = {
        tableName,
        now,
        correlationId: event.correlationId,
        emit: emitter(event.correlationId),
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

  async function processRecord(record: SQSRecord): Promise<ApplyOutcome> {
    logger.appendKeys({
      messageId: record.messageId,
      receiveCount: record.attributes.ApproximateReceiveCount,
    });
    let parsed: ReturnType<typeof parseEventMessage>;
    try {
      parsed = parseEventMessage(record.body);
    } catch (error) {
      logger.error('malformed message: failing it alone (it reaches the DLQ after maxReceiveCount)', {
        error: error as Error,
      });
      metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
      throw error;
    }
    const { event } = parsed;
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
      throw error;
    } finally {
      logger.removeKeys(['messageId', 'receiveCount', 'eventId', 'eventType', 'correlation_id']);
    }
  };

  // One processor per container, as Powertools recommends; batches are processed one at a time.
  const processor = new BatchProcessor(EventType.SQS);
  const core = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });

  const handler = middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics))
    .handler(core);

  return { name, eventTypes, handler, processRecord };
}
