/**
 * The single-table document client, created once per container. Endpoints come from the standard
 * `AWS_ENDPOINT_URL_DYNAMODB` variable, which the local runtime sets; nothing here knows where it runs.
 * Throttling and transient errors are retried within the bounded budget of `#shared/faults.ts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredEnv } from './config.ts';
import { sdkClientConfig } from './faults.ts';

export const tableName = requiredEnv('TABLE_NAME');

export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(sdkClientConfig()), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  unmarshallOptions: { wrapNumbers: false },
});
