/**
 * Integration tier: one DynamoDB Local (in memory) for the whole run. Each test file then gets a
 * table of its own (see dynamodb-setup.ts), so files run in parallel without sharing data.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#infra/local/dynamodb.ts';
import { freePort } from '#infra/local/processes.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  project.provide('dynamoDbEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
