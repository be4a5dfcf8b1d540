import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '#shared/observability.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { busMessage, eventLike, lambdaContext, sqsRecord, sqsRecordFor } from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'unit-table';
  process.env.EVENT_SOURCE = 'storeline.fulfilment';
});
const { MalformedEventError, markerKey } = await import('#shared/consumer.ts');
const { consumer, parseEventMessage } = await import('#events/consumer.ts');

const ddb = mockClient(DynamoDBDocumentClient);

const effect = (id: string): TransactWrite => ({
  Put: {
    TableName: 'unit-table',
    Item: { pk: `EFFECT#${id}`, sk: 'E' },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/** A consumer of FulfilmentStarted that writes one item per event and records what it saw. */
function testConsumer() {
  const seen: { eventId: string; correlationId: unknown }[] = [];
  const built = consumer({
    name: 'unitTest',
    handlers: {
      FulfilmentStarted: async (event) => {
        seen.push({ eventId: event.id, correlationId: logger.getCorrelationId() });
        return [effect(event.data.orderId)];
      },
    },
  });
  return { ...built, seen };
}

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

beforeEach(() => {
  ddb.reset();
  ddb.on(TransactWriteCommand).resolves({});
});

describe('Function: parseEventMessage', () => {
  const good = eventLike('FulfilmentStarted');

  it('returns the envelope parsed by its catalogue schema', () => {
    const { event, message } = parseEventMessage(JSON.stringify(busMessage(good)));
    expect(event).toEqual(good);
    expect(message['detail-type']).toBe('FulfilmentStarted');
  });

  it.each([
    ['a body that is not JSON', 'not json'],
    ['an event without an envelope', JSON.stringify({ ...busMessage(good), detail: { hello: 1 } })],
    [
      'a detail-type that disagrees with the envelope',
      JSON.stringify({ ...busMessage(good), 'detail-type': 'OrderPlaced' }),
    ],
    ['an unknown event type', JSON.stringify(busMessage({ ...good, type: 'SomethingElse' }))],
    ['a version the catalogue does not have', JSON.stringify(busMessage({ ...good, version: 2 }))],
    [
      'data that breaks the schema',
      JSON.stringify(busMessage({ ...good, data: { ...good.data, lines: [] } })),
    ],
  ])('refuses %s', (_what, body) => {
    expect(() => parseEventMessage(body)).toThrow(MalformedEventError);
  });
});

describe('Function: consumer', () => {
  it('commits the effect and the marker in one transaction', async () => {
    // Prepare
    const c = testConsumer();
    const event = eventLike('FulfilmentStarted');
    // Act
    const response = await c.handler({ Records: [sqsRecordFor(event)] }, lambdaContext());
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual(effect(event.data.orderId));
    expect(items[1]?.Put).toMatchObject({
      Item: {
        ...markerKey('unitTest', event.id),
        consumer: 'unitTest',
        eventId: event.id,
        type: 'FulfilmentStarted',
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('fails a malformed message alone: the rest of the batch is applied', async () => {
    // Prepare
    const c = testConsumer();
    const good = [eventLike('FulfilmentStarted'), eventLike('FulfilmentStarted')];
    const poison = sqsRecord('{"detail": "garbage"}');
    // Act
    const response = await c.handler(
      { Records: [sqsRecordFor(good[0]!), poison, sqsRecordFor(good[1]!)] },
      lambdaContext(),
    );
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: poison.messageId }] });
    expect(c.seen.map((s) => s.eventId)).toEqual(good.map((e) => e.id));
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('fails a record whose effect cannot be written, and only that one', async () => {
    const c = testConsumer();
    const events = [eventLike('FulfilmentStarted'), eventLike('FulfilmentStarted')];
    const records = events.map(sqsRecordFor);
    ddb.on(TransactWriteCommand).rejectsOnce(new Error('ProvisionedThroughputExceeded')).resolves({});
    const response = await c.handler({ Records: records }, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]?.messageId }] });
  });

  it('treats a marker that already exists as applied before: success, nothing else written', async () => {
    // Prepare: the marker (second item) fails its condition
    const c = testConsumer();
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed']));
    // Act
    const outcome = await c.processRecord(sqsRecordFor(eventLike('FulfilmentStarted')));
    // Assess
    expect(outcome).toBe('duplicate');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('runs the handler again when its own condition lost a race, then commits', async () => {
    const c = testConsumer();
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['ConditionalCheckFailed', 'None']))
      .resolves({});
    const outcome = await c.processRecord(sqsRecordFor(eventLike('FulfilmentStarted')));
    expect(outcome).toBe('applied');
    expect(c.seen).toHaveLength(2);
  });

  it('gives up (and fails the record) when the race is lost every time', async () => {
    const c = testConsumer();
    ddb.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None']));
    await expect(c.processRecord(sqsRecordFor(eventLike('FulfilmentStarted')))).rejects.toThrow(
      TransactionCanceledException,
    );
    expect(c.seen).toHaveLength(3);
  });

  it('logs every line of an event with its correlation id, and only while applying it', async () => {
    // Prepare
    const c = testConsumer();
    const events = [
      eventLike('FulfilmentStarted', {}, { correlationId: 'req-one' }),
      eventLike('FulfilmentStarted', {}, { correlationId: 'req-two' }),
    ];
    // Act
    await c.handler({ Records: events.map(sqsRecordFor) }, lambdaContext());
    // Assess
    expect(c.seen.map((s) => s.correlationId)).toEqual(['req-one', 'req-two']);
    expect(logger.getCorrelationId()).toBeUndefined();
  });

  it('acknowledges an event type it has no handler for without writing', async () => {
    const other = consumer({ name: 'other', handlers: {} });
    expect(await other.processRecord(sqsRecordFor(eventLike('FulfilmentStarted')))).toBe('ignored');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('validates events a handler emits against the catalogue', async () => {
    const emitting = consumer({
      name: 'emitter',
      handlers: {
        FulfilmentStarted: async (event, tx) => [tx.emit('FulfilmentStarted', { ...event.data, lines: [] })],
      },
    });
    await expect(emitting.processRecord(sqsRecordFor(eventLike('FulfilmentStarted')))).rejects.toThrow();
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('emits through the outbox with the incoming correlation id', async () => {
    const emitting = consumer({
      name: 'emitter',
      handlers: { FulfilmentStarted: async (event, tx) => [tx.emit('FulfilmentStarted', event.data)] },
    });
    await emitting.processRecord(
      sqsRecordFor(eventLike('FulfilmentStarted', {}, { correlationId: 'req-9' })),
    );
    const put = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put;
    expect(put?.Item).toMatchObject({
      pk: expect.stringMatching(/^OUTBOX#/),
      event: { type: 'FulfilmentStarted', source: 'storeline.fulfilment', correlationId: 'req-9' },
    });
  });
});
