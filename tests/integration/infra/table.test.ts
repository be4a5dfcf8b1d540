import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ensureTable, localDynamoClient } from '#infra/local/dynamodb.ts';
import { topology } from '#infra/topology.ts';

describe('Function: ensureTable (DynamoDB Local)', () => {
  const client = localDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB as string);
  const tableName = process.env.TABLE_NAME as string;

  it('creates the table the topology describes: keys, every GSI, stream and TTL', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(
      topology.table.indexes.map((i) => i.name).sort(),
    );
    expect(Table?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: topology.table.stream,
    });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe(topology.table.ttlAttribute);
  });

  it('leaves an existing table alone', async () => {
    expect(await ensureTable(client, topology.table, tableName)).toBe(false);
  });
});
