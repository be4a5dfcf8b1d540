/**
 * The publisher is where event-backed business metrics are counted: each outbox event published
 * for good is counted once (EMF lines, `service=storeline`) and logged with its own correlation id;
 * events from the first failed one on are not counted, since the stream publishes them again.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventType } from '#events/catalog.ts';
import type { EventEnvelope } from '#shared/events/envelope.ts';
import { outboxItem } from '#shared/outbox.ts';
import { lambdaContext, sampleEvent } from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.EVENT_BUS_NAME = 'storeline-unit';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});
const { handler } = await import('#functions/publisher/handler.ts');
const { logger } = await import('#shared/observability.ts');

const eventBridge = mockClient(EventBridgeClient);

let sequence = 500;
function outboxRecord(type: EventType, correlationId: string): DynamoDBRecord {
  sequence += 1;
  const envelope: EventEnvelope = { ...sampleEvent(type), id: ulid(), correlationId };
  return {
    eventName: 'INSERT',
    dynamodb: {
      // The stream's AttributeValue shape is the SDK's for everything an outbox item holds.
      NewImage: marshall({ ...outboxItem(envelope) }, { removeUndefinedValues: true }) as never,
      SequenceNumber: String(sequence).padStart(21, '0'),
    },
  };
}

let lines: Record<string, unknown>[] = [];
beforeEach(() => {
  lines = [];
  logger.setLogLevel('INFO');
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
  eventBridge.reset();
});
afterEach(() => {
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
});

/** Values of a business metric across the EMF documents printed (`service=storeline`). */
const business = (name: string) =>
  lines.filter((l) => '_aws' in l && l.service === 'storeline' && name in l).map((l) => l[name]);

describe('publisher business metrics', () => {
  it('counts each published event once, by its type, and logs it with its correlation id', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake(({ Entries }: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: Entries.map(() => ({ EventId: ulid() })),
    }));
    const placed = sampleEvent('OrderPlaced');

    // Act
    await handler(
      {
        Records: [
          outboxRecord('OrderPlaced', 'corr-a'),
          outboxRecord('OrderPlaced', 'corr-b'),
          outboxRecord('TicketSlaBreached', 'corr-c'),
          outboxRecord('OrderShipped', 'corr-d'),
        ],
      },
      lambdaContext('publisher'),
    );

    // Assess
    expect(business('OrdersPlaced')).toEqual([2]);
    expect(business('OrderValue')).toEqual([2 * placed.data.total]);
    expect(business('SlaBreaches')).toEqual([1]);
    const published = lines.filter((l) => l.message === 'event published');
    expect(published.map((l) => l.correlation_id)).toEqual(['corr-a', 'corr-b', 'corr-c', 'corr-d']);
    expect(published.every((l) => typeof l.service === 'string')).toBe(true);
  });

  it('does not count the first unpublished event nor those after it', async () => {
    // Prepare: the second event always fails
    eventBridge.on(PutEventsCommand).callsFake(({ Entries }: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: Entries.map((e) =>
        (JSON.parse(e.Detail ?? '{}') as EventEnvelope).correlationId === 'fails'
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal' }
          : { EventId: ulid() },
      ),
    }));

    // Act
    const result = await handler(
      {
        Records: [
          outboxRecord('OrderCancelled', 'ok'),
          outboxRecord('OrderCancelled', 'fails'),
          outboxRecord('OrderCancelled', 'after'),
        ],
      },
      lambdaContext('publisher'),
    );

    // Assess
    expect(result.batchItemFailures).toHaveLength(2);
    expect(business('OrdersCancelled')).toEqual([1]);
  });
});
