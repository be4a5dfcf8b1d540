/** The local EventBridge endpoint, spoken to by the unchanged SDK client over HTTP. */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBackbone } from '#infra/local/backbone.ts';
import { LOCAL_CREDENTIALS } from '#infra/local/dynamodb.ts';
import { topology } from '#infra/topology.ts';
import { eventLike } from '../../support/backbone.ts';

const backbone = new LocalBackbone({ topology, region: 'us-east-1' });
const endpoint = await backbone.listen();
const client = new EventBridgeClient({
  endpoint,
  region: 'us-east-1',
  credentials: LOCAL_CREDENTIALS,
  maxAttempts: 1,
});
afterAll(async () => {
  client.destroy();
  await backbone.stop();
});

const entryFor = (event: { type: string; source: string }, extra: Partial<PutEventsRequestEntry> = {}) => ({
  EventBusName: topology.bus.name,
  Source: event.source,
  DetailType: event.type,
  Detail: JSON.stringify(event),
  Time: new Date(),
  ...extra,
});

const queued = (consumer: string) =>
  backbone
    .consumerQueues(consumer)
    .queue.peek()
    .map((m) => JSON.parse(m.body));

describe('Local EventBridge endpoint', () => {
  it('routes each event to the queues whose rule matches its source and detail-type', async () => {
    // Prepare
    const placed = eventLike('OrderPlaced');
    const cancelled = eventLike('OrderCancelled');
    const started = eventLike('FulfilmentStarted');
    // Act
    const result = await client.send(
      new PutEventsCommand({ Entries: [entryFor(placed), entryFor(cancelled), entryFor(started)] }),
    );
    // Assess
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.every((e) => e.EventId)).toBe(true);
    expect(queued('fulfilment').map((m) => m.detail.id)).toEqual([placed.id]);
    expect(queued('salesReports').map((m) => m.detail.id)).toEqual([placed.id, cancelled.id]);
    expect(queued('fulfilment')[0]).toMatchObject({
      version: '0',
      'detail-type': 'OrderPlaced',
      source: 'storeline.orders',
      account: '000000000000',
      region: 'us-east-1',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      detail: placed,
    });
    expect(backbone.bus.recentEvents().at(-1)).toMatchObject({ consumers: [] });
  });

  it('refuses more than 10 entries, and more than 256 KB, in one request', async () => {
    const event = eventLike('FulfilmentStarted');
    await expect(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entryFor(event)) })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const big = entryFor(event, { Detail: JSON.stringify({ ...event, pad: 'x'.repeat(200 * 1024) }) });
    await expect(client.send(new PutEventsCommand({ Entries: [big, big] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/over the limit/),
    });
  });

  it('fails entries individually: malformed detail, missing fields, unknown bus, injected failures', async () => {
    const event = eventLike('OrderPlaced');
    backbone.bus.failNextEntries(1, 'ThrottlingException');
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entryFor(event),
          entryFor(event, { Detail: '[1,2]' }),
          entryFor(event, { Source: undefined }),
          entryFor(event, { EventBusName: 'elsewhere' }),
          entryFor(event),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ThrottlingException',
      'MalformedDetail',
      'InvalidArgument',
      'ResourceNotFoundException',
      'ok',
    ]);
  });
});
