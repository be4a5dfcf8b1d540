import { describe, expect, it } from 'vitest';
import { localAdmin } from '#infra/local/admin.ts';
import { LocalBackbone } from '#infra/local/backbone.ts';
import { matchesFilter, toLambdaRecord } from '#infra/local/streams.ts';
import { topology } from '#infra/topology.ts';

const request = (method: string, path: string) => ({
  method,
  path,
  query: new URLSearchParams(),
  body: Buffer.alloc(0),
});

describe('Local admin endpoints', () => {
  it('lists queues, shows a DLQ and redrives it', async () => {
    // Prepare
    const backbone = new LocalBackbone({ topology, region: 'us-east-1' });
    const admin = localAdmin(backbone);
    const { dlq, queue } = backbone.consumerQueues('fulfilment');
    dlq.send(JSON.stringify({ 'detail-type': 'OrderPlaced', detail: { id: 'E1' } }));
    // Act / Assess
    const list = await admin(request('GET', '/_local/queues'));
    expect(list?.body).toMatchObject({
      queues: expect.arrayContaining([
        expect.objectContaining({
          consumer: 'fulfilment',
          messages: 0,
          dlq: expect.objectContaining({ messages: 1 }),
        }),
      ]),
    });
    const shown = await admin(request('GET', '/_local/queues/fulfilment/dlq'));
    expect(shown?.body).toMatchObject({
      name: 'fulfilment-dlq',
      items: [{ body: { 'detail-type': 'OrderPlaced', detail: { id: 'E1' } } }],
    });
    expect((await admin(request('POST', '/_local/queues/fulfilment/redrive')))?.body).toEqual({
      queue: 'fulfilment',
      moved: 1,
    });
    expect([dlq.size, queue.size]).toEqual([0, 1]);
    expect((await admin(request('GET', '/_local/queues/fulfilment')))?.body).toMatchObject({ items: [{}] });
    expect((await admin(request('GET', '/_local/queues/unknown/dlq')))?.status).toBe(404);
    expect(await admin(request('GET', '/_local/elsewhere'))).toBeUndefined();
    await backbone.stop();
  });
});

describe('Local stream records', () => {
  const raw = {
    eventID: 'e1',
    eventName: 'INSERT' as const,
    eventVersion: '1.1',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2026-01-01T00:00:05Z'),
      Keys: { pk: { S: 'OUTBOX#01ABC' }, sk: { S: 'EVENT' } },
      NewImage: {
        pk: { S: 'OUTBOX#01ABC' },
        bin: { B: new Uint8Array([1, 2, 3]) },
        nested: { M: { list: { L: [{ N: '1' }, { BOOL: true }, { NULL: true }] } } },
      },
      SequenceNumber: '000000000000000000042',
      SizeBytes: 80,
      StreamViewType: 'NEW_IMAGE' as const,
    },
  };

  it('are shaped as Lambda hands DynamoDB stream records to a function', () => {
    const record = toLambdaRecord(raw, 'arn:stream', 'us-east-1');
    expect(record).toEqual({
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:stream',
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-01-01T00:00:05Z') / 1000,
        Keys: { pk: { S: 'OUTBOX#01ABC' }, sk: { S: 'EVENT' } },
        NewImage: {
          pk: { S: 'OUTBOX#01ABC' },
          bin: { B: 'AQID' },
          nested: { M: { list: { L: [{ N: '1' }, { BOOL: true }, { NULL: true }] } } },
        },
        SequenceNumber: '000000000000000000042',
        SizeBytes: 80,
        StreamViewType: 'NEW_IMAGE',
      },
    });
  });

  it('pass the topology filter only as outbox INSERTs', () => {
    const filter = topology.functions.publisher.stream.filter;
    const record = toLambdaRecord(raw, 'arn', 'r');
    expect(matchesFilter(record, filter)).toBe(true);
    expect(matchesFilter({ ...record, eventName: 'MODIFY' }, filter)).toBe(false);
    expect(
      matchesFilter({ ...record, dynamodb: { ...record.dynamodb, Keys: { pk: { S: 'ORDER#1' } } } }, filter),
    ).toBe(false);
  });
});
