/**
 * The table's CreateTable input, from the topology. Used by the local runtime and the integration
 * tests; the CDK stack builds the same shape with its own constructs from the same `TableSpec`.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { TableSpec } from './types.ts';

export function createTableInput(spec: TableSpec, tableName: string): CreateTableCommandInput {
  const attributes = new Set<string>([spec.partitionKey, spec.sortKey]);
  for (const index of spec.indexes) {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: spec.partitionKey, KeyType: 'HASH' },
      { AttributeName: spec.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: spec.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: spec.stream },
  };
}
