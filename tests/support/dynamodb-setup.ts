/**
 * Per test file: points the SDK at the run's DynamoDB Local through the standard variables the
 * handlers use in AWS, and creates a fresh table from the topology. Runs before the test file's
 * imports, so module-scope clients see these values.
 */
import { inject } from 'vitest';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoClient } from '#infra/local/dynamodb.ts';
import { topology } from '#infra/topology.ts';

const endpoint = inject('dynamoDbEndpoint');
const tableName = `test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

Object.assign(process.env, {
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoint,
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  TABLE_NAME: tableName,
  EVENT_BUS_NAME: 'storeline-test',
  EVENT_SOURCE: 'storeline.test',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});

const client = localDynamoClient(endpoint);
await ensureTable(client, topology.table, tableName);
client.destroy();
