/**
 * The outbox publisher: subscribed to the table's stream, filtered to INSERTs of outbox items
 * (`pk` starting with `OUTBOX#`). It puts each item's envelope on the bus and reports the records
 * it could not publish as batch item failures: the first one and every record after it, because
 * the stream retries from the lowest failed sequence number and order within a shard matters.
 *
 * A record that can never be published (not an outbox INSERT, an invalid envelope, an event
 * larger than PutEvents accepts) is logged as an error and counted (the `UnpublishableEvents`
 * metric, for an alarm) but not reported: retrying cannot fix it, and reporting it would hold
 * back, then discard, every event behind it in the shard. The outbox item stays in the table (a
 * week, by TTL) for inspection.
 *
 * Every event published for good (before the first failed one: those after it are published again
 * when the stream retries) is logged with its own correlation id and counted in the business
 * metrics its type maps to (`#events/business-metrics.ts`): the one place they are derived.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { businessMetricsOf } from '#events/business-metrics.ts';
import { requiredEnv } from '#shared/config.ts';
import type { EventEnvelope } from '#shared/events/envelope.ts';
import { sdkClientConfig } from '#shared/faults.ts';
import { logger, metrics, observed, recordBusinessMetricPoint } from '#shared/observability.ts';
import { envelopeFromRecord, UnpublishableRecordError } from './outbox-records.ts';
import { entrySize, MAX_REQUEST_BYTES, type PendingEntry, publishEntries, toEntry } from './publish.ts';

const busName = requiredEnv('EVENT_BUS_NAME');
// Created once per container. The SDK retries throttling and 5xx itself; failed entries inside a
// successful response are resent by `publishEntries`.
const eventBridge = new EventBridgeClient(sdkClientConfig());

/** Turns stream records into bus entries, dropping (and reporting) those that can never be published. */
function pendingEntries(event: DynamoDBStreamEvent, envelopes: Map<string, EventEnvelope>): PendingEntry[] {
  const pending: PendingEntry[] = [];
  const now = Date.now();
  let oldest = now;
  for (const record of event.Records) {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    if (!sequenceNumber) throw new Error('stream record without a sequence number');
    try {
      const envelope = envelopeFromRecord(record);
      const entry = toEntry(envelope, busName);
      const size = entrySize(entry);
      if (size > MAX_REQUEST_BYTES) {
        throw new UnpublishableRecordError(`event is ${size} bytes; PutEvents accepts ${MAX_REQUEST_BYTES}`);
      }
      oldest = Math.min(oldest, Date.parse(envelope.occurredAt));
      pending.push({ sequenceNumber, entry });
      envelopes.set(sequenceNumber, envelope);
    } catch (error) {
      if (!(error instanceof UnpublishableRecordError)) throw error;
      logger.error('outbox record cannot be published: skipped', {
        sequenceNumber,
        keys: record.dynamodb?.Keys,
        reason: error.message,
      });
      metrics.addMetric('UnpublishableEvents', MetricUnit.Count, 1);
    }
  }
  // How far behind the outbox the bus is: the age of the oldest event in the batch.
  if (pending.length) metrics.addMetric('PublishLagMs', MetricUnit.Milliseconds, now - oldest);
  return pending;
}

const core = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  const envelopes = new Map<string, EventEnvelope>();
  const pending = pendingEntries(event, envelopes);
  const result = await publishEntries(eventBridge, pending);
  const firstFailedAt = result.failed[0]
    ? pending.findIndex((p) => p.sequenceNumber === result.failed[0]?.sequenceNumber)
    : pending.length;
  for (const { sequenceNumber } of pending.slice(0, firstFailedAt)) {
    const envelope = envelopes.get(sequenceNumber);
    if (!envelope) continue;
    logger.setCorrelationId(envelope.correlationId);
    logger.info('event published', { eventId: envelope.id, eventType: envelope.type, sequenceNumber });
    for (const point of businessMetricsOf(envelope)) recordBusinessMetricPoint(point);
  }
  logger.setCorrelationId(context.awsRequestId);
  metrics.addMetric('EventsPublished', MetricUnit.Count, result.published);
  if (result.resent) metrics.addMetric('EntriesResent', MetricUnit.Count, result.resent);
  const firstFailed = result.failed[0];
  if (!firstFailed) {
    logger.debug('batch published', { records: event.Records.length, published: result.published });
    return { batchItemFailures: [] };
  }
  metrics.addMetric('PublishFailures', MetricUnit.Count, result.failed.length);
  logger.warn('events not published: the stream will retry from the first of them', {
    failed: result.failed,
  });
  const from = event.Records.findIndex((r) => r.dynamodb?.SequenceNumber === firstFailed.sequenceNumber);
  return {
    batchItemFailures: event.Records.slice(from).map((r) => ({
      itemIdentifier: r.dynamodb?.SequenceNumber ?? '',
    })),
  };
};

export const handler = observed('stream', core);
