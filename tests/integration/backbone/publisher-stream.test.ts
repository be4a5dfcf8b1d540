/**
 * The outbox's promise, end to end on DynamoDB Local: an event committed with its state change
 * reaches every subscribed queue even when the publisher was not running when it committed,
 * crashes while handling it, or PutEvents fails some entries. The stream is read by the local
 * stream event source, the publisher runs in-process, the bus is the local EventBridge endpoint.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackbone, localStreamsClient } from '#infra/local/backbone.ts';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { StreamEventSource } from '#infra/local/streams.ts';
import type { StreamSubscription } from '#infra/topology/types.ts';
import { topology } from '#infra/topology.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import type { EventEnvelope } from '#shared/events/envelope.ts';
import { outboxPut } from '#shared/outbox.ts';
import { eventLike, eventually, lambdaContext, uniqueOrderId } from '../../support/backbone.ts';

const busName = process.env.EVENT_BUS_NAME ?? 'storeline-test';
const backbone = new LocalBackbone({
  topology: { ...topology, bus: { ...topology.bus, name: busName } },
  region: LOCAL_REGION,
});
process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = await backbone.listen();
const { handler: publisher } = await import('#functions/publisher/handler.ts');

const streams = localStreamsClient(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '', LOCAL_REGION);
const streamArn =
  (await ddb.send(new DescribeTableCommand({ TableName: tableName }))).Table?.LatestStreamArn ?? '';
const spec: StreamSubscription = { ...topology.functions.publisher.stream, retryAttempts: 3 };

/** Checkpoints carried from one source to the next, as across runtime restarts. */
let checkpoints: Record<string, string> = {};
const sources: StreamEventSource[] = [];

function startPublisher(
  invoke: (event: DynamoDBStreamEvent) => Promise<unknown> = (event) =>
    publisher(event, lambdaContext('publisher')),
  overrides: Partial<StreamSubscription> = {},
) {
  const source = new StreamEventSource({
    client: streams,
    streamArn,
    functionName: 'publisher',
    spec: { ...spec, ...overrides },
    region: LOCAL_REGION,
    invoke,
    checkpoints,
    pollIntervalMs: 50,
    describeIntervalMs: 1000,
    retryDelayMs: 20,
  });
  sources.push(source);
  source.start();
  return source;
}

async function stopPublisher(source: StreamEventSource) {
  await source.stop();
  checkpoints = source.checkpoints();
}

/** Orders-like state change and its event, committed together. */
async function commitOrderPlaced(correlationId: string): Promise<EventEnvelope> {
  const event = eventLike('OrderPlaced', { orderId: uniqueOrderId() }, { correlationId });
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName,
            Item: { pk: `ORDER#${event.data.orderId}`, sk: 'ORDER', status: 'CONFIRMED' },
          },
        },
        outboxPut(tableName, event),
      ],
    }),
  );
  return event;
}

/** Ids of the envelopes in a consumer's queue. */
function queuedEventIds(consumer: string): string[] {
  return backbone
    .consumerQueues(consumer)
    .queue.peek()
    .map((m) => (JSON.parse(m.body) as { detail: { id: string } }).detail.id);
}

const delivered = (event: EventEnvelope, consumer = 'fulfilment') =>
  eventually(() => (queuedEventIds(consumer).includes(event.id) ? true : undefined), {
    what: `${event.type} ${event.id} in ${consumer}'s queue`,
  });

afterAll(async () => {
  await Promise.all(sources.map((s) => s.stop()));
  await backbone.stop();
  streams.destroy();
});

