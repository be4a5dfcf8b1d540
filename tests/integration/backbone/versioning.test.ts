/**
 * Versioned consumption, end to end below HTTP: a test-only catalogue whose `ContactChanged` went
 * from v1 (`name`) to v2 (`givenName`, `familyName`, `channel`), a consumer written for v2 behind a
 * local queue with its DLQ, on DynamoDB Local. A v1 message still in the queue is upcast and
 * applied; a v3 message (emitted by a producer newer than this consumer) fails alone, is retried,
 * and ends in the DLQ with a log line saying why.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { LocalQueue, SqsEventSource } from '#infra/local/sqs.ts';
import { consumer } from '#shared/consumer.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { defineEvent, type EventOf } from '#shared/events/catalogue.ts';
import { type EventEnvelope, envelopeOf } from '#shared/events/envelope.ts';
import { logger } from '#shared/observability.ts';
import { busMessage, eventually, lambdaContext } from '../../support/backbone.ts';

const ContactChangedV1 = envelopeOf(
  'ContactChanged',
  1,
  z.object({ contactId: z.string(), name: z.string() }),
);
const ContactChangedV2 = envelopeOf(
  'ContactChanged',
  2,
  z.object({
    contactId: z.string(),
    givenName: z.string(),
    familyName: z.string(),
    channel: z.enum(['email', 'sms']),
  }),
);

const testCatalogue = {
  ContactChanged: defineEvent(ContactChangedV1, {
    source: 'storeline.contacts',
  }).next(ContactChangedV2, (v1) => {
    const [givenName = '', ...rest] = v1.name.split(' ');
    return { contactId: v1.contactId, givenName, familyName: rest.join(' '), channel: 'email' as const };
  }),
};

const contactKey = (contactId: string) => ({ pk: `TESTCONTACT#${contactId}`, sk: 'CONTACT' });

/** Written for v2 only: it reads `givenName` and `familyName`, which v1 never had. */
const contacts = consumer(testCatalogue, {
  name: 'versionTest',
  handlers: {
    ContactChanged: async (event: EventOf<typeof testCatalogue, 'ContactChanged'>, tx) => [
      {
        Put: {
          TableName: tx.tableName,
          Item: {
            ...contactKey(event.data.contactId),
            givenName: event.data.givenName,
            familyName: event.data.familyName,
            channel: event.data.channel,
            version: event.version,
          },
        },
      },
    ],
  },
});

function envelope(version: number, data: Record<string, unknown>): EventEnvelope {
  return {
    id: ulid(),
    type: 'ContactChanged',
    version,
    source: 'storeline.contacts',
    occurredAt: new Date().toISOString(),
    correlationId: `versioning-${version}`,
    data,
  };
}

const MAX_RECEIVES = 2;
const sources: SqsEventSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  vi.restoreAllMocks();
});

function consumerQueue() {
  const dlq = new LocalQueue({ name: 'version-test-dlq', region: 'us-east-1', visibilityTimeoutMs: 30_000 });
  const queue = new LocalQueue({
    name: 'version-test',
    region: 'us-east-1',
    visibilityTimeoutMs: 150,
    maxReceiveCount: MAX_RECEIVES,
    deadLetterQueue: dlq,
  });
  const source = new SqsEventSource({
    functionName: 'versionTest',
    queue,
    spec: { batchSize: 10, maxBatchingWindowSeconds: 0 },
    region: 'us-east-1',
    pollIntervalMs: 20,
    invoke: (event: SQSEvent) => contacts.handler(event, lambdaContext('versionTest')),
  });
  sources.push(source);
  return { queue, dlq, source };
}

const stored = async (contactId: string) =>
  (await ddb.send(new GetCommand({ TableName: tableName, Key: contactKey(contactId) }))).Item;

describe('Versioned consumption through a local queue (DynamoDB Local)', () => {
  it('upcasts a v1 message for a consumer written for v2, and dead-letters a v3 it cannot know', async () => {
    // Prepare
    const errors = vi.spyOn(logger, 'error');
    const { queue, dlq, source } = consumerQueue();
    const [ada, grace, alan] = [ulid(), ulid(), ulid()];
    const v1 = envelope(1, { contactId: ada, name: 'Ada King Lovelace' });
    const v2 = envelope(2, { contactId: grace, givenName: 'Grace', familyName: 'Hopper', channel: 'sms' });
    const v3 = envelope(3, { contactId: alan, fullName: { given: 'Alan' } });
    queue.send(JSON.stringify(busMessage(v1)));
    queue.send(JSON.stringify(busMessage(v3)));
    queue.send(JSON.stringify(busMessage(v2)));

    // Act
    source.start();

    // Assess: v1 arrives in v2's shape; v2 as it was
    await eventually(async () => ((await stored(ada)) ? true : undefined), {
      what: 'the v1 event applied',
    });
    expect(await stored(ada)).toMatchObject({
      givenName: 'Ada',
      familyName: 'King Lovelace',
      channel: 'email',
      version: 2,
    });
    await eventually(async () => ((await stored(grace)) ? true : undefined));
    expect(await stored(grace)).toMatchObject({ givenName: 'Grace', channel: 'sms' });

    // Assess: v3 fails alone, is retried, and waits in the DLQ; nothing of it was written
    await eventually(() => (dlq.size === 1 && queue.size === 0 ? true : undefined), {
      what: 'the v3 message in the DLQ',
    });
    expect(dlq.peek()[0]?.receiveCount).toBe(MAX_RECEIVES);
    expect(JSON.parse(dlq.peek()[0]?.body ?? '{}').detail.id).toBe(v3.id);
    expect(await stored(alan)).toBeUndefined();
    const unknownVersionLogs = errors.mock.calls.filter(([message]) =>
      String(message).includes('event version unknown to this consumer'),
    );
    expect(unknownVersionLogs).toHaveLength(MAX_RECEIVES);
    expect(unknownVersionLogs[0]?.[1]).toMatchObject({
      eventType: 'ContactChanged',
      eventVersion: 3,
      newestKnownVersion: 2,
    });
  });
});
