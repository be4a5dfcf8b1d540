/**
 * The table stream as the publisher sees it: the same outbox PutItem on DynamoDB Local (which the
 * local runtime's stream poller reads) and on moto's DynamoDB, read back through the same
 * DynamoDB Streams client, raw and through our poller (infra/local/streams.ts) as the Lambda
 * event the publisher receives; compared after normalising ids, sequence numbers and times.
 * Differences we keep are in docs/local-runtime.md.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emit } from '#events/emit.ts';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { matchesFilter, StreamEventSource } from '#infra/local/streams.ts';
import { createTableInput } from '#infra/topology/table.ts';
import { topology } from '#infra/topology.ts';
import { sampleEvent } from '../support/backbone.ts';
import { clientConfig } from '../support/moto.ts';

const motoEndpoint = inject('motoEndpoint');
const dynamoDbEndpoint = inject('dynamoDbEndpoint');
const publisher = topology.functions.publisher.stream;

interface Store {
  readonly name: 'dynamodb-local' | 'moto';
  readonly dynamo: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
}

async function store(name: Store['name'], endpoint: string, tableName: string): Promise<Store> {
  const dynamo = new DynamoDBClient(clientConfig(endpoint));
  const streams = new DynamoDBStreamsClient(clientConfig(endpoint));
  await dynamo.send(new CreateTableCommand(createTableInput(topology.table, tableName)));
  const table = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`${name}: the table has no stream`);
  return { name, dynamo, streams, streamArn };
}

/** Every record in the stream so far, raw as GetRecords returns them. */
async function rawRecords(s: Store): Promise<_Record[]> {
  const description = await s.streams.send(new DescribeStreamCommand({ StreamArn: s.streamArn }));
  const records: _Record[] = [];
  for (const shard of description.StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await s.streams.send(
      new GetShardIteratorCommand({
        StreamArn: s.streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const out = await s.streams.send(new GetRecordsCommand({ ShardIterator }));
    records.push(...(out.Records ?? []));
  }
  return records;
}

/** The records our poller hands the publisher, read from this store's stream. */
async function publisherRecords(s: Store, count: number): Promise<DynamoDBRecord[]> {
  const received: DynamoDBRecord[] = [];
  const source = new StreamEventSource({
    client: s.streams,
    streamArn: s.streamArn,
    functionName: 'publisher',
    spec: { ...publisher, maxBatchingWindowSeconds: 0 },
    region: LOCAL_REGION,
    pollIntervalMs: 50,
    invoke: async (event) => {
      received.push(...event.Records);
      return { batchItemFailures: [] };
    },
  });
  source.start();
  const deadline = Date.now() + 10_000;
  while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await source.stop();
  return received;
}

const SEQUENCE = /^\d+$/;

/**
 * Fields where DynamoDB Local and moto knowingly differ (docs/local-runtime.md): each side's value
 * is pinned by the test, then masked before the comparison. The publisher reads none of them.
 */
const knownDifferences = (record: {
  eventVersion?: string | undefined;
  dynamodb?: { SizeBytes?: unknown };
}) => ({
  eventVersion: record.eventVersion,
  sizeBytesIsPositive: typeof record.dynamodb?.SizeBytes === 'number' && record.dynamodb.SizeBytes > 0,
});
const maskKnown = <T extends { dynamodb?: object | undefined }>(record: T) => ({
  ...record,
  eventVersion: '<version>',
  dynamodb: { ...record.dynamodb, SizeBytes: '<size>' },
});
/** Ids, sequence numbers and times differ by nature: each is checked for its form, then masked. */
function normaliseRaw(record: _Record | undefined) {
  const d = record?.dynamodb;
  return {
    ...record,
    eventID: typeof record?.eventID === 'string' && record.eventID.length > 0 ? '<id>' : record?.eventID,
    dynamodb: {
      ...d,
      ApproximateCreationDateTime:
        d?.ApproximateCreationDateTime instanceof Date ? '<date>' : d?.ApproximateCreationDateTime,
      SequenceNumber: SEQUENCE.test(d?.SequenceNumber ?? '') ? '<sequence>' : d?.SequenceNumber,
    },
  };
}

function normaliseLambda(record: DynamoDBRecord | undefined, streamArn: string) {
  const d = record?.dynamodb;
  const created = d?.ApproximateCreationDateTime;
  return {
    ...record,
    eventID: typeof record?.eventID === 'string' && record.eventID.length > 0 ? '<id>' : record?.eventID,
    eventSourceARN: record?.eventSourceARN === streamArn ? '<stream-arn>' : record?.eventSourceARN,
    dynamodb: {
      ...d,
      // Lambda gives epoch seconds; within a minute of now.
      ApproximateCreationDateTime:
        typeof created === 'number' && Math.abs(created - Date.now() / 1000) < 60
          ? '<epoch-seconds>'
          : created,
      SequenceNumber: SEQUENCE.test(d?.SequenceNumber ?? '') ? '<sequence>' : d?.SequenceNumber,
    },
  };
}

describe.skipIf(!motoEndpoint)(
  'DynamoDB Streams: DynamoDB Local (what the local poller reads) against moto',
  () => {
    let stores: Store[];
    const tableName = `conformance-${Date.now()}`;
    // The outbox item exactly as a producer writes it: the catalogue sample through the emit path.
    process.env.TABLE_NAME = tableName;
    const item = emit('OrderPlaced', sampleEvent('OrderPlaced').data, { correlationId: 'conformance' }).Put
      .Item;
    beforeAll(async () => {
      stores = [
        await store('dynamodb-local', dynamoDbEndpoint, tableName),
        await store('moto', motoEndpoint, tableName),
      ];
      for (const s of stores) {
        await s.dynamo.send(
          new PutItemCommand({
            TableName: tableName,
            Item: marshall(item, { removeUndefinedValues: true }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      }
    });
    afterAll(() => {
      for (const s of stores ?? []) {
        s.dynamo.destroy();
        s.streams.destroy();
      }
    });

    it('gives the same raw INSERT record (NEW_IMAGE) for an outbox PutItem', async () => {
      const [local, moto] = await Promise.all(stores.map(rawRecords));
      expect(local).toHaveLength(1);
      const [l, m] = [normaliseRaw(local?.[0]), normaliseRaw(moto?.[0])];
      expect(knownDifferences(l)).toEqual({ eventVersion: '1.1', sizeBytesIsPositive: true });
      expect(knownDifferences(m)).toEqual({ eventVersion: '1.0', sizeBytesIsPositive: true });
      // DynamoDB Local names its region `ddblocal`; our poller puts the runtime's region instead.
      expect([l.awsRegion, m.awsRegion]).toEqual(['ddblocal', LOCAL_REGION]);
      expect(maskKnown({ ...l, awsRegion: '<region>' })).toEqual(maskKnown({ ...m, awsRegion: '<region>' }));
    });

    it('hands the publisher the same Lambda record through our poller, and the filter takes both', async () => {
      const [local, moto] = await Promise.all(stores.map((s) => publisherRecords(s, 1)));
      expect(local).toHaveLength(1);
      expect(moto).toHaveLength(1);
      expect(local?.every((r) => matchesFilter(r, publisher.filter))).toBe(true);
      const l = normaliseLambda(local?.[0], stores[0]?.streamArn ?? '');
      const m = normaliseLambda(moto?.[0], stores[1]?.streamArn ?? '');
      expect([knownDifferences(l).eventVersion, knownDifferences(m).eventVersion]).toEqual(['1.1', '1.0']);
      expect(maskKnown(l)).toEqual(maskKnown(m));
      expect(l.awsRegion).toBe(LOCAL_REGION);
    });
  },
);