describe('Outbox → stream → publisher → bus → queues (DynamoDB Local)', () => {
  beforeAll(async () => {
    // Writes that are not outbox INSERTs never reach the publisher.
    await ddb.send(new PutCommand({ TableName: tableName, Item: { pk: 'PRODUCT#X', sk: 'PRODUCT' } }));
  });

  it('delivers an event committed while no publisher ran (killed after the commit, before PutEvents)', async () => {
    // Prepare: the state change and its outbox item commit; nothing publishes them
    const event = await commitOrderPlaced('req-killed');
    // Act: the publisher comes back
    const source = startPublisher();
    // Assess: every subscribed consumer's queue has it, once
    await delivered(event, 'fulfilment');
    await delivered(event, 'salesReports');
    await stopPublisher(source);
    expect(queuedEventIds('fulfilment').filter((id) => id === event.id)).toHaveLength(1);
    const message = JSON.parse(backbone.consumerQueues('fulfilment').queue.peek().at(-1)?.body ?? '{}');
    expect(message).toMatchObject({
      'detail-type': 'OrderPlaced',
      source: 'storeline.orders',
      detail: { id: event.id, correlationId: 'req-killed' },
    });
  });

  it('reads past items holding an empty map, which DynamoDB Local streams without a type', async () => {
    // Prepare: any item of the table passes through the stream reader before the filter, and an
    // empty map (a timeline entry without refs) once stopped the local stream for good
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'CUSTOMER#EMPTY-MAP', sk: 'TIMELINE#1', refs: {}, nested: { inner: {} } },
      }),
    );
    const event = await commitOrderPlaced('req-after-empty-map');
    // Act
    const source = startPublisher();
    // Assess: the event behind it is delivered
    await delivered(event, 'fulfilment');
    await stopPublisher(source);
  });

  it('retries the stream records of a publisher that crashes mid-batch: nothing is lost', async () => {
    // Prepare: the first two invocations die before doing anything (process killed)
    let crashes = 2;
    const invocations: number[] = [];
    const source = startPublisher(async (event) => {
      invocations.push(event.Records.length);
      if (crashes-- > 0) throw new Error('Runtime exited with error: signal: killed');
      return publisher(event, lambdaContext('publisher'));
    });
    // Act
    const events = [await commitOrderPlaced('req-crash-1'), await commitOrderPlaced('req-crash-2')];
    // Assess
    for (const event of events) await delivered(event);
    await stopPublisher(source);
    expect(invocations.length).toBeGreaterThanOrEqual(3);
    for (const event of events)
      expect(queuedEventIds('fulfilment').filter((id) => id === event.id)).toHaveLength(1);
  });

  it('resends entries the bus fails, within the publisher and then through the stream', async () => {
    // Prepare: this event's entry fails 6 times: more than one invocation's attempts
    const correlationId = 'req-bus-fails';
    backbone.bus.failNextEntries(6, 'ThrottlingException', (entry) =>
      (entry.Detail ?? '').includes(correlationId),
    );
    const invocations: unknown[] = [];
    const source = startPublisher(async (event) => {
      const response = await publisher(event, lambdaContext('publisher'));
      invocations.push(response);
      return response;
    });
    // Act
    const event = await commitOrderPlaced(correlationId);
    // Assess
    await delivered(event);
    await stopPublisher(source);
    expect(invocations[0]).toMatchObject({ batchItemFailures: [expect.anything()] });
    expect(queuedEventIds('salesReports').filter((id) => id === event.id)).toHaveLength(1);
  });

  it('resumes from its checkpoint: events published before a restart are not published again', async () => {
    const before = queuedEventIds('fulfilment').length;
    const source = startPublisher();
    const event = await commitOrderPlaced('req-resume');
    await delivered(event);
    await stopPublisher(source);
    expect(queuedEventIds('fulfilment')).toHaveLength(before + 1);
  });

  it('pauses and resumes the same source (the bench): nothing committed while paused is lost or repeated', async () => {
    // Prepare: a running source, caught up
    const source = startPublisher();
    const first = await commitOrderPlaced('req-before-pause');
    await delivered(first);
    // Act: paused, an event commits; then the same source resumes
    await source.stop();
    const before = queuedEventIds('fulfilment').length;
    const whilePaused = await commitOrderPlaced('req-while-paused');
    expect(queuedEventIds('fulfilment')).not.toContain(whilePaused.id);
    const resumedAt = Date.now();
    source.start();
    // Assess: delivered once, and the source reports a pass that found nothing after it
    await delivered(whilePaused);
    await eventually(() => ((source.idleSince ?? 0) >= resumedAt ? true : undefined), {
      what: 'an idle pass after resuming',
    });
    await stopPublisher(source);
    expect(queuedEventIds('fulfilment')).toHaveLength(before + 1);
  });

  it('gives up on records that keep failing after bisecting and retrying, and moves on', async () => {
    // Prepare: a publisher that always fails on one event
    const poison = await commitOrderPlaced('req-poison');
    const good = await commitOrderPlaced('req-after-poison');
    const source = startPublisher(async (event) => {
      const ids = event.Records.map((r) => r.dynamodb?.Keys?.pk?.S);
      if (ids.includes(`OUTBOX#${poison.id}`)) throw new Error('boom');
      return publisher(event, lambdaContext('publisher'));
    });
    // Act / Assess
    await delivered(good);
    await eventually(() => (source.failures.length ? true : undefined), { what: 'a stream failure record' });
    await stopPublisher(source);
    expect(source.failures).toMatchObject([
      {
        functionName: 'publisher',
        firstSequenceNumber: expect.any(String),
        reason: expect.stringMatching(/boom/),
      },
    ]);
    expect(source.failures[0]?.records).toHaveLength(1);
    expect(queuedEventIds('fulfilment')).not.toContain(poison.id);
  });
});
