import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ulid } from 'ulid';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { envelopeFromRecord, UnpublishableRecordError } from '#functions/publisher/outbox-records.ts';
import type { EventEnvelope } from '#shared/events/envelope.ts';
import { outboxItem } from '#shared/outbox.ts';
import { lambdaContext, sampleEvent } from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.EVENT_BUS_NAME = 'storeline-unit';
});
const { handler } = await import('#functions/publisher/handler.ts');

const eventBridge = mockClient(EventBridgeClient);

/** Lambda-format AttributeValue of a plain value (what the stream carries). */
function marshal(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(marshal) };
  if (typeof value === 'object') {
    return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, marshal(v)])) };
  }
  throw new Error(`cannot marshal ${typeof value}`);
}

let sequence = 100;
function streamRecord(
  image: Record<string, unknown>,
  eventName: DynamoDBRecord['eventName'] = 'INSERT',
): DynamoDBRecord {
  sequence += 1;
  const newImage = Object.fromEntries(Object.entries(image).map(([k, v]) => [k, marshal(v)]));
  return {
    eventID: `e${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      Keys: { pk: marshal(image.pk), sk: marshal(image.sk) },
      NewImage: newImage,
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: 100,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x',
  };
}

function outboxRecord(correlationId: string): { record: DynamoDBRecord; envelope: EventEnvelope } {
  const envelope: EventEnvelope = { ...sampleEvent('FulfilmentStarted'), id: ulid(), correlationId };
  return { record: streamRecord({ ...outboxItem(envelope) }), envelope };
}

const sequenceOf = (r: DynamoDBRecord) => r.dynamodb?.SequenceNumber;
const invoke = (records: DynamoDBRecord[]) =>
  handler({ Records: records } satisfies DynamoDBStreamEvent, lambdaContext('publisher'));
const sentDetails = () =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .map((e: PutEventsRequestEntry) => JSON.parse(e.Detail ?? '{}') as EventEnvelope);

beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake(({ Entries }: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: Entries.map(() => ({ EventId: ulid() })),
  }));
});

describe('Handler: publisher', () => {
  it('puts each outbox envelope on the bus as Source/DetailType/Detail and reports no failure', async () => {
    // Prepare
    const items = [outboxRecord('r1'), outboxRecord('r2')];
    // Act
    const result = await invoke(items.map((i) => i.record));
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const entries = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      EventBusName: 'storeline-unit',
      Source: 'storeline.fulfilment',
      DetailType: 'FulfilmentStarted',
    });
    expect(sentDetails()).toEqual(items.map((i) => i.envelope));
  });

  it('skips a record that can never be published without holding back the others', async () => {
    // Prepare
    const good = [outboxRecord('g1'), outboxRecord('g2')];
    const broken = streamRecord({ pk: `OUTBOX#${ulid()}`, sk: 'EVENT', event: { type: 'NoEnvelope' } });
    const notOutbox = streamRecord({ pk: 'ORDER#1', sk: 'ORDER' }, 'MODIFY');
    // Act
    const result = await invoke([good[0]!.record, broken, notOutbox, good[1]!.record]);
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentDetails().map((d) => d.correlationId)).toEqual(['g1', 'g2']);
  });

  it('reports the first unpublished record and every record after it, in stream order', async () => {
    // Prepare: the 12th envelope (second request) always fails
    const items = Array.from({ length: 25 }, (_, i) => outboxRecord(`c${i}`));
    eventBridge.on(PutEventsCommand).callsFake(({ Entries }: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: Entries.map((e) =>
        (JSON.parse(e.Detail ?? '{}') as EventEnvelope).correlationId === 'c11'
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal' }
          : { EventId: ulid() },
      ),
    }));
    // Act
    const result = await invoke(items.map((i) => i.record));
    // Assess
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      items.slice(11).map((i) => sequenceOf(i.record)),
    );
    // The third request (records 21-25) was never sent: the stream retries them from record 12.
    expect(new Set(sentDetails().map((d) => d.correlationId)).has('c20')).toBe(false);
  });
});

describe('Function: envelopeFromRecord', () => {
  it('decodes the outbox image of an INSERT into its envelope', () => {
    const { record, envelope } = outboxRecord('c1');
    expect(envelopeFromRecord(record)).toEqual(envelope);
  });

  it('refuses an image that is not a DynamoDB item or not an outbox item with a valid envelope', () => {
    const { record } = outboxRecord('c1');
    const withImage = (NewImage: unknown) =>
      ({ ...record, dynamodb: { ...record.dynamodb, NewImage } }) as DynamoDBRecord;
    expect(() => envelopeFromRecord(withImage({ pk: { X: 1 } }))).toThrow(UnpublishableRecordError);
    expect(() => envelopeFromRecord(withImage({ pk: { S: 'OUTBOX#x' }, sk: { S: 'EVENT' } }))).toThrow(
      /not an outbox item with a valid envelope/,
    );
    expect(() => envelopeFromRecord({ ...record, eventName: 'MODIFY' })).toThrow(/only INSERTs/);
  });
});
